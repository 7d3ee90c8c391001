// Availability = working hours − busy time from every connected calendar − live appointments,
// computed in the artist's zone. The database's exclusion constraint stays the final word
// (two customers can see the same free slot; only one booking of it commits).
import type { AppContext } from "../context.ts";
import { workingHoursSchema, workingIntervals, type Interval } from "./hours.ts";

export interface SlotQuery {
  from: Date;
  to: Date;
  durationMinutes: number;
  stepMinutes?: number;
  now?: Date;
  minNoticeMinutes?: number;
}
export interface Slot {
  start: Date;
  end: Date;
}

/** Busy intervals, each already widened by the buffer the artist keeps after a session. */
export async function busyIntervals(
  ctx: AppContext,
  artistId: string,
  from: Date,
  to: Date,
  bufferMinutes: number,
): Promise<Interval[]> {
  const bufferMs = bufferMinutes * 60_000;
  const [appointments, blocks] = await Promise.all([
    ctx.db.appointment.findMany({
      where: {
        artistId,
        status: { in: ["pending_deposit", "confirmed"] },
        start: { lt: to },
        blockEnd: { gt: new Date(from.getTime() - bufferMs) },
      },
      select: { start: true, blockEnd: true },
    }),
    // Calendar events that mirror Tatu's own appointments are skipped: the appointment counts.
    ctx.db.busyBlock.findMany({
      where: {
        userId: artistId,
        cancelled: false,
        transparent: false,
        appointmentId: null,
        start: { lt: to },
        end: { gt: new Date(from.getTime() - bufferMs) },
        connection: { status: "active" },
      },
      select: { start: true, end: true },
    }),
  ]);
  return [
    ...appointments.map((a) => ({ start: a.start, end: a.blockEnd })),
    ...blocks.map((b) => ({ start: b.start, end: new Date(b.end.getTime() + bufferMs) })),
  ].sort((a, b) => a.start.getTime() - b.start.getTime());
}

/** Bookable slots on the step grid of the working intervals, clear of busy time plus buffer and of minimum notice. */
export function freeSlots(working: Interval[], busy: Interval[], q: SlotQuery & { bufferMinutes: number }): Slot[] {
  const dur = q.durationMinutes * 60_000,
    buf = q.bufferMinutes * 60_000,
    step = (q.stepMinutes ?? 30) * 60_000;
  const earliest = (q.now ?? new Date()).getTime() + (q.minNoticeMinutes ?? 60) * 60_000;
  const slots: Slot[] = [];
  for (const w of working) {
    // Slots start on the step grid of the working interval (e.g. 10:00, 10:30 …).
    for (let s = w.start.getTime(); s + dur <= w.end.getTime(); s += step) {
      if (s < earliest) continue;
      const blockEnd = s + dur + buf;
      if (busy.some((b) => b.start.getTime() < blockEnd && s < b.end.getTime())) continue;
      slots.push({ start: new Date(s), end: new Date(s + dur) });
    }
  }
  return slots;
}

/** An artist's free slots in a window, in their time zone; undefined when the artist has no profile. */
export async function availability(
  ctx: AppContext,
  artistId: string,
  q: SlotQuery,
): Promise<{ timeZone: string; slots: Slot[] } | undefined> {
  const profile = await ctx.db.artistProfile.findUnique({ where: { userId: artistId } });
  if (!profile) return undefined;
  const hours = workingHoursSchema.parse(profile.workingHours ?? {});
  const working = workingIntervals(hours, profile.timeZone, q.from, q.to);
  const busy = await busyIntervals(ctx, artistId, q.from, q.to, profile.bufferMinutes);
  return {
    timeZone: profile.timeZone,
    slots: freeSlots(working, busy, { ...q, bufferMinutes: profile.bufferMinutes }),
  };
}

/** Is [start, start+duration) bookable right now (working hours, calendars, appointments)? */
export async function isSlotFree(
  ctx: AppContext,
  artistId: string,
  start: Date,
  durationMinutes: number,
  opts: { ignoreAppointmentId?: string } = {},
): Promise<boolean> {
  return (await whyNotFree(ctx, artistId, start, durationMinutes, opts)) === null;
}

/** Why [start, start+duration) is not bookable — no artist profile, outside the working hours, or
 *  busy (a booking, its buffer, a connected calendar) — or null when it is free. */
export async function whyNotFree(
  ctx: AppContext,
  artistId: string,
  start: Date,
  durationMinutes: number,
  opts: { ignoreAppointmentId?: string } = {},
): Promise<"no_profile" | "outside_hours" | "busy" | null> {
  const profile = await ctx.db.artistProfile.findUnique({ where: { userId: artistId } });
  if (!profile) return "no_profile";
  const end = new Date(start.getTime() + durationMinutes * 60_000);
  const hours = workingHoursSchema.parse(profile.workingHours ?? {});
  const dayFrom = new Date(start.getTime() - 86_400_000),
    dayTo = new Date(end.getTime() + 86_400_000);
  const inHours = workingIntervals(hours, profile.timeZone, dayFrom, dayTo).some(
    (w) => w.start <= start && end <= w.end,
  );
  if (!inHours) return "outside_hours";
  let busy = await busyIntervals(ctx, artistId, start, end, profile.bufferMinutes);
  if (opts.ignoreAppointmentId) {
    const own = await ctx.db.appointment.findUnique({
      where: { id: opts.ignoreAppointmentId },
      select: { start: true, blockEnd: true },
    });
    if (own)
      busy = busy.filter(
        (b) => !(b.start.getTime() === own.start.getTime() && b.end.getTime() === own.blockEnd.getTime()),
      );
  }
  const blockEnd = end.getTime() + profile.bufferMinutes * 60_000;
  return busy.some((b) => b.start.getTime() < blockEnd && start.getTime() < b.end.getTime()) ? "busy" : null;
}
