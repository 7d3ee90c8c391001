// Moving an appointment. The artist moves it directly. The customer moves it directly only
// outside the artist's cancellation-notice window; inside it — where cancelling would forfeit
// the deposit — the new time is a request the artist approves or declines, and the appointment
// keeps its time until then. A started (or missed) appointment is no longer the customer's to
// move. policyStart, the start the deposit policy measures notice from, follows the artist's
// moves only, so moving then cancelling never earns a refund the original booking would not.
import type { AppContext } from "../context.ts";
import { conflict, forbidden } from "../http/errors.ts";
import { moveAppointment, SLOT_TAKEN } from "./appointments.ts";
import { isSlotFree } from "./availability.ts";
import { appointmentChanged, appointmentNotice } from "./events.ts";
import { assertBookableStart } from "./start-rules.ts";
import { liveAppointment } from "./workflow.ts";
import { kickNotifications, recordNotifications } from "../notifications/index.ts";

const HOUR_MS = 3_600_000;
type Live = Awaited<ReturnType<typeof liveAppointment>>;

export interface RescheduleAnswer {
  /** 200 when moved, 202 when waiting for the artist's approval. */
  httpStatus: 200 | 202;
  body: Record<string, unknown>;
}

const durationOf = (a: Live) => a.end.getTime() - a.start.getTime();

async function assertFree(ctx: AppContext, a: Live, start: Date): Promise<void> {
  if (!(await isSlotFree(ctx, a.artistId, start, durationOf(a) / 60_000, { ignoreAppointmentId: a.id })))
    throw SLOT_TAKEN();
}

/** Moves an appointment: the artist moves it at once; a customer's move inside the notice window waits for the
 *  artist's approval. */
export async function reschedule(ctx: AppContext, userId: string, id: string, start: Date): Promise<RescheduleAnswer> {
  const a = await liveAppointment(ctx, id, userId);
  const byArtist = userId === a.artistId;
  const now = Date.now();
  assertBookableStart(ctx, start, now);
  if (!byArtist && a.start.getTime() <= now)
    throw conflict(
      "This appointment has already started or passed; only the artist can move it now. Message them to find a new time.",
      "APPOINTMENT_IN_PAST",
    );
  const profile = await ctx.db.artistProfile.findUniqueOrThrow({ where: { userId: a.artistId } });
  await assertFree(ctx, a, start);
  const end = new Date(start.getTime() + durationOf(a));

  if (!byArtist && (a.start.getTime() - now) / HOUR_MS < profile.cancelNoticeHours) {
    // A newer request replaces an older one; the slot is checked again when the artist approves.
    const requestedAt = new Date(now);
    await ctx.db.$transaction(async (tx) => {
      await tx.appointment.update({ where: { id: a.id }, data: { requestedStart: start, requestedAt } });
      await recordNotifications(ctx, tx, {
        type: "reschedule_requested",
        appointmentId: a.id,
        requestedStart: start,
        requestedAt,
      });
    });
    kickNotifications(ctx);
    await appointmentNotice(ctx, a, "appointment.reschedule_requested", { requestedStart: start, requestedEnd: end });
    return {
      httpStatus: 202,
      body: {
        appointmentId: a.id,
        start: a.start,
        end: a.end,
        rescheduledBy: "customer",
        approval: "pending",
        requestedStart: start,
        requestedEnd: end,
        message: `The appointment is less than ${profile.cancelNoticeHours} hours away, so a new time needs the artist's approval; it stays at its current time until the artist approves.`,
      },
    };
  }
  await moveAppointment(ctx, a.id, start, end, profile.bufferMinutes, {
    resetPolicyStart: byArtist,
    inSameTransaction: (tx) =>
      recordNotifications(ctx, tx, { type: "rescheduled", appointmentId: a.id, previousStart: a.start }),
  });
  kickNotifications(ctx);
  await appointmentChanged(ctx, a.id, "moved");
  return {
    httpStatus: 200,
    body: { appointmentId: a.id, start, end, rescheduledBy: byArtist ? "artist" : "customer", approval: "not_needed" },
  };
}

async function awaitingApproval(ctx: AppContext, userId: string, id: string): Promise<Live & { requestedStart: Date }> {
  const a = await liveAppointment(ctx, id, userId);
  if (a.artistId !== userId)
    throw forbidden("Only the artist approves or declines a new time the customer asked for.", "ARTIST_ONLY");
  if (!a.requestedStart)
    throw conflict("There is no reschedule request waiting on this appointment.", "NO_RESCHEDULE_REQUEST");
  return a as Live & { requestedStart: Date };
}

/** The artist accepts the customer's requested time (still free and in the future) and the appointment moves. */
export async function approveReschedule(ctx: AppContext, userId: string, id: string) {
  const a = await awaitingApproval(ctx, userId, id);
  const start = a.requestedStart;
  if (start.getTime() <= Date.now())
    throw conflict(
      "The time the customer asked for has passed; decline the request or move the appointment yourself.",
      "REQUESTED_TIME_PASSED",
    );
  assertBookableStart(ctx, start);
  await assertFree(ctx, a, start);
  const profile = await ctx.db.artistProfile.findUniqueOrThrow({ where: { userId: a.artistId } });
  const end = new Date(start.getTime() + durationOf(a));
  // The customer's move, agreed to: the deposit policy still measures from the original start.
  await moveAppointment(ctx, a.id, start, end, profile.bufferMinutes, {
    resetPolicyStart: false,
    inSameTransaction: (tx) =>
      recordNotifications(ctx, tx, { type: "rescheduled", appointmentId: a.id, previousStart: a.start }),
  });
  kickNotifications(ctx);
  await appointmentChanged(ctx, a.id, "moved");
  return { appointmentId: a.id, start, end, approval: "approved" };
}

/** The artist declines the customer's requested time; the appointment keeps its time and the customer is told. */
export async function declineReschedule(ctx: AppContext, userId: string, id: string) {
  const a = await awaitingApproval(ctx, userId, id);
  await ctx.db.$transaction(async (tx) => {
    await tx.appointment.update({ where: { id: a.id }, data: { requestedStart: null, requestedAt: null } });
    await recordNotifications(ctx, tx, {
      type: "reschedule_declined",
      appointmentId: a.id,
      requestedStart: a.requestedStart,
      requestedAt: a.requestedAt ?? a.requestedStart,
    });
  });
  kickNotifications(ctx);
  await appointmentNotice(ctx, a, "appointment.reschedule_declined", { requestedStart: a.requestedStart });
  return { appointmentId: a.id, start: a.start, end: a.end, approval: "declined" };
}
