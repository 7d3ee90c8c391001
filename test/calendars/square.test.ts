// Square Appointments calendar provider against the Square stand-in, through the real
// `square` SDK. Ground truth is seeded and changed from the merchant's side with the
// stand-in's control API; Tatu's writes go through the provider only.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProviderError } from "../../service/providers/kit/errors.ts";
import type { NewAccount, ProviderAccount, ProviderEnv } from "../../service/providers/kit/channel.ts";
import { loadConfig } from "../../service/config/load.ts";
import { createLogger } from "../../service/observability/logger.ts";
import { createSquareProvider, squareProvider } from "../../service/providers/square/index.ts";
import type {
  CalendarCredentialsConnect,
  CalendarCursor,
  CalendarSyncPage,
  EventDraft,
} from "../../service/providers/kit/calendar.ts";
import {
  startSquareStandIn,
  type MerchantHandle,
  type MerchantInput,
  type SquareStandIn,
} from "../../standins/square/index.ts";

import { rejection } from "../helpers/rejection.ts";

let standIn: SquareStandIn;
let env: ProviderEnv;
const connect = squareProvider.connect as CalendarCredentialsConnect;
/** Small pages and short chunks so a handful of bookings spans several pages and chunks. */
const paged = createSquareProvider({ pageSize: 2, chunkDays: 10 });

const DAY = 86_400_000;
const BASE = Date.parse("2030-03-02T00:00:00Z");
const at = (days: number, hour = 15) => new Date(BASE + days * DAY + hour * 3_600_000);
const WINDOW = { from: new Date(BASE), until: new Date(BASE + 45 * DAY) };

function providerEnv(overrides: Record<string, string>): ProviderEnv {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tatu-square-"));
  const config = loadConfig({ NODE_ENV: "test", TATU_DATA_DIR: dir, ...overrides });
  // SQUARE_API_BASE_URL may not be in the env registry yet: the provider reads config.env by name.
  config.env = { ...config.env, ...overrides } as typeof config.env;
  return { config, log: createLogger({ level: "silent" }) };
}

function accountFrom(connected: NewAccount): ProviderAccount {
  return {
    id: `acct-${randomBytes(4).toString("hex")}`,
    userId: "user-1",
    externalId: connected.externalId,
    address: connected.address,
    credentials: connected.credentials,
    async saveCredentials() {
      throw new Error("square tokens are not refreshed");
    },
  };
}

async function connectMerchant(
  input?: MerchantInput,
): Promise<{ m: MerchantHandle; account: ProviderAccount; calendarId: string }> {
  const m = standIn.addMerchant(input);
  const account = accountFrom(await connect.connect(env, connect.schema.parse({ accessToken: m.token })));
  return { m, account, calendarId: account.credentials.teamMemberId as string };
}

async function drain(it: AsyncIterable<CalendarSyncPage>): Promise<CalendarSyncPage[]> {
  const pages: CalendarSyncPage[] = [];
  for await (const p of it) pages.push(p);
  return pages;
}

const events = (pages: CalendarSyncPage[]) => pages.flatMap((p) => p.events);
const byId = (pages: CalendarSyncPage[]) => new Map(events(pages).map((e) => [e.externalId, e]));
const lastCursor = (pages: CalendarSyncPage[]) => pages[pages.length - 1]!.cursor;

const draft = (appointmentId: string, start: Date, minutes: number, extra: Partial<EventDraft> = {}): EventDraft => ({
  appointmentId,
  iCalUID: `tatu-${appointmentId}@tatu.app`,
  title: "Fine-line rose, forearm",
  start,
  end: new Date(start.getTime() + minutes * 60_000),
  timeZone: "America/New_York",
  customer: { name: "Sam Lee", email: `sam-${appointmentId}@example.com`, phone: "+15555550123" },
  ...extra,
});

beforeAll(async () => {
  standIn = await startSquareStandIn();
  env = providerEnv(standIn.env());
});
afterAll(async () => {
  await standIn?.close();
});

describe("connect (pasted access token)", () => {
  it("checks the token and stores merchant, location and the artist", async () => {
    const m = standIn.addMerchant({ businessName: "Needle & Bloom" });
    const connected = await connect.connect(env, connect.schema.parse({ accessToken: ` ${m.token} ` }));
    expect(connected).toEqual({
      externalId: m.merchantId,
      address: "Needle & Bloom",
      credentials: { accessToken: m.token, locationId: m.locationId, teamMemberId: m.teamMemberId },
      scopes: [],
    });
    const sent = standIn.requests().filter((r) => r.path === "/v2/locations");
    expect(sent.at(-1)?.squareVersion).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("skips locations where nobody takes appointments and picks the owner among several artists", async () => {
    const m = standIn.addMerchant({
      locations: [{ name: "Front desk" }, { name: "Studio" }],
      teamMembers: [
        { givenName: "Receptionist", bookable: false },
        { givenName: "Jo", locationIndexes: [1] },
        { givenName: "Owner", isOwner: true, locationIndexes: [1] },
      ],
    });
    const connected = await connect.connect(env, connect.schema.parse({ accessToken: m.token }));
    expect(connected.credentials).toEqual({
      accessToken: m.token,
      locationId: m.locationIds[1],
      teamMemberId: m.teamMemberIds[2],
    });
    expect(connected.displayName).toBe("Studio");
  });

  it("refuses an unknown location", async () => {
    const m = standIn.addMerchant();
    const err = await rejection(
      connect.connect(env, connect.schema.parse({ accessToken: m.token, locationId: "NOSUCHLOCATION" })),
    );
    expect(err).toMatchObject({ errorClass: "permanent", code: "SQUARE_LOCATION_NOT_FOUND" });
  });

  it("a bad token is an auth failure with SQUARE_AUTH_FAILED, without echoing the token", async () => {
    const token = `EAAA${randomBytes(20).toString("hex")}`;
    const err = await rejection(connect.connect(env, connect.schema.parse({ accessToken: token })));
    expect(err).toMatchObject({ errorClass: "auth", code: "SQUARE_AUTH_FAILED", status: 401 });
    expect(err.message).not.toContain(token);
  });
});

describe("calendars", () => {
  it("one calendar per bookable artist at the location, the connected artist primary, in the location's zone", async () => {
    const { m, account } = await connectMerchant({
      locations: [{ timezone: "Europe/Berlin" }],
      teamMembers: [
        { givenName: "Kim", familyName: "Ode", isOwner: true },
        { givenName: "Guest", familyName: "Artist" },
        { givenName: "Desk", bookable: false },
      ],
    });
    const cals = await squareProvider.listCalendars(env, account);
    expect(cals.map((c) => c.externalId).sort()).toEqual([m.teamMemberIds[0], m.teamMemberIds[1]].sort());
    expect(cals.find((c) => c.primary)).toEqual({
      externalId: m.teamMemberIds[0],
      name: "Kim Ode",
      primary: true,
      timeZone: "Europe/Berlin",
    });
  });

  it("read-only when the business cannot write bookings through the API", async () => {
    const { m, account } = await connectMerchant();
    standIn.setSellerLevelWrites(m.merchantId, false);
    expect((await squareProvider.listCalendars(env, account)).every((c) => c.readOnly)).toBe(true);
  });
});

describe("sync: re-reading the window", () => {
  it("reads the window once across 31-day chunks and pages, only this artist's bookings", async () => {
    const { m, account, calendarId } = await connectMerchant({
      teamMembers: [{ givenName: "Ana", isOwner: true }, { givenName: "Other" }],
    });
    const mine = [1, 2, 3, 11, 12, 25, 38, 44].map((d) =>
      standIn.booking({ action: "create", merchantId: m.merchantId, startAt: at(d), durationMinutes: 90 }),
    );
    standIn.booking({ action: "create", merchantId: m.merchantId, startAt: at(5), teamMemberId: m.teamMemberIds[1] });
    standIn.booking({ action: "create", merchantId: m.merchantId, startAt: at(60) }); // outside the window
    const twoSegments = standIn.booking({
      action: "create",
      merchantId: m.merchantId,
      startAt: at(7),
      segments: [
        { durationMinutes: 60, intermissionMinutes: 30 },
        { durationMinutes: 45, intermissionMinutes: 10 },
      ],
    });
    const pending = standIn.booking({ action: "create", merchantId: m.merchantId, startAt: at(8), status: "PENDING" });

    const pages = await drain(paged.syncEvents(env, account, calendarId, null, WINDOW));
    const all = events(pages);
    expect(all.map((e) => e.externalId).sort()).toEqual([...mine, twoSegments, pending].map((b) => b.id).sort());
    expect(new Set(all.map((e) => e.externalId)).size).toBe(all.length);
    expect(pages.length).toBeGreaterThan(3);
    expect(pages.some((p) => p.fullResync)).toBe(false);
    const first = byId(pages).get(mine[0]!.id)!;
    expect(first).toEqual({
      externalId: mine[0]!.id,
      start: at(1),
      end: new Date(at(1).getTime() + 90 * 60_000),
      allDay: false,
      status: "confirmed",
      transparent: false,
      etag: "0",
    });
    // 60 + 30 intermission + 45; the trailing intermission is not part of the appointment.
    expect(byId(pages).get(twoSegments.id)!.end).toEqual(new Date(at(7).getTime() + 135 * 60_000));
    expect(byId(pages).get(pending.id)!.status).toBe("tentative");
    // ListBookings never asked for more than 31 days at once, filtered by location and artist.
    for (const r of standIn
      .requests()
      .filter((x) => x.path === "/v2/bookings" && x.method === "GET" && x.query.includes(calendarId))) {
      const q = new URLSearchParams(r.query);
      expect(Date.parse(q.get("start_at_max")!) - Date.parse(q.get("start_at_min")!)).toBeLessThanOrEqual(31 * DAY);
      expect(q.get("location_id")).toBe(m.locationId);
    }
  });

  it("a re-read reports new, moved and cancelled bookings (by version), and nothing unchanged", async () => {
    const { m, account, calendarId } = await connectMerchant({
      teamMembers: [{ givenName: "Ana", isOwner: true }, { givenName: "Ben" }],
    });
    const [keep, move, cancel, decline, handOver, outside] = [2, 4, 6, 8, 10, 12].map((d) =>
      standIn.booking({ action: "create", merchantId: m.merchantId, startAt: at(d) }),
    );
    const first = await drain(paged.syncEvents(env, account, calendarId, null, WINDOW));
    expect(events(first)).toHaveLength(6);

    const added = standIn.booking({ action: "create", merchantId: m.merchantId, startAt: at(20), durationMinutes: 30 });
    standIn.booking({ action: "modify", merchantId: m.merchantId, id: move!.id, startAt: at(21, 10) });
    standIn.booking({ action: "cancel", merchantId: m.merchantId, id: cancel!.id, status: "CANCELLED_BY_CUSTOMER" });
    standIn.booking({ action: "cancel", merchantId: m.merchantId, id: decline!.id, status: "DECLINED" });
    standIn.booking({ action: "modify", merchantId: m.merchantId, id: outside!.id, startAt: at(80) });
    // The booking is handed to another artist of the same business: no longer this calendar's.
    standIn.booking({ action: "modify", merchantId: m.merchantId, id: handOver!.id, teamMemberId: m.teamMemberIds[1] });

    const pages = await drain(paged.syncEvents(env, account, calendarId, lastCursor(first), WINDOW));
    const seen = byId(pages);
    expect([...seen.keys()].sort()).toEqual(
      [added.id, move!.id, cancel!.id, decline!.id, outside!.id, handOver!.id].sort(),
    );
    expect(seen.has(keep!.id)).toBe(false);
    expect(seen.get(added.id)).toMatchObject({
      status: "confirmed",
      start: at(20),
      end: new Date(at(20).getTime() + 30 * 60_000),
    });
    expect(seen.get(move!.id)).toMatchObject({ status: "confirmed", start: at(21, 10), etag: "1" });
    expect(seen.get(cancel!.id)).toMatchObject({ status: "cancelled", etag: "1" });
    expect(seen.get(decline!.id)).toMatchObject({ status: "cancelled" });
    // Moved beyond the window: still an appointment, at its new time (not a cancellation).
    expect(seen.get(outside!.id)).toMatchObject({ status: "confirmed", start: at(80) });
    expect(seen.get(handOver!.id)).toMatchObject({ status: "cancelled" });

    // Nothing changed since: the next re-read reports nothing.
    const third = await drain(paged.syncEvents(env, account, calendarId, lastCursor(pages), WINDOW));
    expect(events(third)).toEqual([]);
  });

  it("a booking Square no longer knows becomes a tombstone at its last known time", async () => {
    const { m, account, calendarId } = await connectMerchant();
    const b = standIn.booking({ action: "create", merchantId: m.merchantId, startAt: at(3) });
    const first = await drain(squareProvider.syncEvents(env, account, calendarId, null, WINDOW));
    // Forge a cursor that remembers a booking Square never had.
    const cursor = structuredClone(lastCursor(first)) as { known: Record<string, [number, number]> };
    cursor.known.ghostbooking00 = [0, at(4).getTime()];
    const pages = await drain(squareProvider.syncEvents(env, account, calendarId, cursor, WINDOW));
    expect(events(pages)).toEqual([
      {
        externalId: "ghostbooking00",
        start: at(4),
        end: at(4),
        allDay: false,
        status: "cancelled",
        transparent: false,
      },
    ]);
    expect(byId(pages).has(b.id)).toBe(false);
  });

  it("resumes from any page's cursor without gaps or repeats, tombstones included", async () => {
    const { m, account, calendarId } = await connectMerchant();
    const made = [1, 2, 3, 4, 12, 13, 22, 23, 33].map((d) =>
      standIn.booking({ action: "create", merchantId: m.merchantId, startAt: at(d) }),
    );
    const base = await drain(paged.syncEvents(env, account, calendarId, null, WINDOW));
    const reference = lastCursor(base);
    for (const i of [0, 3, 6]) standIn.booking({ action: "cancel", merchantId: m.merchantId, id: made[i]!.id });
    standIn.booking({ action: "modify", merchantId: m.merchantId, id: made[7]!.id, startAt: at(90) });
    const fresh = standIn.booking({ action: "create", merchantId: m.merchantId, startAt: at(30) });

    const full = await drain(paged.syncEvents(env, account, calendarId, reference, WINDOW));
    const expected = [made[0]!.id, made[3]!.id, made[6]!.id, made[7]!.id, fresh.id].sort();
    expect(
      events(full)
        .map((e) => e.externalId)
        .sort(),
    ).toEqual(expected);
    for (let k = 0; k < full.length - 1; k++) {
      // Crash after page k: pages 0..k were committed with page k's cursor.
      const resumed = await drain(paged.syncEvents(env, account, calendarId, full[k]!.cursor, WINDOW));
      const got = [...events(full.slice(0, k + 1)), ...events(resumed)].map((e) => e.externalId).sort();
      expect(got).toEqual(expected);
      expect(lastCursor(resumed)).toEqual(lastCursor(full));
    }
  });

  it("a resume whose Square page cursor has expired re-reads that chunk without repeats", async () => {
    const { m, account, calendarId } = await connectMerchant();
    const made = [1, 2, 3, 4, 5].map((d) =>
      standIn.booking({ action: "create", merchantId: m.merchantId, startAt: at(d) }),
    );
    const full = await drain(paged.syncEvents(env, account, calendarId, null, WINDOW));
    const k = full.findIndex((p) => (p.cursor as { pass?: { page?: string } }).pass?.page);
    expect(k).toBeGreaterThanOrEqual(0);
    const stale = structuredClone(full[k]!.cursor) as { pass: { page: string } };
    stale.pass.page = "ZXhwaXJlZA";
    const resumed = await drain(paged.syncEvents(env, account, calendarId, stale, WINDOW));
    const got = [...events(full.slice(0, k + 1)), ...events(resumed)].map((e) => e.externalId).sort();
    expect(got).toEqual(made.map((b) => b.id).sort());
  });

  it("an unreadable cursor leads to a full read flagged fullResync", async () => {
    const { m, account, calendarId } = await connectMerchant();
    const b = standIn.booking({ action: "create", merchantId: m.merchantId, startAt: at(2) });
    const pages = await drain(
      squareProvider.syncEvents(env, account, calendarId, { v: 99, junk: true } as CalendarCursor, WINDOW),
    );
    expect(pages[0]!.fullResync).toBe(true);
    expect(pages.slice(1).some((p) => p.fullResync)).toBe(false);
    expect(events(pages).map((e) => e.externalId)).toEqual([b.id]);
  });
});

describe("Tatu's appointments as bookings", () => {
  it("creates a booking with a customer and a bookable service, marked with the appointment id", async () => {
    const { m, account, calendarId } = await connectMerchant({
      services: [
        { name: "Consultation", availableForBooking: false },
        { name: "Tattoo session", durationMinutes: 180 },
      ],
    });
    const d = draft("appt-create-1", at(5, 14), 150, { description: "Bring reference photos" });
    const written = await squareProvider.createEvent(env, account, calendarId, d);
    expect(written).toMatchObject({ iCalUID: d.iCalUID, etag: "0" });
    const b = standIn.bookings(m.merchantId).find((x) => x.id === written.externalId)!;
    expect(b).toMatchObject({
      start_at: "2030-03-07T14:00:00Z",
      location_id: m.locationId,
      status: "ACCEPTED",
      customer_note: "",
    });
    expect(b.appointment_segments).toEqual([
      expect.objectContaining({
        duration_minutes: 150,
        team_member_id: calendarId,
        service_variation_id: m.serviceVariationIds[1],
      }),
    ]);
    const customer = standIn.customers(m.merchantId).find((c) => c.id === b.customer_id)!;
    expect(customer).toMatchObject({ given_name: "Sam", family_name: "Lee", email_address: d.customer!.email });

    // Sync shows it as Tatu's own event.
    const seen = byId(await drain(squareProvider.syncEvents(env, account, calendarId, null, WINDOW))).get(
      written.externalId,
    )!;
    expect(seen).toMatchObject({
      tatuAppointmentId: "appt-create-1",
      iCalUID: d.iCalUID,
      title: d.title,
      start: d.start,
      end: d.end,
      status: "confirmed",
    });

    // The same client books again: found by email, not created twice.
    await squareProvider.createEvent(
      env,
      account,
      calendarId,
      draft("appt-create-2", at(9), 60, { customer: d.customer }),
    );
    expect(standIn.customers(m.merchantId).filter((c) => c.email_address === d.customer!.email)).toHaveLength(1);
  });

  it("a create retried after its answer was lost makes one booking (same idempotency key)", async () => {
    const { m, account, calendarId } = await connectMerchant();
    const d = draft("appt-retry", at(6), 120);
    standIn.failNext(1, { status: 500, match: "POST /v2/bookings", afterHandling: true });
    const err = await rejection(squareProvider.createEvent(env, account, calendarId, d));
    expect(err.errorClass).toBe("transient");
    expect(standIn.bookings(m.merchantId)).toHaveLength(1); // Square did make it

    const written = await squareProvider.createEvent(env, account, calendarId, d);
    const all = standIn.bookings(m.merchantId);
    expect(all).toHaveLength(1);
    expect(written.externalId).toBe(all[0]!.id);
    const creates = standIn
      .requests()
      .filter(
        (r) => r.method === "POST" && r.path === "/v2/bookings" && r.idempotencyKey?.startsWith("tatu-appt-retry-"),
      );
    expect(creates).toHaveLength(2);
    expect(creates[0]!.idempotencyKey).toBe(creates[1]!.idempotencyKey);
    expect(standIn.customers(m.merchantId)).toHaveLength(1);
  });

  it("refuses when the artist has no bookable service", async () => {
    const { account, calendarId } = await connectMerchant({
      services: [{ name: "Retail", availableForBooking: false }],
    });
    const err = await rejection(squareProvider.createEvent(env, account, calendarId, draft("appt-nosvc", at(3), 60)));
    expect(err).toMatchObject({ errorClass: "permanent", code: "SQUARE_NO_BOOKABLE_SERVICE" });
  });

  it("moves a booking (new time and length, version bumped)", async () => {
    const { m, account, calendarId } = await connectMerchant();
    const d = draft("appt-move", at(4), 60);
    const written = await squareProvider.createEvent(env, account, calendarId, d);
    const moved = await squareProvider.updateEvent(env, account, calendarId, written.externalId, {
      ...d,
      title: "Rose + stem",
      start: at(5, 11),
      end: new Date(at(5, 11).getTime() + 150 * 60_000),
    });
    expect(moved).toEqual({ externalId: written.externalId, iCalUID: d.iCalUID, etag: "1" });
    const b = standIn.bookings(m.merchantId).find((x) => x.id === written.externalId)!;
    expect(b).toMatchObject({ start_at: "2030-03-07T11:00:00Z", version: 1 });
    expect(b.appointment_segments[0]!.duration_minutes).toBe(150);
    expect(b.seller_note.split("\n")[0]).toBe("Rose + stem");
  });

  it("an update racing a change in Square is refused as permanent (stale version), leaving the booking alone", async () => {
    const { m, account, calendarId } = await connectMerchant();
    const d = draft("appt-race", at(4), 60);
    const written = await squareProvider.createEvent(env, account, calendarId, d);
    // The artist edits the booking in Square between Tatu's read and its write.
    standIn.beforeNext(`PUT /v2/bookings/${written.externalId}`, () => {
      standIn.booking({ action: "modify", merchantId: m.merchantId, id: written.externalId, startAt: at(6, 9) });
    });
    const err = await rejection(
      squareProvider.updateEvent(env, account, calendarId, written.externalId, {
        ...d,
        start: at(8),
        end: new Date(at(8).getTime() + 3_600_000),
      }),
    );
    expect(err).toMatchObject({ errorClass: "permanent", code: "SQUARE_VERSION_MISMATCH", status: 409 });
    expect(err.message).toMatch(/changed in Square/);
    expect(standIn.bookings(m.merchantId).find((x) => x.id === written.externalId)).toMatchObject({
      start_at: "2030-03-08T09:00:00Z",
      version: 1,
    });
  });

  it("updating a booking cancelled in Square is a permanent error", async () => {
    const { m, account, calendarId } = await connectMerchant();
    const d = draft("appt-gone", at(4), 60);
    const written = await squareProvider.createEvent(env, account, calendarId, d);
    standIn.booking({
      action: "cancel",
      merchantId: m.merchantId,
      id: written.externalId,
      status: "CANCELLED_BY_CUSTOMER",
    });
    const err = await rejection(squareProvider.updateEvent(env, account, calendarId, written.externalId, d));
    expect(err).toMatchObject({ errorClass: "permanent", code: "SQUARE_BOOKING_CANCELLED" });
  });

  it("cancels a booking; cancelling again or an unknown booking is fine; a version race is retried", async () => {
    const { m, account, calendarId } = await connectMerchant();
    const a = await squareProvider.createEvent(env, account, calendarId, draft("appt-cancel-a", at(3), 60));
    await squareProvider.deleteEvent(env, account, calendarId, a.externalId);
    expect(standIn.bookings(m.merchantId).find((x) => x.id === a.externalId)).toMatchObject({
      status: "CANCELLED_BY_SELLER",
      version: 1,
    });
    await squareProvider.deleteEvent(env, account, calendarId, a.externalId);
    await squareProvider.deleteEvent(env, account, calendarId, "nosuchbooking1");

    const b = await squareProvider.createEvent(env, account, calendarId, draft("appt-cancel-b", at(4), 60));
    standIn.beforeNext(`POST /v2/bookings/${b.externalId}/cancel`, () => {
      standIn.booking({ action: "modify", merchantId: m.merchantId, id: b.externalId, sellerNote: "client called" });
    });
    await squareProvider.deleteEvent(env, account, calendarId, b.externalId);
    expect(standIn.bookings(m.merchantId).find((x) => x.id === b.externalId)).toMatchObject({
      status: "CANCELLED_BY_SELLER",
      version: 2,
    });

    // The next re-read reports the cancellations as tombstones of Tatu's appointments.
    const pages = await drain(squareProvider.syncEvents(env, account, calendarId, null, WINDOW));
    expect(byId(pages).get(a.externalId)).toMatchObject({ status: "cancelled", tatuAppointmentId: "appt-cancel-a" });
  });
});

describe("errors and smoke", () => {
  it("429 is rate_limit with Square's Retry-After; 503 is transient; a revoked token is auth", async () => {
    const { account, calendarId, m } = await connectMerchant();
    standIn.failNext(1, { status: 429, retryAfter: 7, match: "GET /v2/bookings" });
    const limited = await rejection(squareProvider.syncEvents(env, account, calendarId, null, WINDOW));
    expect(limited).toMatchObject({
      errorClass: "rate_limit",
      code: "SQUARE_RATE_LIMITED",
      retryAfterMs: 7000,
      status: 429,
    });

    standIn.failNext(1, { status: 503, match: "GET /v2/bookings" });
    expect(await rejection(squareProvider.syncEvents(env, account, calendarId, null, WINDOW))).toMatchObject({
      errorClass: "transient",
      status: 503,
    });

    standIn.revokeToken(m.token);
    const auth = await rejection(
      squareProvider.createEvent(env, account, calendarId, draft("appt-revoked", at(2), 60)),
    );
    expect(auth).toMatchObject({ errorClass: "auth", code: "SQUARE_AUTH_FAILED" });
    expect(squareProvider.classifyError(auth)).toBe(auth);
  });

  it("an unreachable Square is transient", async () => {
    const { account, calendarId } = await connectMerchant();
    const dead = providerEnv({ SQUARE_API_BASE_URL: "http://127.0.0.1:9" });
    expect(await rejection(squareProvider.syncEvents(dead, account, calendarId, null, WINDOW))).toMatchObject({
      errorClass: "transient",
    });
  });

  it("smoke lists locations", async () => {
    const { account } = await connectMerchant();
    expect(await squareProvider.smoke(env, account)).toMatchObject({
      ok: true,
      checks: [{ name: "locations", ok: true }],
    });
    const broken = { ...account, credentials: { ...account.credentials, accessToken: "EAAAnotatoken" } };
    expect(await squareProvider.smoke(env, broken)).toMatchObject({
      ok: false,
      checks: [{ name: "locations", ok: false }],
    });
  });
});
