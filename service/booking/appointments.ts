// Appointments: created, moved and cancelled inside transactions where the database's
// exclusion constraint ("Appointment_no_overlap") is the final word on double booking.
import { randomUUID } from "node:crypto";
import type { AppContext } from "../context.ts";
import type { Prisma } from "../db/client.ts";
import { conflict } from "../http/errors.ts";

type Tx = Prisma.TransactionClient;

/** The 409 for a slot someone else booked first. */
export const SLOT_TAKEN = () => conflict("That time was just booked by someone else. Pick another slot.", "SLOT_TAKEN");

/** Whether a database error is the appointments' no-overlap exclusion constraint (23P01). */
export function isOverlapViolation(err: unknown): boolean {
  const text = `${(err as Error)?.message ?? ""} ${JSON.stringify((err as { meta?: unknown })?.meta ?? {})} ${String((err as { cause?: unknown })?.cause ?? "")}`;
  return /23P01|Appointment_no_overlap|exclusion constraint/i.test(text);
}

export interface NewAppointment {
  artistId: string;
  customerId: string;
  projectId?: string;
  serviceId?: string;
  start: Date;
  end: Date;
  bufferMinutes: number;
  timeZone: string;
  status: "pending_deposit" | "confirmed";
}

/** Inserts or answers 409 SLOT_TAKEN; never a 500 for a lost race. */
export async function insertAppointment(tx: Tx, a: NewAppointment): Promise<string> {
  const id = randomUUID();
  const blockEnd = new Date(a.end.getTime() + a.bufferMinutes * 60_000);
  try {
    // A savepoint keeps the surrounding transaction usable after a constraint violation.
    await tx.$executeRaw`SAVEPOINT insert_appointment`;
    await tx.$executeRaw`
      INSERT INTO "Appointment" (id, "artistId", "customerId", "projectId", "serviceId", start, "end", "blockEnd", "policyStart", "timeZone", status, "createdAt", "updatedAt")
      VALUES (${id}::uuid, ${a.artistId}::uuid, ${a.customerId}::uuid, ${a.projectId ?? null}::uuid, ${a.serviceId ?? null}::uuid,
              ${a.start.toISOString()}::timestamp(3), ${a.end.toISOString()}::timestamp(3), ${blockEnd.toISOString()}::timestamp(3), ${a.start.toISOString()}::timestamp(3),
              ${a.timeZone}, ${a.status}::"AppointmentStatus", now(), now())`;
    await tx.$executeRaw`RELEASE SAVEPOINT insert_appointment`;
    return id;
  } catch (err) {
    if (isOverlapViolation(err)) {
      await tx.$executeRaw`ROLLBACK TO SAVEPOINT insert_appointment`;
      throw SLOT_TAKEN();
    }
    throw err;
  }
}

/** Moves and clears any pending reschedule request. `resetPolicyStart` (the artist's own move)
 *  makes the new start the one the deposit policy measures from; otherwise the start before the
 *  move is kept there (SET sees the row's old values). */
export async function moveAppointment(
  ctx: AppContext,
  id: string,
  start: Date,
  end: Date,
  bufferMinutes: number,
  opts: { resetPolicyStart: boolean; inSameTransaction?: (tx: Tx) => Promise<unknown> },
): Promise<void> {
  const blockEnd = new Date(end.getTime() + bufferMinutes * 60_000);
  const newStart = start.toISOString();
  try {
    // inSameTransaction: what must commit with the move or not at all (its notifications).
    await ctx.db.$transaction(async (tx) => {
      await tx.$executeRaw`
      UPDATE "Appointment" SET start = ${newStart}::timestamp(3), "end" = ${end.toISOString()}::timestamp(3),
             "blockEnd" = ${blockEnd.toISOString()}::timestamp(3),
             "policyStart" = CASE WHEN ${opts.resetPolicyStart}::boolean THEN ${newStart}::timestamp(3) ELSE COALESCE("policyStart", start) END,
             "requestedStart" = NULL, "requestedAt" = NULL, "updatedAt" = now()
      WHERE id = ${id}::uuid`;
      await opts.inSameTransaction?.(tx);
    });
  } catch (err) {
    if (isOverlapViolation(err)) throw SLOT_TAKEN();
    throw err;
  }
}
