// The calendar two-way sync through Tatu's API, with Google Calendar on the stand-in: busy
// time blocks availability, confirmed appointments are written to the primary calendar and
// follow reschedules/cancellations, and changes made in the calendar are recorded.
import { describe, expect, it } from "vitest";
import { DateTime } from "luxon";
import { startGoogleStandIn, type GoogleStandIn } from "../../standins/google/index.ts";
import type { TestApp } from "../helpers/app.ts";
import { signedInUser } from "../helpers/accounts.ts";
import {
  confirmedAppointment as bookAppointment,
  expectHealthyAndPrivate,
  freeStarts as freeStartsOf,
  startBookingApp,
  type BookableArtist,
} from "../helpers/booking.ts";
import { until } from "../helpers/realtime.ts";
import { suiteResources } from "../helpers/suite.ts";
import type { HttpClient } from "../helpers/http.ts";

let google: GoogleStandIn;
let app: TestApp;
let artist: BookableArtist;
let calendarId: string; // our connection id
const mailbox = "studio.jo@gmail.test";
const ZONE = "Europe/Berlin";
const day = DateTime.now().setZone(ZONE).plus({ days: 5 }).startOf("day");
const at = (h: number, m = 0) => day.set({ hour: h, minute: m }).toUTC().toISO()!;

const freeStarts = () => freeStartsOf(app, artist.userId, at(9), at(19));
const iso = (v: string) => new Date(v).toISOString();

suiteResources(async (track) => {
  google = track(await startGoogleStandIn());
  google.addMailbox(mailbox, { name: "Studio Jo" });
  ({ app, artist } = await startBookingApp(track, google.env(), { zone: ZONE, name: "Jo" }));
});

describe("Google Calendar", () => {
  it("needs the Google grant first, then connects its calendars with the primary one as Tatu's", async () => {
    const early = await artist.client.post("/api/calendars/google", {});
    expect([early.status, early.body.error.code]).toEqual([409, "GRANT_REQUIRED"]);
    google.consentAs(mailbox);
    const start = await artist.client.raw("GET", "/api/integrations/google/auth");
    const consent = await fetch(start.headers.get("location")!, { redirect: "manual" });
    const cb = new URL(consent.headers.get("location")!);
    expect((await artist.client.raw("GET", cb.pathname + cb.search)).status).toBe(303);
    const res = await artist.client.post("/api/calendars/google", {});
    expect(res.status).toBe(201);
    const primary = res.body.items.find((c: { isPrimary: boolean }) => c.isPrimary);
    expect(primary).toMatchObject({ provider: "google-calendar", status: "active" });
    calendarId = primary.id;
    // The first read runs right after connecting.
    await until(
      async () =>
        (await artist.client.get("/api/calendars")).body.items.every(
          (c: { lastSuccessAt: string | null }) => c.lastSuccessAt,
        ),
      5000,
      "the first calendar sync",
    );
  });

  it("busy time in the calendar is not offered; a deleted event frees it again after a lost sync token", async () => {
    const ev = google.calendarEvent(mailbox, mailbox, {
      summary: "Dentist",
      start: { dateTime: at(15), timeZone: "UTC" },
      end: { dateTime: at(16), timeZone: "UTC" },
    });
    expect((await artist.client.post(`/api/calendars/${calendarId}/sync`)).body.status).toBe("ok");
    expect(await freeStarts()).not.toContain(iso(at(15)));
    expect(await freeStarts()).toContain(iso(at(16)));
    // Nothing of the event's content is kept for someone else's event.
    const block = await app.ctx.db.busyBlock.findFirstOrThrow({ where: { userId: artist.userId, externalId: ev.id } });
    expect(JSON.stringify(block)).not.toContain("Dentist");

    google.expireSyncTokens(mailbox);
    google.calendarEvent(mailbox, mailbox, { id: ev.id, deleted: true });
    expect((await artist.client.post(`/api/calendars/${calendarId}/sync`)).body.status).toBe("ok");
    expect(await freeStarts()).toContain(iso(at(15)));
  });

  it("a confirmed appointment is written to the calendar, moved with it, and removed when cancelled", async () => {
    const customer = await signedInUser(app, { role: "customer" });
    const req = await customer.client.post("/api/bookings/requests", {
      artistId: artist.userId,
      idea: "Rose",
      placement: "ankle",
      size: "5 cm",
    });
    await artist.client.post(`/api/bookings/requests/${req.body.id}/offer`, {
      serviceId: artist.serviceId,
      slots: [{ start: at(11) }],
    });
    const accepted = await customer.client.post(`/api/bookings/requests/${req.body.id}/accept`, { start: at(11) });
    expect(accepted.body.status).toBe("confirmed");
    const appointmentId = accepted.body.appointmentId;
    const tagged = () =>
      google
        .calendarEvents(mailbox, mailbox)
        .filter((e) => e.extendedProperties?.private?.tatuAppointmentId === appointmentId && e.status !== "cancelled");
    await until(() => tagged().length === 1, 5000, "the calendar event");
    expect(iso(tagged()[0]!.start!.dateTime!)).toBe(iso(at(11)));
    expect(tagged()[0]!.iCalUID).toBe(`tatu-${appointmentId}@tatu.app`);

    await artist.client.post(`/api/bookings/appointments/${appointmentId}/reschedule`, { start: at(13) });
    await until(
      () => tagged().length === 1 && iso(tagged()[0]!.start!.dateTime!) === iso(at(13)),
      5000,
      "the moved event",
    );
    // Synced back, Tatu's own event does not block a second time, and the appointment is in sync.
    await artist.client.post(`/api/calendars/${calendarId}/sync`);
    expect((await app.ctx.db.appointment.findUniqueOrThrow({ where: { id: appointmentId } })).calendarState).toBe(
      "synced",
    );

    await customer.client.post(`/api/bookings/appointments/${appointmentId}/cancel`, {});
    await until(() => tagged().length === 0, 5000, "the event removed");
  });

  it("an appointment's event deleted in the calendar is recorded on the appointment", async () => {
    const customer = await signedInUser(app, { role: "customer" });
    const req = await customer.client.post("/api/bookings/requests", {
      artistId: artist.userId,
      idea: "Star",
      placement: "wrist",
      size: "2 cm",
    });
    await artist.client.post(`/api/bookings/requests/${req.body.id}/offer`, {
      serviceId: artist.serviceId,
      slots: [{ start: at(10) }],
    });
    const { appointmentId } = (
      await customer.client.post(`/api/bookings/requests/${req.body.id}/accept`, { start: at(10) })
    ).body;
    await until(
      async () =>
        Boolean((await app.ctx.db.appointment.findUniqueOrThrow({ where: { id: appointmentId } })).calendarEventId),
      5000,
      "the written event",
    );
    const { calendarEventId } = await app.ctx.db.appointment.findUniqueOrThrow({ where: { id: appointmentId } });
    google.calendarEvent(mailbox, mailbox, { id: calendarEventId!, deleted: true });
    await artist.client.post(`/api/calendars/${calendarId}/sync`);
    expect((await app.ctx.db.appointment.findUniqueOrThrow({ where: { id: appointmentId } })).calendarState).toBe(
      "deleted_in_calendar",
    );
  });

  it("a write lost to a provider outage is retried by the next sync-calendars cron, once", async () => {
    const customer = await signedInUser(app, { role: "customer" });
    const req = await customer.client.post("/api/bookings/requests", {
      artistId: artist.userId,
      idea: "Moth",
      placement: "chest",
      size: "8 cm",
    });
    await artist.client.post(`/api/bookings/requests/${req.body.id}/offer`, {
      serviceId: artist.serviceId,
      slots: [{ start: at(14) }],
    });
    google.failNext(1, { status: 503, match: "/events" }); // Calendar is down for the write
    const { appointmentId } = (
      await customer.client.post(`/api/bookings/requests/${req.body.id}/accept`, { start: at(14) })
    ).body;
    const state = async () =>
      (await app.ctx.db.appointment.findUniqueOrThrow({ where: { id: appointmentId } })).calendarState;
    await until(async () => google.requests().some((r) => r.status === 503), 5000, "the failed write");
    const tagged = () =>
      google
        .calendarEvents(mailbox, mailbox)
        .filter((e) => e.extendedProperties?.private?.tatuAppointmentId === appointmentId && e.status !== "cancelled");
    expect(tagged()).toHaveLength(0);
    expect(await state()).toBe("write_pending");

    await new Promise((r) => setTimeout(r, 5_500)); // older than the inline sweep's grace
    const cron = () =>
      app
        .client()
        .post("/api/cron/sync-calendars", undefined, { authorization: `Bearer ${app.ctx.config.cronSecret}` });
    expect((await cron()).status).toBe(200);
    await until(async () => (await state()) === "synced", 10_000, "the retried write");
    expect(tagged()).toHaveLength(1);
    expect((await cron()).status).toBe(200); // nothing pending any more: no second event
    expect(tagged()).toHaveLength(1);
  }, 40_000);

  it("lists connections with health, and another user cannot touch them", async () => {
    const list = await artist.client.get("/api/calendars");
    expect(list.body.items.find((c: { id: string }) => c.id === calendarId)).toMatchObject({
      lastError: null,
      needsReconnect: false,
      lastSuccessAt: expect.any(String),
    });
    const other = await signedInUser(app, { role: "artist" });
    expect((await other.client.post(`/api/calendars/${calendarId}/sync`)).status).toBe(404);
    expect((await other.client.delete(`/api/calendars/${calendarId}`)).status).toBe(404);
    expect((await other.client.get("/api/calendars")).body.items).toEqual([]);
  });
});
