// Queue wiring: one "sync-calendar" job per active connection on every sync-calendars cron
// (keyed by connection), and "calendar-write" after every appointment change. Listed in
// jobs/catalog.ts; importing this module also subscribes the write-back to appointment changes.
import { UnrecoverableError } from "../jobs/unrecoverable.ts";
import { z } from "zod";
import { onAppointmentChange } from "../booking/events.ts";
import type { ProviderId } from "../providers/catalog.ts";
import { defineJob, enqueue } from "../jobs/define.ts";
import type { JobSpec } from "../jobs/types.ts";
import { syncJobCounts } from "../jobs/sync-counts.ts";
import { syncCalendar } from "./sync.ts";
import type { AppContext } from "../context.ts";
import { isRetryable, writeAppointment, WRITE_PENDING } from "./write.ts";

export const syncCalendarJob = defineJob(
  "sync-calendar",
  z.object({ connectionId: z.string().min(1) }),
  async (ctx, data) => syncJobCounts(await syncCalendar(ctx, data.connectionId), (r) => ({ events: r.events })),
);

export const calendarSyncJobId = (connectionId: string) => `sync-calendar_${connectionId}`;
export const calendarSyncJob = (id: string, provider: string) =>
  syncCalendarJob.spec({ connectionId: id }, { jobId: calendarSyncJobId(id), provider: provider as ProviderId });

export const calendarWriteJob = defineJob(
  "calendar-write",
  z.object({ appointmentId: z.string().min(1) }),
  async (ctx, data) => {
    try {
      return { [await writeAppointment(ctx, data.appointmentId)]: 1 };
    } catch (err) {
      if (!isRetryable(err)) {
        await ctx.db.appointment
          .update({ where: { id: data.appointmentId }, data: { calendarState: "write_failed" } })
          .catch(() => undefined);
        throw new UnrecoverableError((err as Error).message);
      }
      throw err;
    }
  },
);

/** sync-calendars: every active calendar connection. */
export async function calendarSyncs(ctx: AppContext): Promise<JobSpec[]> {
  const rows = await ctx.db.calendarConnection.findMany({
    where: { status: "active" },
    select: { id: true, provider: true },
  });
  return rows.map((r) => calendarSyncJob(r.id, r.provider));
}

/** A write still pending this long was lost: inline mode runs it once (a provider outage then
 *  leaves it pending), and BullMQ gives up after its attempts (~75 s of backoff). */
export const writeSweepAfterMs = (ctx: AppContext) => (ctx.queue.mode === "inline" ? 5_000 : 10 * 60_000);

/** sync-calendars: retries appointment writes that never reached the calendar. */
export async function calendarWriteSweep(ctx: AppContext): Promise<JobSpec[]> {
  const stale = await ctx.db.appointment.findMany({
    where: { calendarState: WRITE_PENDING, updatedAt: { lt: new Date(Date.now() - writeSweepAfterMs(ctx)) } },
    select: { id: true, artistId: true },
    take: 500,
  });
  const primaries = await ctx.db.calendarConnection.findMany({
    where: { userId: { in: [...new Set(stale.map((a) => a.artistId))] }, isPrimary: true, status: "active" },
    select: { userId: true, provider: true },
  });
  const providerOf = new Map(primaries.map((c) => [c.userId, c.provider]));
  return stale
    .filter((a) => providerOf.has(a.artistId))
    .map((a) =>
      calendarWriteJob.spec(
        { appointmentId: a.id },
        { jobId: `calendar-write-retry_${a.id}`, provider: providerOf.get(a.artistId) as ProviderId },
      ),
    );
}

onAppointmentChange(async (ctx, appointmentId) => {
  const a = await ctx.db.appointment.findUnique({ where: { id: appointmentId }, select: { artistId: true } });
  if (!a) return;
  const primary = await ctx.db.calendarConnection.findFirst({
    where: { userId: a.artistId, isPrimary: true, status: "active" },
    select: { provider: true },
  });
  if (!primary) return;
  // Marked first: until the write lands (state "synced"/"deleted"), the cron sweep above retries it.
  await ctx.db.appointment.updateMany({ where: { id: appointmentId }, data: { calendarState: WRITE_PENDING } });
  const job = enqueue(ctx, calendarWriteJob.spec({ appointmentId }, { provider: primary.provider as ProviderId }));
  if (ctx.queue.mode === "bullmq") await job;
  else ctx.background.run(job);
});
