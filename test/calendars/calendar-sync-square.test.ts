// The calendar two-way sync through Tatu's API, with Square Appointments on the Square stand-in:
// connect with a pasted access token, one calendar per bookable team member, the artist picks
// theirs as Tatu's calendar; Square bookings are busy time; Tatu's confirmed appointments
// become Square bookings (moved on reschedule, cancelled on cancel); bookings moved or
// cancelled in Square are recorded on the appointment; nothing is duplicated.
// Differences from Google: Square has bookings, not events (no delete: Tatu cancels them,
// CANCELLED_BY_SELLER), no change feed (every sync re-reads the window and diffs versions),
// no iCalUID (Tatu's appointment id and UID ride in the booking's seller_note), and a
// calendar is a team member of the studio, not a calendar list entry.
import { describe, expect, it } from "vitest";
import {
  startSquareStandIn,
  type Booking,
  type MerchantHandle,
  type SquareStandIn,
} from "../../standins/square/index.ts";
import type { TestApp } from "../helpers/app.ts";
import { expectDeletedInCalendar, expectHealthyAndPrivate, syncNow, type BookableArtist } from "../helpers/booking.ts";
import { until } from "../helpers/realtime.ts";
import { suiteResources } from "../helpers/suite.ts";
import { calendarSyncSuite, iso, ZONE } from "./sync-suite.ts";

let square: SquareStandIn;
let studio: MerchantHandle;
let app: TestApp;
let artist: BookableArtist;
let connectionId: string; // Kai's calendar: the artist's own
let jo: string, kai: string; // Square team member ids

const suite = calendarSyncSuite(6, "Anchor");
const { at, freeStarts, appt, confirmedAppointment } = suite;
const sync = (id = connectionId) => syncNow(artist.client, id);
const CANCELLED = ["CANCELLED_BY_SELLER", "CANCELLED_BY_CUSTOMER", "DECLINED"];
/** Tatu's live Square bookings for an appointment (marked in the seller note). */
const tagged = (appointmentId: string): Booking[] =>
  square
    .bookings(studio.merchantId)
    .filter((b) => b.seller_note.includes(`Tatu appointment: ${appointmentId}`) && !CANCELLED.includes(b.status));

suiteResources(async (track) => {
  square = track(await startSquareStandIn());
  // A shared studio: the owner Jo and the artist using Tatu, Kai; both take appointments.
  studio = square.addMerchant({
    businessName: "Ink & Iron",
    locations: [{ timezone: ZONE }],
    teamMembers: [{ givenName: "Jo", isOwner: true }, { givenName: "Kai" }],
    services: [{ name: "Tattoo session", durationMinutes: 60, teamMemberIndexes: [0, 1] }],
  });
  [jo, kai] = studio.teamMemberIds as [string, string];
  ({ app, artist } = await suite.start(track, { SQUARE_API_BASE_URL: square.url }, "Kai"));
});

describe("Square Appointments", () => {
  it("rejects a wrong token with a clear 400, then connects one calendar per team member", async () => {
    const bad = await artist.client.post("/api/calendars/square/connect", { accessToken: "EAAAl-not-a-real-token" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toEqual(expect.any(String));
    expect((await artist.client.post("/api/calendars/square/connect", {})).status).toBe(400);

    // Bookings that exist before connecting: Kai's own, and Jo's.
    square.booking({
      action: "create",
      merchantId: studio.merchantId,
      teamMemberId: kai,
      startAt: new Date(at(12)),
      durationMinutes: 60,
    });
    square.booking({
      action: "create",
      merchantId: studio.merchantId,
      teamMemberId: jo,
      startAt: new Date(at(16)),
      durationMinutes: 60,
    });

    const res = await artist.client.post("/api/calendars/square/connect", { accessToken: studio.token });
    expect(res.status).toBe(201);
    expect(res.body.items).toHaveLength(2);
    const byName = Object.fromEntries(res.body.items.map((c: { name: string }) => [c.name, c]));
    // The owner's calendar is Tatu's by default (the token is the owner's).
    expect(byName.Jo).toMatchObject({ provider: "square", isPrimary: true });
    expect(byName.Kai).toMatchObject({ provider: "square", isPrimary: false, timeZone: ZONE });
    connectionId = byName.Kai.id;
    await suite.untilEveryCalendarSynced("the first calendar syncs");
    const free = await freeStarts();
    expect(free).not.toContain(iso(at(12)));
    expect(free).not.toContain(iso(at(16))); // every connected calendar counts as busy

    // Kai makes their own calendar Tatu's and removes Jo's: Jo's bookings stop blocking Kai.
    const chosen = await artist.client.put(`/api/calendars/${connectionId}`, { isPrimary: true });
    expect(chosen.body).toMatchObject({ id: connectionId, isPrimary: true });
    expect((await artist.client.delete(`/api/calendars/${byName.Jo.id}`)).status).toBe(200);
    const list = (await artist.client.get("/api/calendars")).body.items;
    expect(list.map((c: { id: string; isPrimary: boolean }) => [c.id, c.isPrimary])).toEqual([[connectionId, true]]);
    expect(await freeStarts()).toContain(iso(at(16)));
    expect(await freeStarts()).not.toContain(iso(at(12)));
  });

  it("new, moved and cancelled Square bookings change availability; notes are not kept", async () => {
    const b = square.booking({
      action: "create",
      merchantId: studio.merchantId,
      teamMemberId: kai,
      startAt: new Date(at(15)),
      durationMinutes: 60,
      sellerNote: "Private: Dentist",
    });
    await sync();
    expect(await freeStarts()).not.toContain(iso(at(15)));
    const block = await app.ctx.db.busyBlock.findFirstOrThrow({ where: { connectionId, externalId: b.id } });
    expect(JSON.stringify(block)).not.toContain("Dentist");

    square.booking({ action: "modify", merchantId: studio.merchantId, id: b.id, startAt: new Date(at(17)) });
    await sync();
    expect(await freeStarts()).toContain(iso(at(15)));
    expect(await freeStarts()).not.toContain(iso(at(17)));

    square.booking({ action: "cancel", merchantId: studio.merchantId, id: b.id });
    await sync();
    expect(await freeStarts()).toContain(iso(at(17)));
    expect(await app.ctx.db.busyBlock.count({ where: { connectionId, externalId: b.id } })).toBe(1);
  });

  it("a confirmed appointment becomes a Square booking for the chosen artist, moved with it and cancelled with it", async () => {
    const { appointmentId, customer } = await confirmedAppointment(at(11));
    await until(() => tagged(appointmentId).length === 1, 5000, "the Square booking");
    const written = tagged(appointmentId)[0]!;
    expect(iso(written.start_at)).toBe(iso(at(11)));
    expect(written.appointment_segments.map((s) => [s.team_member_id, s.duration_minutes])).toEqual([[kai, 60]]);
    expect(written.seller_note).toContain(`tatu-${appointmentId}@tatu.app`);
    await until(
      async () => (await appt(appointmentId)).calendarEventId === written.id,
      5000,
      "the booking id on the appointment",
    );

    await artist.client.post(`/api/bookings/appointments/${appointmentId}/reschedule`, { start: at(14) });
    await until(
      () => tagged(appointmentId).length === 1 && iso(tagged(appointmentId)[0]!.start_at) === iso(at(14)),
      5000,
      "the moved booking",
    );
    expect(tagged(appointmentId)[0]!.id).toBe(written.id);

    await sync();
    await sync();
    expect(await app.ctx.db.busyBlock.count({ where: { connectionId, appointmentId } })).toBe(1);
    expect((await appt(appointmentId)).calendarState).toBe("synced");
    const free = await freeStarts();
    expect(free).not.toContain(iso(at(14)));
    expect(free).toEqual(expect.arrayContaining([iso(at(13)), iso(at(15))]));

    await customer.client.post(`/api/bookings/appointments/${appointmentId}/cancel`, {});
    await until(() => tagged(appointmentId).length === 0, 5000, "the booking cancelled");
    expect(square.bookings(studio.merchantId).find((b) => b.id === written.id)!.status).toBe("CANCELLED_BY_SELLER");
    await until(async () => (await appt(appointmentId)).calendarState === "deleted", 5000, "the deleted state");
    // Another sync sees the cancelled booking: it stays cancelled, nothing is re-created.
    await sync();
    expect((await appt(appointmentId)).calendarState).toBe("deleted");
    expect(square.bookings(studio.merchantId).filter((b) => b.seller_note.includes(appointmentId))).toHaveLength(1);
    expect(await freeStarts()).toContain(iso(at(14)));
  });

  it("an appointment's booking moved or cancelled in Square is recorded on the appointment", async () => {
    const { appointmentId } = await confirmedAppointment(at(10));
    await until(async () => Boolean((await appt(appointmentId)).calendarEventId), 5000, "the written booking");
    const { calendarEventId } = await appt(appointmentId);

    square.booking({
      action: "modify",
      merchantId: studio.merchantId,
      id: calendarEventId!,
      startAt: new Date(at(16)),
    });
    await sync();
    expect((await appt(appointmentId)).calendarState).toBe("moved_in_calendar");

    square.booking({
      action: "cancel",
      merchantId: studio.merchantId,
      id: calendarEventId!,
      status: "CANCELLED_BY_CUSTOMER",
    });
    await sync();
    await expectDeletedInCalendar(app, appointmentId);
  });

  it("lists the connection with health, and another user gets 404 on it", async () => {
    await expectHealthyAndPrivate(app, artist.client, connectionId);
  });
});
