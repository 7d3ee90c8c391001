// What the calendar two-way sync suites (Google, Outlook, Apple, Square) share: the app with an
// artist bookable in Berlin, one day some days ahead to book and block on, the free starts that
// day, the appointment's row, confirmed appointments, and waiting for the first sync after
// connecting. Each suite keeps its provider's own steps and checks.
import { DateTime } from "luxon";
import type { TestApp } from "../helpers/app.ts";
import { confirmedAppointment, freeStarts, startBookingApp, type BookableArtist } from "../helpers/booking.ts";
import { until } from "../helpers/realtime.ts";
import type { Track } from "../helpers/suite.ts";

export const ZONE = "Europe/Berlin";

export const iso = (v: string | Date) => new Date(v).toISOString();

/** One suite's app and artist (set by `start` in the suite's setup) and the calls on them. */
export function calendarSyncSuite(daysAhead: number, idea: string) {
  const day = DateTime.now().setZone(ZONE).plus({ days: daysAhead }).startOf("day");
  const at = (h: number, m = 0) => day.set({ hour: h, minute: m }).toUTC().toISO()!;
  const suite = {
    app: undefined as unknown as TestApp,
    artist: undefined as unknown as BookableArtist,
    /** The app pointed at the provider by `env`, and the artist `name` bookable in Berlin. */
    async start(track: Track, env: Record<string, string>, name: string) {
      ({ app: suite.app, artist: suite.artist } = await startBookingApp(track, env, { zone: ZONE, name }));
      return { app: suite.app, artist: suite.artist };
    },
    /** The instant of `h:m` on the suite's day in Berlin. */
    at,
    /** The free 60-minute starts between 9:00 and 19:00 that day. */
    freeStarts: () => freeStarts(suite.app, suite.artist.userId, at(9), at(19)),
    appt: (id: string) => suite.app.ctx.db.appointment.findUniqueOrThrow({ where: { id } }),
    /** A confirmed appointment at `start` for this suite's tattoo idea. */
    confirmedAppointment: (start: string) => confirmedAppointment(suite.app, suite.artist, start, idea),
    /** Every calendar the artist connected has been read once (the first sync runs on connect). */
    untilEveryCalendarSynced: (what = "the first calendar sync", ms = 5000) =>
      until(
        async () =>
          (await suite.artist.client.get("/api/calendars")).body.items.every(
            (c: { lastSuccessAt: string | null }) => c.lastSuccessAt,
          ),
        ms,
        what,
      ),
  };
  return suite;
}
