// Queue wiring: one "sync-calendar" job per active connection on every sync-calendars cron
// (keyed by connection), and "calendar-write" after every appointment change.
import { UnrecoverableError } from "bullmq";
import { onAppointmentChange } from "../booking/events.ts";
import type { ProviderId } from "../config/providers.ts";
import { addSyncJob } from "../jobs/queue.ts";
import { addJobSource, defineJob } from "../jobs/registry.ts";
import { syncCalendar } from "./sync.ts";
import { isRetryable, writeAppointment } from "./write.ts";

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

onAppointmentChange(async (ctx, appointmentId) => {
  const a = await ctx.db.appointment.findUnique({ where: { id: appointmentId }, select: { artistId: true } });
  if (!a) return;
  const primary = await ctx.db.calendarConnection.findFirst({ where: { userId: a.artistId, isPrimary: true, status: "active" }, select: { provider: true } });
  if (!primary) return;
  const job = addSyncJob(ctx, { name: "calendar-write", data: { appointmentId }, provider: primary.provider as ProviderId });
  if (ctx.queue.mode === "bullmq") await job;
  else ctx.background.run(job);
});
