// The calendar two-way sync through Tatu's API, with Google Calendar on the stand-in: busy
// time blocks availability, confirmed appointments are written to the primary calendar and
// follow reschedules/cancellations, and changes made in the calendar are recorded.
import { describe, expect, it } from "vitest";
import { startGoogleStandIn, type GoogleStandIn } from "../../standins/google/index.ts";
import type { TestApp } from "../helpers/app.ts";
import { expectHealthyAndPrivate, type BookableArtist } from "../helpers/booking.ts";
import { offeredRequest } from "../helpers/booking-requests.ts";
import { until } from "../helpers/realtime.ts";
import { suiteResources } from "../helpers/suite.ts";
import { calendarSyncSuite, iso } from "./sync-suite.ts";

let google: GoogleStandIn;
let app: TestApp;
let artist: BookableArtist;
let calendarId: string; // our connection id
const mailbox = "studio.jo@gmail.test";
const suite = calendarSyncSuite(5, "Rose");
const { at, freeStarts, appt, confirmedAppointment } = suite;

suiteResources(async (track) => {
  google = track(await startGoogleStandIn());
  google.addMailbox(mailbox, { name: "Studio Jo" });
  ({ app, artist } = await suite.start(track, google.env(), "Jo"));
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
    await suite.untilEveryCalendarSynced();
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
    const { appointmentId, customer } = await confirmedAppointment(at(11));
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
    expect((await appt(appointmentId)).calendarState).toBe("synced");

    await customer.client.post(`/api/bookings/appointments/${appointmentId}/cancel`, {});
    await until(() => tagged().length === 0, 5000, "the event removed");
  });

  it("an appointment's event deleted in the calendar is recorded on the appointment", async () => {
    const { appointmentId } = await confirmedAppointment(at(10));
    await until(async () => Boolean((await appt(appointmentId)).calendarEventId), 5000, "the written event");
    const { calendarEventId } = await appt(appointmentId);
    google.calendarEvent(mailbox, mailbox, { id: calendarEventId!, deleted: true });
    await artist.client.post(`/api/calendars/${calendarId}/sync`);
    expect((await appt(appointmentId)).calendarState).toBe("deleted_in_calendar");
  });

  it("a write lost to a provider outage is retried by the next sync-calendars cron, once", async () => {
    const { customer, requestId } = await offeredRequest(app, artist, artist.serviceId, at(14), {
      idea: "Moth",
      placement: "chest",
      size: "8 cm",
    });
    google.failNext(1, { status: 503, match: "/events" }); // Calendar is down for the write
    const { appointmentId } = (
      await customer.client.post(`/api/bookings/requests/${requestId}/accept`, { start: at(14) })
    ).body;
    const state = async () => (await appt(appointmentId)).calendarState;
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
    await expectHealthyAndPrivate(app, artist.client, calendarId);
  });
});
