// GET /api/bookings/week: the artist's week in the studio's time zone — Monday to Sunday as the
// studio counts them (DST days 23 or 25 hours long), days without working hours closed, each
// appointment on the studio's day it starts with who it is with; bad input is a 400 naming the
// field, the week is the artist's own (customers 403, another artist never sees it).
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { signedInUser } from "../helpers/accounts.ts";
import type { TestApp } from "../helpers/app.ts";
import { confirmedAppointment, startBookingApp, type BookableArtist } from "../helpers/booking.ts";
import { suiteResources } from "../helpers/suite.ts";

const ZONE = "Europe/Berlin";
let app: TestApp;
let artist: BookableArtist;

// Open around the clock on weekdays (so a session may start just after midnight), closed at weekends.
const allDay = [{ start: "00:00", end: "24:00" }];
const weekdaysOnly = { mon: allDay, tue: allDay, wed: allDay, thu: allDay, fri: allDay, sat: [], sun: [] };

suiteResources(async (track) => {
  ({ app, artist } = await startBookingApp(track, {}, { zone: ZONE, name: "Jo" }));
  const put = await artist.client.put("/api/me/artist-profile", {
    displayName: "Jo",
    timeZone: ZONE,
    workingHours: weekdaysOnly,
    bufferMinutes: 0,
  });
  expect(put.status, put.text).toBe(200);
});

describe("the artist's week", () => {
  it("counts days in the studio's zone: a session at 00:30 Berlin is on Monday, not UTC's Sunday", async () => {
    const monday = DateTime.now().setZone(ZONE).plus({ weeks: 2 }).startOf("week");
    const start = monday.set({ minute: 30 }).toUTC().toISO()!;
    expect(DateTime.fromISO(start, { zone: "UTC" }).weekday).toBe(7); // Sunday in UTC
    const { appointmentId } = await confirmedAppointment(app, artist, start, "Moth");

    const res = await artist.client.get(`/api/bookings/week?start=${monday.plus({ days: 3 }).toISODate()}`);
    expect(res.status, res.text).toBe(200);
    const w = res.body;
    expect(w).toMatchObject({
      timeZone: ZONE,
      weekStart: monday.toISODate(),
      previousWeek: monday.minus({ weeks: 1 }).toISODate(),
      nextWeek: monday.plus({ weeks: 1 }).toISODate(),
      from: monday.toUTC().toISO(),
    });
    expect(w.days.map((d: { weekday: string }) => d.weekday)).toEqual([
      "mon",
      "tue",
      "wed",
      "thu",
      "fri",
      "sat",
      "sun",
    ]);
    expect(w.days.map((d: { closed: boolean }) => d.closed)).toEqual([false, false, false, false, false, true, true]);
    expect(w.days[5].hours).toEqual([]);
    expect(w.days[0].appointments).toEqual([
      expect.objectContaining({
        id: appointmentId,
        status: "confirmed",
        service: "Session",
        customer: expect.objectContaining({ name: "Test User", email: expect.stringContaining("@") }),
      }),
    ]);
    expect(w.days.slice(1).flatMap((d: { appointments: unknown[] }) => d.appointments)).toEqual([]);
    // The week before holds nothing of it.
    const before = await artist.client.get(`/api/bookings/week?start=${w.previousWeek}`);
    expect(before.body.days.flatMap((d: { appointments: unknown[] }) => d.appointments)).toEqual([]);
  });

  it("has a 23-hour Sunday in the week clocks go forward", async () => {
    // 2027-03-28: Central European Summer Time starts.
    const w = (await artist.client.get("/api/bookings/week?start=2027-03-24")).body;
    expect(w.weekStart).toBe("2027-03-22");
    const hours = w.days.map((d: { start: string; end: string }) => (Date.parse(d.end) - Date.parse(d.start)) / 3.6e6);
    expect(hours).toEqual([24, 24, 24, 24, 24, 24, 23]);
    expect(w.days[0].start).toBe("2027-03-21T23:00:00.000Z");
    expect(w.to).toBe("2027-03-28T22:00:00.000Z");
  });

  it("answers 400 naming the field for a bad week, 403 for a customer, 409 without a profile", async () => {
    for (const [query, field] of [
      ["start=2027-02-30", "start"],
      ["start=next", "start"],
      ["start=2027-3-1", "start"],
      ["from=2027-03-01", "_"],
    ] as const) {
      const res = await artist.client.get(`/api/bookings/week?${query}`);
      expect(res.status, query).toBe(400);
      expect(Object.keys(res.body.error.fields), query).toEqual([field]);
    }
    const customer = await signedInUser(app, { role: "customer" });
    expect((await customer.client.get("/api/bookings/week")).status).toBe(403);
    const newcomer = await signedInUser(app, { role: "artist" });
    const none = await newcomer.client.get("/api/bookings/week");
    expect(none.status).toBe(409);
    expect(none.body.error.code).toBe("PROFILE_REQUIRED");
    expect((await app.client().get("/api/bookings/week")).status).toBe(401);
  });

  it("is the artist's own: another artist's week holds none of these appointments", async () => {
    const other = await signedInUser(app, { role: "artist" });
    await other.client.put("/api/me/artist-profile", { displayName: "Other", timeZone: ZONE });
    const monday = DateTime.now().setZone(ZONE).plus({ weeks: 2 }).startOf("week");
    const w = (await other.client.get(`/api/bookings/week?start=${monday.toISODate()}`)).body;
    expect(w.days.flatMap((d: { appointments: unknown[] }) => d.appointments)).toEqual([]);
    expect(w.days.every((d: { closed: boolean }) => d.closed)).toBe(true);
  });
});
