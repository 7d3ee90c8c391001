// The artist's own times (an offered time typed by hand, the next session of a project) must lie
// inside the working hours and be free. A refusal says which of the two it is, in the studio's
// clock, so "outside your hours" never reads like "someone booked it" — 409 SLOT_NOT_FREE with
// `reason` "outside_hours" or "busy", for offers and sessions alike.
import { DateTime } from "luxon";
import type { AppContext } from "../context.ts";
import { conflict } from "../http/errors.ts";
import { whyNotFree } from "./availability.ts";
import { weekdays, workingHoursSchema } from "./hours.ts";

/** Throws 409 SLOT_NOT_FREE (with a sentence naming the reason) unless [start, start+duration) is bookable. */
export async function assertSlotOpen(
  ctx: AppContext,
  artistId: string,
  start: Date,
  durationMinutes: number,
): Promise<void> {
  const why = await whyNotFree(ctx, artistId, start, durationMinutes);
  if (!why) return;
  const profile = await ctx.db.artistProfile.findUnique({ where: { userId: artistId } });
  const zone = profile?.timeZone ?? "UTC";
  const local = DateTime.fromJSDate(start, { zone });
  const end = local.plus({ minutes: durationMinutes });
  const when = `${local.toFormat("ccc d LLL yyyy, HH:mm")}–${end.toFormat("HH:mm")} (${zone} time)`;
  const extra = { start: start.toISOString(), reason: why };
  if (why === "outside_hours") {
    const hours = workingHoursSchema.parse(profile?.workingHours ?? {});
    const day = hours[weekdays[local.weekday - 1]!] ?? [];
    const open = day.length
      ? `you work ${day.map((s) => `${s.start}–${s.end}`).join(", ")} on ${local.toFormat("cccc")}s`
      : `you do not work on ${local.toFormat("cccc")}s`;
    throw conflict(
      `${when} is outside your working hours: ${open}. Pick a time inside them, or change your working hours first.`,
      "SLOT_NOT_FREE",
      extra,
    );
  }
  if (why === "busy")
    throw conflict(
      `${when} is not free: another booking (with your buffer after it) or a busy time in a connected calendar overlaps it.`,
      "SLOT_NOT_FREE",
      extra,
    );
  throw conflict("Create your artist profile with working hours first.", "SLOT_NOT_FREE", extra);
}
