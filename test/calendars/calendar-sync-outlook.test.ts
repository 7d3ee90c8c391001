// The calendar two-way sync through Tatu's API, with Outlook Calendar on the Microsoft stand-in
// (the same grant as the Outlook mailbox): busy time blocks availability, confirmed
// appointments are written to the default calendar and follow reschedules/cancellations,
// deletes/moves made in Outlook are recorded on the appointment, and nothing is duplicated.
// Differences from Google: Graph assigns its own iCalUId (Tatu's event is matched by the
// event id and Tatu's extended property, not by a tatu-… UID), and deletions arrive as
// calendarView/delta `@removed` tombstones without times.
import { describe, expect, it } from "vitest";
import { DateTime } from "luxon";
import { TATU_PROPERTY_ID } from "../../service/providers/outlook-calendar/events.ts";
import { startMicrosoftStandIn, type MicrosoftStandIn } from "../../standins/microsoft/index.ts";
import type { TestApp } from "../helpers/app.ts";
import { expectDeletedInCalendar, expectHealthyAndPrivate, syncNow, type BookableArtist } from "../helpers/booking.ts";
import { until } from "../helpers/realtime.ts";
import { suiteResources } from "../helpers/suite.ts";
import { calendarSyncSuite, iso, ZONE } from "./sync-suite.ts";

let ms: MicrosoftStandIn;
let app: TestApp;
let artist: BookableArtist;
let connectionId: string;
let outlookCalendar: string; // Graph's id of the default calendar
const mailbox = "studio.jo@outlook.com";
const suite = calendarSyncSuite(5, "Swallow");
const { at, freeStarts, appt, confirmedAppointment } = suite;
const sync = () => syncNow(artist.client, connectionId);
/** Tatu's events in Outlook for an appointment (by Tatu's extended property). */
const tagged = (appointmentId: string) =>
  ms
    .calendarEvents(mailbox, outlookCalendar)
    .filter(
      (e) =>
        Object.entries(e.extendedProperties).some(
          ([k, v]) => k.toLowerCase() === TATU_PROPERTY_ID.toLowerCase() && v === appointmentId,
        ) && !e.isCancelled,
    );
/** Outlook keeps local wall time + zone; this reads it back as an instant. */
const startOf = (e: { start: { dateTime: string; timeZone: string } }) => {
  const zone = e.start.timeZone === "W. Europe Standard Time" ? ZONE : e.start.timeZone;
  return DateTime.fromISO(e.start.dateTime, { zone }).toUTC().toISO()!;
};

suiteResources(async (track) => {
  ms = track(await startMicrosoftStandIn());
  ms.addUser(mailbox, { displayName: "Studio Jo" });
  outlookCalendar = ms.defaultCalendarId(mailbox);
  ({ app, artist } = await suite.start(track, ms.env(), "Jo"));
});

describe("Outlook Calendar", () => {
  it("needs the Microsoft grant first, then connects the default calendar as Tatu's and syncs it", async () => {
    const early = await artist.client.post("/api/calendars/outlook", {});
    expect([early.status, early.body.error.code]).toEqual([409, "GRANT_REQUIRED"]);
    // Busy time that exists before connecting is picked up by the first sync.
    ms.calendarEvent(mailbox, outlookCalendar, {
      subject: "Lunch with Sam",
      start: new Date(at(12)),
      end: new Date(at(13)),
    });

    ms.consentAs(mailbox);
    const start = await artist.client.raw("GET", "/api/integrations/outlook/auth");
    expect(start.status).toBe(302);
    const consent = await fetch(start.headers.get("location")!, { redirect: "manual" });
    const cb = new URL(consent.headers.get("location")!);
    expect(cb.pathname).toBe("/api/integrations/outlook/callback");
    expect((await artist.client.raw("GET", cb.pathname + cb.search)).status).toBe(303);

    const res = await artist.client.post("/api/calendars/outlook", {});
    expect(res.status).toBe(201);
    const primary = res.body.items.find((c: { isPrimary: boolean }) => c.isPrimary);
    expect(primary).toMatchObject({
      provider: "outlook-calendar",
      status: "active",
      readOnly: false,
      name: "Calendar",
    });
    connectionId = primary.id;
    await suite.untilEveryCalendarSynced();
    expect(await freeStarts()).not.toContain(iso(at(12)));
    expect(await freeStarts()).toContain(iso(at(11)));
  });

  it("new, moved and deleted Outlook events change availability; titles are not kept", async () => {
    const ev = ms.calendarEvent(mailbox, outlookCalendar, {
      subject: "Dentist",
      start: new Date(at(15)),
      end: new Date(at(16)),
    });
    await sync();
    expect(await freeStarts()).not.toContain(iso(at(15)));
    const block = await app.ctx.db.busyBlock.findFirstOrThrow({ where: { userId: artist.userId, externalId: ev.id } });
    expect(JSON.stringify(block)).not.toContain("Dentist");
    expect(block.iCalUID).toBe(ev.iCalUId);

    ms.calendarEvent(mailbox, outlookCalendar, {
      op: "modify",
      id: ev.id,
      start: new Date(at(16)),
      end: new Date(at(17)),
    });
    await sync();
    const free = await freeStarts();
    expect(free).toContain(iso(at(15)));
    expect(free).not.toContain(iso(at(16)));

    ms.calendarEvent(mailbox, outlookCalendar, { op: "delete", id: ev.id });
    await sync();
    expect(await freeStarts()).toContain(iso(at(16)));
    // One row per Outlook event, however often it changed.
    expect(await app.ctx.db.busyBlock.count({ where: { connectionId, externalId: ev.id } })).toBe(1);
  });

  it("a confirmed appointment is written to Outlook, moved with it, not double-counted, and removed when cancelled", async () => {
    const { appointmentId, customer } = await confirmedAppointment(at(11));
    await until(() => tagged(appointmentId).length === 1, 5000, "the Outlook event");
    const written = tagged(appointmentId)[0]!;
    expect(iso(startOf(written))).toBe(iso(at(11)));
    expect(written.subject).toContain("Tattoo");
    await until(
      async () => (await appt(appointmentId)).calendarEventId === written.id,
      5000,
      "the event id on the appointment",
    );

    await artist.client.post(`/api/bookings/appointments/${appointmentId}/reschedule`, { start: at(14) });
    await until(
      () => tagged(appointmentId).length === 1 && iso(startOf(tagged(appointmentId)[0]!)) === iso(at(14)),
      5000,
      "the moved event",
    );
    expect(tagged(appointmentId)[0]!.id).toBe(written.id); // moved, not re-created

    // Synced back twice: Tatu's own event is one busy row linked to the appointment, in sync.
    await sync();
    await sync();
    const own = await app.ctx.db.busyBlock.findMany({ where: { connectionId, appointmentId } });
    expect(own).toHaveLength(1);
    expect(own[0]!.externalId).toBe(written.id);
    expect((await appt(appointmentId)).calendarState).toBe("synced");
    // The appointment blocks 14:00 once; 13:00 and 15:00 are still free.
    const free = await freeStarts();
    expect(free).not.toContain(iso(at(14)));
    expect(free).toEqual(expect.arrayContaining([iso(at(13)), iso(at(15))]));

    await customer.client.post(`/api/bookings/appointments/${appointmentId}/cancel`, {});
    await until(() => tagged(appointmentId).length === 0, 5000, "the event removed");
    await until(async () => (await appt(appointmentId)).calendarState === "deleted", 5000, "the deleted state");
    expect(await freeStarts()).toContain(iso(at(14)));
  });

  it("an appointment's event moved or deleted in Outlook is recorded on the appointment", async () => {
    const { appointmentId } = await confirmedAppointment(at(10));
    await until(async () => Boolean((await appt(appointmentId)).calendarEventId), 5000, "the written event");
    const { calendarEventId } = await appt(appointmentId);

    ms.calendarEvent(mailbox, outlookCalendar, {
      op: "modify",
      id: calendarEventId!,
      start: new Date(at(17)),
      end: new Date(at(18)),
    });
    await sync();
    expect((await appt(appointmentId)).calendarState).toBe("moved_in_calendar");

    ms.calendarEvent(mailbox, outlookCalendar, { op: "delete", id: calendarEventId! });
    await sync();
    await expectDeletedInCalendar(app, appointmentId);
  });

  it("lists the connection with health, and another user gets 404 on it", async () => {
    const other = await expectHealthyAndPrivate(app, artist.client, connectionId);
    expect(
      (await other.get(`/api/calendars/busy?from=${encodeURIComponent(at(0))}&to=${encodeURIComponent(at(23))}`)).body
        .items,
    ).toEqual([]);
  });
});
