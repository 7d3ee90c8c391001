// Queue wiring: one "sync-calendar" job per active connection on every sync-calendars cron
// (keyed by connection), and "calendar-write" after every appointment change.
import { UnrecoverableError } from "bullmq";
import { onAppointmentChange } from "../booking/events.ts";
import type { ProviderId } from "../providers/catalog.ts";
import { addSyncJob } from "../jobs/queue.ts";
import { addJobSource, defineJob } from "../jobs/registry.ts";
import { syncCalendar } from "./sync.ts";
import type { AppContext } from "../context.ts";
import { isRetryable, writeAppointment, WRITE_PENDING } from "./write.ts";

export const calendarSyncJob = (id: string, provider: string) => ({ name: "sync-calendar", data: { connectionId: id }, jobId: `sync-calendar_${id}`, provider: provider as ProviderId });

defineJob("sync-calendar", async (ctx, data): Promise<Record<string, number>> => {
  const r = await syncCalendar(ctx, String(data.connectionId));
  if (r.status === "busy") return { busy: 1 };
  if (r.status === "inactive") return { skipped: 1 };
  if (r.status === "error") {
    if (r.error.errorClass === "auth" || r.error.errorClass === "permanent") throw new UnrecoverableError(`${r.error.code}: ${r.error.message}`);
    throw r.error;
  }
  return { events: r.events };
});

defineJob("calendar-write", async (ctx, data) => {
  try {
    return { [await writeAppointment(ctx, String(data.appointmentId))]: 1 };
  } catch (err) {
    if (!isRetryable(err)) {
      await ctx.db.appointment.update({ where: { id: String(data.appointmentId) }, data: { calendarState: "write_failed" } }).catch(() => undefined);
      throw new UnrecoverableError((err as Error).message);
    }
    throw err;
  }
});

addJobSource("sync-calendars", async (ctx) => {
  const rows = await ctx.db.calendarConnection.findMany({ where: { status: "active" }, select: { id: true, provider: true } });
  return rows.map((r) => calendarSyncJob(r.id, r.provider));
});

/** A write still pending this long was lost: inline mode runs it once (a provider outage then
 *  leaves it pending), and BullMQ gives up after its attempts (~75 s of backoff). */
export const writeSweepAfterMs = (ctx: AppContext) => (ctx.queue.mode === "inline" ? 5_000 : 10 * 60_000);

// The sync-calendars cron retries appointment writes that never reached the calendar.
addJobSource("sync-calendars", async (ctx) => {
  const stale = await ctx.db.appointment.findMany({
    where: { calendarState: WRITE_PENDING, updatedAt: { lt: new Date(Date.now() - writeSweepAfterMs(ctx)) } },
    select: { id: true, artistId: true },
    take: 500,
  });
  const primaries = await ctx.db.calendarConnection.findMany({ where: { userId: { in: [...new Set(stale.map((a) => a.artistId))] }, isPrimary: true, status: "active" }, select: { userId: true, provider: true } });
  const providerOf = new Map(primaries.map((c) => [c.userId, c.provider]));
  return stale.filter((a) => providerOf.has(a.artistId)).map((a) => ({ name: "calendar-write", data: { appointmentId: a.id }, jobId: `calendar-write-retry_${a.id}`, provider: providerOf.get(a.artistId) as ProviderId }));
});

onAppointmentChange(async (ctx, appointmentId) => {
  const a = await ctx.db.appointment.findUnique({ where: { id: appointmentId }, select: { artistId: true } });
  if (!a) return;
  const primary = await ctx.db.calendarConnection.findFirst({ where: { userId: a.artistId, isPrimary: true, status: "active" }, select: { provider: true } });
  if (!primary) return;
  // Marked first: until the write lands (state "synced"/"deleted"), the cron sweep above retries it.
  await ctx.db.appointment.updateMany({ where: { id: appointmentId }, data: { calendarState: WRITE_PENDING } });
  const job = addSyncJob(ctx, { name: "calendar-write", data: { appointmentId }, provider: primary.provider as ProviderId });
  if (ctx.queue.mode === "bullmq") await job;
  else ctx.background.run(job);
});
