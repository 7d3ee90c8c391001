// What became of an appointment once it started: the artist marks it completed, or a no-show
// (the customer did not come). Only the appointment's artist, only a confirmed appointment, only
// after its start. A no-show keeps the deposit of the session it was credited to, as the policy
// says for a cancellation without notice; the row records the status, when (outcomeAt), by whom
// (outcomeById) and depositOutcome, which is what the artist's client record lists. Reminders and
// aftercare select confirmed/completed appointments only, so a no-show gets neither.
import type { AppContext } from "../context.ts";
import { conflict, notFound } from "../http/errors.ts";
import { kickNotifications, recordNotifications } from "../notifications/index.ts";
import { appointmentChanged } from "./events.ts";

export type Outcome = "completed" | "no_show";

const CLOSED_WORDS: Record<string, string> = {
  completed: "already marked completed",
  no_show: "already marked as a no-show",
  cancelled: "cancelled",
  pending_deposit: "waiting for its deposit, so it is not a confirmed booking",
};

/** Records the outcome of the artist's own appointment; 404 for anyone else's, 409 when it is not
 *  confirmed or has not started yet. */
export async function recordOutcome(ctx: AppContext, artistId: string, id: string, outcome: Outcome) {
  const a = await ctx.db.appointment.findFirst({ where: { id, artistId }, include: { project: true } });
  if (!a) throw notFound("Appointment not found.");
  const what = outcome === "completed" ? "completed" : "a no-show";
  if (a.status !== "confirmed")
    throw conflict(
      `This appointment is ${CLOSED_WORDS[a.status] ?? a.status}; it cannot be marked ${what}.`,
      "APPOINTMENT_CLOSED",
      {
        status: a.status,
      },
    );
  const now = new Date();
  if (a.start > now)
    throw conflict(
      `This appointment has not started yet; you can mark it ${what} once its start time has passed.`,
      "APPOINTMENT_NOT_STARTED",
      { start: a.start.toISOString() },
    );
  const p = a.project;
  // A no-show keeps a paid deposit credited to this session; a completed session used it up.
  const depositHere = p?.depositStatus === "paid" && p.depositAppointmentId === a.id && p.depositCents > 0;
  const depositOutcome = outcome === "no_show" && depositHere ? "kept" : null;
  const updated = await ctx.db.$transaction(async (tx) => {
    // Guarded by the status: of two clicks (or two tabs), one records the outcome.
    const done = await tx.appointment.updateMany({
      where: { id: a.id, artistId, status: "confirmed", start: { lte: now } },
      data: {
        status: outcome,
        outcomeAt: now,
        outcomeById: artistId,
        depositOutcome,
        requestedStart: null,
        requestedAt: null,
      },
    });
    if (done.count && depositOutcome && p)
      await tx.project.update({ where: { id: p.id }, data: { depositStatus: "kept" } });
    if (done.count && outcome === "no_show")
      await recordNotifications(ctx, tx, { type: "no_show", appointmentId: a.id });
    return done.count;
  });
  kickNotifications(ctx);
  if (!updated) throw conflict("This appointment changed meanwhile; reload to see its status.", "APPOINTMENT_CLOSED");
  await appointmentChanged(ctx, a.id, outcome);
  return {
    appointmentId: a.id,
    status: outcome,
    outcomeAt: now,
    depositOutcome,
    deposit: depositHere && p ? { cents: p.depositCents, currency: p.currency } : null,
  };
}
