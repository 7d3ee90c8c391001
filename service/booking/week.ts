// The artist's week as the studio lives it: Monday to Sunday in the studio's time zone
// (ArtistProfile.timeZone, whatever zone the artist's browser is in), each day with its working
// hours — none means the studio is closed that day — and the appointments that start on it, with
// who they are with. Days are computed with luxon, so 23- and 25-hour days (DST) come out right.
import { DateTime } from "luxon";
import type { AppContext } from "../context.ts";
import { HttpError } from "../http/errors.ts";
import { weekdays, type WorkingHours } from "./hours.ts";

export async function weekView(ctx: AppContext, artistId: string, start?: string) {
  const profile = await ctx.db.artistProfile.findUnique({
    where: { userId: artistId },
    select: { timeZone: true, workingHours: true },
  });
  if (!profile)
    throw new HttpError(409, "PROFILE_REQUIRED", "Create your artist profile first (PUT /api/me/artist-profile).");
  const zone = profile.timeZone;
  const hours = (profile.workingHours ?? {}) as WorkingHours;
  const anchor = start ? DateTime.fromISO(start, { zone }) : DateTime.now().setZone(zone);
  const monday = anchor.startOf("week"); // ISO weeks: Monday 00:00 in the studio's zone
  const from = monday.toJSDate(),
    to = monday.plus({ weeks: 1 }).toJSDate();
  const today = DateTime.now().setZone(zone).toISODate();

  const appointments = await ctx.db.appointment.findMany({
    where: { artistId, status: { not: "cancelled" }, start: { lt: to }, end: { gt: from } },
    orderBy: { start: "asc" },
    take: 500,
    include: {
      project: {
        select: { title: true, depositCents: true, currency: true, depositStatus: true, depositAppointmentId: true },
      },
    },
  });
  const [customers, services] = await Promise.all([
    ctx.db.user.findMany({
      where: { id: { in: [...new Set(appointments.map((a) => a.customerId))] } },
      select: { id: true, name: true, email: true, phone: true },
    }),
    ctx.db.service.findMany({
      where: { id: { in: [...new Set(appointments.flatMap((a) => (a.serviceId ? [a.serviceId] : [])))] } },
      select: { id: true, name: true },
    }),
  ]);
  const customerOf = new Map(customers.map((c) => [c.id, c]));
  const serviceOf = new Map(services.map((s) => [s.id, s.name]));

  const days = Array.from({ length: 7 }, (_, i) => {
    const day = monday.plus({ days: i });
    const dayStart = day.toJSDate(),
      dayEnd = day.plus({ days: 1 }).toJSDate();
    const open = hours[weekdays[day.weekday - 1]!] ?? [];
    return {
      date: day.toISODate()!,
      weekday: weekdays[day.weekday - 1]!,
      start: dayStart,
      end: dayEnd,
      today: day.toISODate() === today,
      closed: open.length === 0,
      hours: open,
      appointments: appointments
        .filter((a) => (i === 0 && a.start < dayStart) || (a.start >= dayStart && a.start < dayEnd))
        .map((a) => {
          const c = customerOf.get(a.customerId);
          const deposit = a.project && a.project.depositAppointmentId === a.id && a.project.depositCents > 0;
          return {
            id: a.id,
            start: a.start,
            end: a.end,
            status: a.status,
            title: a.project?.title ?? null,
            service: a.serviceId ? (serviceOf.get(a.serviceId) ?? null) : null,
            customer: c ? { id: c.id, name: c.name, email: c.email, phone: c.phone } : null,
            deposit: deposit
              ? {
                  cents: a.project!.depositCents,
                  currency: a.project!.currency,
                  status: a.project!.depositStatus,
                }
              : null,
            requestedStart: a.requestedStart,
            calendarState: a.calendarState,
          };
        }),
    };
  });
  return {
    timeZone: zone,
    weekStart: monday.toISODate()!,
    previousWeek: monday.minus({ weeks: 1 }).toISODate()!,
    nextWeek: monday.plus({ weeks: 1 }).toISODate()!,
    from,
    to,
    days,
  };
}
