// Working hours: the artist's week in their own time zone, turned into absolute intervals.
// Luxon walks the local days and time/zones.ts converts wall times, so days that are 23 or 25 hours long (DST) come out right:
// "10:00–18:00 Europe/Berlin" is 09:00Z–17:00Z in winter and 08:00Z–16:00Z in summer.
import { DateTime } from "luxon";
import { z } from "zod";
import { wallClockToUtc } from "../time/zones.ts";

export const weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof weekdays)[number];

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be HH:MM (24 h)");
const span = z
  .object({ start: hhmm, end: hhmm.or(z.literal("24:00")) })
  .refine((s) => s.end > s.start, "end must be after start");
export const workingHoursSchema = z
  .object(
    Object.fromEntries(weekdays.map((d) => [d, z.array(span).max(6).default([])])) as Record<
      Weekday,
      z.ZodDefault<z.ZodArray<typeof span>>
    >,
  )
  .partial()
  .superRefine((week, ctx) => {
    for (const d of weekdays) {
      const spans = [...(week[d] ?? [])].sort((a, b) => a.start.localeCompare(b.start));
      for (let i = 1; i < spans.length; i++)
        if (spans[i]!.start < spans[i - 1]!.end)
          ctx.addIssue({ code: "custom", path: [d], message: "time ranges overlap" });
    }
  });
export type WorkingHours = z.output<typeof workingHoursSchema>;

export interface Interval {
  start: Date;
  end: Date;
}

/** Absolute working intervals between `from` and `to`, for each local day of the artist. */
export function workingIntervals(hours: WorkingHours, zone: string, from: Date, to: Date): Interval[] {
  const out: Interval[] = [];
  let day = DateTime.fromJSDate(from, { zone }).startOf("day");
  const last = DateTime.fromJSDate(to, { zone }).endOf("day");
  while (day <= last) {
    const key = weekdays[day.weekday - 1]!;
    for (const s of hours[key] ?? []) {
      // A wall time inside a spring-forward gap does not exist; it moves forward (time/zones.ts).
      const at = (t: string) =>
        wallClockToUtc(t === "24:00" ? day.plus({ days: 1 }).toISODate()! : `${day.toISODate()}T${t}`, zone);
      const start = at(s.start),
        end = at(s.end);
      if (end > from && start < to) out.push({ start: start < from ? from : start, end: end > to ? to : end });
    }
    day = day.plus({ days: 1 });
  }
  return out;
}
