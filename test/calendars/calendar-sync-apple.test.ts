// The calendar two-way sync through Tatu's API, with Apple Calendar (CalDAV) against a real
// Radicale: connect with an Apple ID + app-specific password, busy time written by another
// client blocks availability, confirmed appointments become calendar objects (UID
// tatu-<appointment>@tatu.app, in the artist's zone) that follow reschedules/cancellations,
// and changes made by another client to Tatu's object are recorded on the appointment.
// Differences from Google: an event is a calendar object at a URL (Tatu's id for it is the
// object's path, named after the UID, so a retried create lands on the same object); changes
// come from sync-collection (RFC 6578) and a deletion is a 404 in that report.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DateTime } from "luxon";
import type { TestApp } from "../helpers/app.ts";
import { expectDeletedInCalendar, expectHealthyAndPrivate, syncNow, type BookableArtist } from "../helpers/booking.ts";
import { until } from "../helpers/realtime.ts";
import { suiteResources } from "../helpers/suite.ts";
import { calendarSyncSuite, iso, ZONE } from "./sync-suite.ts";
import { startCalDavPeer, type CalDavPeer } from "../../standins/peers/radicale.ts";

let peer: CalDavPeer;
let app: TestApp;
let artist: BookableArtist;
let connectionId: string;
let calendar: string; // the Radicale calendar's URL
const appleId = `studio.jo.${randomBytes(3).toString("hex")}@icloud.test`;
const appPassword = "abcd-efgh-ijkl-mnop";
const suite = calendarSyncSuite(7, "Moth");
const { at, freeStarts, appt, confirmedAppointment } = suite;
const utcStamp = (v: string) => DateTime.fromISO(v).toUTC().toFormat("yyyyMMdd'T'HHmmss'Z'");
const berlinWall = (v: string) => DateTime.fromISO(v).setZone(ZONE).toFormat("yyyyMMdd'T'HHmmss");

const sync = () => syncNow(artist.client, connectionId);

/** An event as another client (Apple Calendar on the phone) writes it. */
function ics(uid: string, start: string, end: string, summary: string): string {
  return [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//Apple Inc.//iPhone OS 18.0//EN",
    "BEGIN:VEVENT",
    `UID:${uid}`,
    `DTSTAMP:${utcStamp(new Date().toISOString())}`,
    `DTSTART:${utcStamp(start)}`,
    `DTEND:${utcStamp(end)}`,
    `SUMMARY:${summary}`,
    "END:VEVENT",
    "END:VCALENDAR",
    "",
  ].join("\r\n");
}
const dav = (method: string, url: string, body?: string) =>
  peer.request(appleId, appPassword, method, url, body, body ? { "content-type": "text/calendar; charset=utf-8" } : {});
/** Tatu's object for an appointment, as the server holds it (undefined when gone). */
async function tatuObject(appointmentId: string): Promise<string | undefined> {
  const res = await dav("GET", new URL(`${encodeURIComponent(`tatu-${appointmentId}@tatu.app`)}.ics`, calendar).href);
  return res.status === 200 ? res.body : undefined;
}

suiteResources(async (track) => {
  peer = track(await startCalDavPeer());
  await peer.addUser(appleId, appPassword);
  calendar = await peer.makeCalendar(appleId, appPassword, "home", { displayName: "Home", timeZone: ZONE });
  ({ app, artist } = await suite.start(track, peer.env(), "Jo"));
}, 30_000);

describe("Apple Calendar (CalDAV)", () => {
  it("a wrong app password is a clear 400; the right one connects the calendar as Tatu's and syncs it", async () => {
    await peer.putIcs(
      appleId,
      appPassword,
      new URL("lunch.ics", calendar).href,
      ics("lunch-1@apple.test", at(12), at(13), "Lunch with Sam"),
    );

    const wrong = await artist.client.post("/api/calendars/apple/connect", {
      appleId,
      appPassword: "wxyz-wxyz-wxyz-wxyz",
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.message).toEqual(expect.any(String));
    expect(JSON.stringify(wrong.body)).not.toContain("wxyz");
    const invalid = await artist.client.post("/api/calendars/apple/connect", { appleId: "not-an-email", appPassword });
    expect(invalid.status).toBe(400);
    const internal = await artist.client.post("/api/calendars/apple/connect", {
      appleId,
      appPassword,
      serverUrl: "http://169.254.169.254/latest/",
    });
    expect(internal.status).toBe(400);
    expect(internal.body.error).toMatchObject({
      code: "CALDAV_SERVER_NOT_ALLOWED",
      message: expect.stringMatching(/public https address/),
    });

    const res = await artist.client.post("/api/calendars/apple/connect", { appleId, appPassword });
    expect(res.status).toBe(201);
    expect(res.body.items).toHaveLength(1);
    expect(res.body.items[0]).toMatchObject({
      provider: "apple-calendar",
      name: "Home",
      isPrimary: true,
      readOnly: false,
      status: "active",
    });
    connectionId = res.body.items[0].id;
    expect(JSON.stringify(res.body)).not.toContain(appPassword);
    await until(
      async () => Boolean((await artist.client.get("/api/calendars")).body.items[0].lastSuccessAt),
      10_000,
      "the first calendar sync",
    );
    const free = await freeStarts();
    expect(free).not.toContain(iso(at(12)));
    expect(free).toContain(iso(at(11)));
  });

  it("events added, moved and deleted by another client change availability; titles are not kept", async () => {
    const url = new URL("dentist.ics", calendar).href;
    await peer.putIcs(appleId, appPassword, url, ics("dentist-1@apple.test", at(15), at(16), "Dentist"));
    await sync();
    expect(await freeStarts()).not.toContain(iso(at(15)));
    const block = await app.ctx.db.busyBlock.findFirstOrThrow({
      where: { connectionId, iCalUID: "dentist-1@apple.test" },
    });
    expect(JSON.stringify(block)).not.toContain("Dentist");

    await peer.putIcs(appleId, appPassword, url, ics("dentist-1@apple.test", at(16), at(17), "Dentist"));
    await sync();
    expect(await freeStarts()).toContain(iso(at(15)));
    expect(await freeStarts()).not.toContain(iso(at(16)));

    expect((await dav("DELETE", url)).status).toBeLessThan(300);
    await sync();
    expect(await freeStarts()).toContain(iso(at(16)));
    // One row per calendar object (matched by its href), however often it changed.
    expect(await app.ctx.db.busyBlock.count({ where: { connectionId, externalId: block.externalId } })).toBe(1);
  });

  it("a confirmed appointment is written as Tatu's object in the artist's zone, moved with it, and removed when cancelled", async () => {
    const { appointmentId, customer } = await confirmedAppointment(at(11));
    await until(async () => Boolean(await tatuObject(appointmentId)), 10_000, "the calendar object");
    const first = (await tatuObject(appointmentId))!;
    expect(first).toContain(`UID:tatu-${appointmentId}@tatu.app`);
    expect(first).toContain(`DTSTART;TZID=${ZONE}:${berlinWall(at(11))}`);
    expect(first).toContain("BEGIN:VTIMEZONE");
    await until(async () => (await appt(appointmentId)).calendarState === "synced", 5000, "the written state");

    await artist.client.post(`/api/bookings/appointments/${appointmentId}/reschedule`, { start: at(14) });
    await until(
      async () => (await tatuObject(appointmentId))?.includes(`DTSTART;TZID=${ZONE}:${berlinWall(at(14))}`) === true,
      10_000,
      "the moved object",
    );
    expect(await tatuObject(appointmentId)).toMatch(/SEQUENCE:1/);

    await sync();
    await sync();
    const own = await app.ctx.db.busyBlock.findMany({ where: { connectionId, appointmentId } });
    expect(own).toHaveLength(1);
    expect(own[0]!.iCalUID).toBe(`tatu-${appointmentId}@tatu.app`);
    expect((await appt(appointmentId)).calendarState).toBe("synced");
    const free = await freeStarts();
    expect(free).not.toContain(iso(at(14)));
    expect(free).toEqual(expect.arrayContaining([iso(at(13)), iso(at(15))]));

    await customer.client.post(`/api/bookings/appointments/${appointmentId}/cancel`, {});
    await until(async () => (await tatuObject(appointmentId)) === undefined, 10_000, "the object removed");
    await until(async () => (await appt(appointmentId)).calendarState === "deleted", 5000, "the deleted state");
    expect(await freeStarts()).toContain(iso(at(14)));
  });

  it("Tatu's object moved or deleted by another client is recorded on the appointment", async () => {
    const { appointmentId } = await confirmedAppointment(at(10));
    await until(async () => (await appt(appointmentId)).calendarState === "synced", 10_000, "the written object");
    const url = new URL(`${encodeURIComponent(`tatu-${appointmentId}@tatu.app`)}.ics`, calendar).href;
    const original = (await tatuObject(appointmentId))!;
    // Another client drags it to 17:00 (keeping UID and Tatu's property, as clients do).
    const moved = original
      .replace(`DTSTART;TZID=${ZONE}:${berlinWall(at(10))}`, `DTSTART;TZID=${ZONE}:${berlinWall(at(17))}`)
      .replace(`DTEND;TZID=${ZONE}:${berlinWall(at(11))}`, `DTEND;TZID=${ZONE}:${berlinWall(at(18))}`);
    expect(moved).not.toBe(original);
    await peer.putIcs(appleId, appPassword, url, moved);
    await sync();
    expect((await appt(appointmentId)).calendarState).toBe("moved_in_calendar");

    expect((await dav("DELETE", url)).status).toBeLessThan(300);
    await sync();
    await expectDeletedInCalendar(app, appointmentId);
  });

  it("lists the connection with health, and another user gets 404 on it", async () => {
    await expectHealthyAndPrivate(app, artist.client, connectionId);
  });
});
