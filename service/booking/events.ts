// Appointment changes fan out to whoever cares (the calendar two-way sync, realtime pushes),
// without booking knowing about them.
import type { AppContext } from "../context.ts";

export type AppointmentChange = "created" | "confirmed" | "moved" | "cancelled" | "completed" | "no_show";
type Listener = (ctx: AppContext, appointmentId: string, change: AppointmentChange) => Promise<void>;
const listeners: Listener[] = [];

/** Registers a listener for appointment changes (the calendar sync, for one). */
export function onAppointmentChange(listener: Listener): void {
  listeners.push(listener);
}

/** Pushes the change to the artist's and customer's tabs, then calls each listener (a failing one does not stop the
 *  others). */
export async function appointmentChanged(
  ctx: AppContext,
  appointmentId: string,
  change: AppointmentChange,
): Promise<void> {
  const a = await ctx.db.appointment.findUnique({
    where: { id: appointmentId },
    select: { artistId: true, customerId: true, status: true, start: true, end: true },
  });
  if (a) {
    const event = { type: "appointment.updated", appointmentId, change, status: a.status, start: a.start, end: a.end };
    await Promise.all([ctx.realtime.publish(a.artistId, event), ctx.realtime.publish(a.customerId, event)]).catch(
      () => undefined,
    );
  }
  for (const l of listeners) {
    try {
      await l(ctx, appointmentId, change);
    } catch (err) {
      ctx.log.warn({ appointmentId, change, err: (err as Error).message }, "appointment listener failed");
    }
  }
}

/** Realtime only, to both parties: news about an appointment whose time did not change (so no
 *  calendar write), e.g. a reschedule request waiting for the artist or the artist's "no". */
export async function appointmentNotice(
  ctx: AppContext,
  a: { id: string; artistId: string; customerId: string },
  type: "appointment.reschedule_requested" | "appointment.reschedule_declined",
  detail: Record<string, unknown>,
): Promise<void> {
  const event = { type, appointmentId: a.id, ...detail };
  await Promise.all([ctx.realtime.publish(a.artistId, event), ctx.realtime.publish(a.customerId, event)]).catch(
    () => undefined,
  );
}
