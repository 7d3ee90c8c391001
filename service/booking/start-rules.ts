// Where a new appointment time may lie: never in the past, never beyond the booking horizon
// (BOOKING_HORIZON_DAYS). Checked for offered slots, accepted slots, added sessions and every
// reschedule, so nobody parks a booking (and its deposit) years ahead or in the past.
import type { AppContext } from "../context.ts";
import { badRequest } from "../http/errors.ts";

const DAY_MS = 86_400_000;
export const DEFAULT_HORIZON_DAYS = 365;

/** How far ahead appointments may be booked (BOOKING_HORIZON_DAYS, default 365). */
export function horizonDays(ctx: AppContext): number {
  return ctx.config.env.BOOKING_HORIZON_DAYS ?? DEFAULT_HORIZON_DAYS;
}

/** Throws a 400 when a start is in the past or beyond the booking horizon. */
export function assertBookableStart(ctx: AppContext, start: Date, now = Date.now()): void {
  const when = start.toISOString();
  if (start.getTime() <= now)
    throw badRequest(`${when} is in the past; pick a time that is still ahead.`, "START_IN_PAST", { start: when });
  const days = horizonDays(ctx);
  if (start.getTime() > now + days * DAY_MS)
    throw badRequest(
      `${when} is too far ahead: appointments can be booked at most ${days} days in advance.`,
      "BEYOND_BOOKING_HORIZON",
      { start: when, horizonDays: days },
    );
}
