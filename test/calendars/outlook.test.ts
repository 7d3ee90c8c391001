// Outlook Calendar provider against the Microsoft identity + Graph stand-in, through the real
// @microsoft/microsoft-graph-client SDK and the Outlook mailbox's own grant.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outlookCalendarProvider as provider } from "../../service/providers/outlook-calendar/index.ts";
import { TATU_PROPERTY_ID } from "../../service/providers/outlook-calendar/events.ts";
import { PAGE_SIZE } from "../../service/providers/outlook-calendar/sync.ts";
import type {
  CalendarCursor,
  CalendarEvent,
  CalendarSyncOptions,
  CalendarSyncPage,
  EventDraft,
} from "../../service/providers/kit/calendar.ts";
import { ProviderError } from "../../service/providers/kit/errors.ts";
import type { ProviderAccount, ProviderEnv } from "../../service/providers/kit/channel.ts";
import { startMicrosoftStandIn, type MicrosoftStandIn } from "../../standins/microsoft/index.ts";
import { connect, providerEnv, type TestAccount } from "../channels/outlook-helpers.ts";

import { rejection } from "../helpers/rejection.ts";

let standIn: MicrosoftStandIn;
let env: ProviderEnv;

const WINDOW: CalendarSyncOptions = { from: new Date("2026-03-01T00:00:00Z"), until: new Date("2026-05-01T00:00:00Z") };
const iso = (s: string) => new Date(s).toISOString();

beforeAll(async () => {
  standIn = await startMicrosoftStandIn();
  env = providerEnv(standIn.env());
});
afterAll(async () => {
  await standIn?.close();
});

async function artist(tag: string): Promise<{ email: string; account: TestAccount; calendarId: string }> {
  const email = `${tag}-${randomBytes(3).toString("hex")}@outlook.com`;
  standIn.addUser(email, { displayName: "Ink Artist" });
  const account = await connect(env, standIn, email);
  return { email, account, calendarId: standIn.defaultCalendarId(email) };
}

/** Like the calendar core: stores each page's events and cursor together (through JSON). */
class Busy {
  readonly byId = new Map<string, CalendarEvent>();
  cursor: CalendarCursor | null = null;
  pages: CalendarSyncPage[] = [];
  apply(page: CalendarSyncPage): void {
    const p = JSON.parse(JSON.stringify(page)) as CalendarSyncPage;
    for (const e of p.events) {
      const ev = { ...e, start: new Date(e.start), end: new Date(e.end) };
      if (ev.status === "cancelled" && !this.byId.has(ev.externalId) && ev.start.getTime() === 0) continue;
      this.byId.set(ev.externalId, ev);
    }
    this.cursor = p.cursor;
    this.pages.push(p);
  }
  async sync(
    account: ProviderAccount,
    calendarId: string,
    opts = WINDOW,
    stopAfter = Infinity,
  ): Promise<CalendarSyncPage[]> {
    const got: CalendarSyncPage[] = [];
    for await (const page of provider.syncEvents(env, account, calendarId, this.cursor, opts)) {
      this.apply(page);
      got.push(page);
      if (got.length >= stopAfter) break;
    }
    return got;
  }
  live(): CalendarEvent[] {
    return [...this.byId.values()].filter((e) => e.status !== "cancelled");
  }
}

describe("calendars", () => {
  it("declares the shared Outlook grant and lists calendars with primary / read-only flags", async () => {
    expect(provider.id).toBe("outlook-calendar");
    expect(provider.connect).toEqual({
      kind: "shared-grant",
      route: "outlook",
      grantLabel: "Microsoft",
      grantProvider: "outlook",
      requiredScope: "Calendars.ReadWrite",
    });
    const { email, account, calendarId } = await artist("list");
    const birthdays = standIn.calendarAdd(email, { name: "Birthdays", canEdit: false });
    const cals = await provider.listCalendars(env, account);
    expect(cals).toEqual(
      expect.arrayContaining([
        { externalId: calendarId, name: "Calendar", primary: true, readOnly: false },
        { externalId: birthdays.id, name: "Birthdays", primary: false, readOnly: true },
      ]),
    );
    expect(cals).toHaveLength(2);
  });

  it("smoke reads the calendars and one calendarView event", async () => {
    const { account } = await artist("smoke");
    const result = await provider.smoke(env, account);
    expect(result).toMatchObject({
      ok: true,
      checks: [
        { name: "calendars", ok: true },
        { name: "calendarView", ok: true },
      ],
    });
  });
});

describe("syncEvents", () => {
  it("reads the window, then only changes: new, moved and deleted events, free time marked transparent", async () => {
    const { email, account, calendarId } = await artist("delta");
    const a = standIn.calendarEvent(email, calendarId, {
      subject: "Dentist",
      start: new Date("2026-03-10T09:00:00Z"),
      end: new Date("2026-03-10T10:00:00Z"),
    });
    const b = standIn.calendarEvent(email, calendarId, {
      subject: "Gym",
      start: new Date("2026-03-11T17:00:00Z"),
      end: new Date("2026-03-11T18:00:00Z"),
      showAs: "free",
    });
    const c = standIn.calendarEvent(email, calendarId, {
      subject: "Call",
      start: new Date("2026-03-12T12:00:00Z"),
      end: new Date("2026-03-12T12:30:00Z"),
      showAs: "tentative",
    });
    standIn.calendarEvent(email, calendarId, {
      subject: "Outside",
      start: new Date("2026-06-01T12:00:00Z"),
      end: new Date("2026-06-01T13:00:00Z"),
    });

    const busy = new Busy();
    const first = await busy.sync(account, calendarId);
    expect(first.some((p) => p.fullResync)).toBe(false);
    expect(busy.byId.size).toBe(3);
    const dentist = busy.byId.get(a.id)!;
    expect(dentist).toMatchObject({ iCalUID: a.iCalUId, allDay: false, status: "confirmed", transparent: false });
    expect(dentist.start.toISOString()).toBe(iso("2026-03-10T09:00:00Z"));
    expect(dentist.end.toISOString()).toBe(iso("2026-03-10T10:00:00Z"));
    expect(dentist.title).toBeUndefined(); // other people's events are busy time only
    expect(dentist.etag).toBe(standIn.calendarEvents(email, calendarId).find((e) => e.id === a.id)!.changeKey);
    expect(busy.byId.get(b.id)).toMatchObject({ transparent: true, status: "confirmed" });
    expect(busy.byId.get(c.id)).toMatchObject({ transparent: false, status: "tentative" });

    // Nothing changed: an empty page with a fresh cursor.
    const quiet = await busy.sync(account, calendarId);
    expect(quiet.flatMap((p) => p.events)).toEqual([]);

    const d = standIn.calendarEvent(email, calendarId, {
      subject: "New",
      start: new Date("2026-04-02T08:00:00Z"),
      end: new Date("2026-04-02T09:00:00Z"),
    });
    standIn.calendarEvent(email, calendarId, {
      op: "modify",
      id: a.id,
      start: new Date("2026-03-10T14:00:00Z"),
      end: new Date("2026-03-10T15:00:00Z"),
    });
    standIn.calendarEvent(email, calendarId, { op: "delete", id: b.id });
    const changes = (await busy.sync(account, calendarId)).flatMap((p) => p.events);
    expect(changes.map((e) => e.externalId).sort()).toEqual([a.id, b.id, d.id].sort());
    expect(changes.find((e) => e.externalId === b.id)).toMatchObject({ status: "cancelled" });
    expect(busy.byId.get(a.id)!.start.toISOString()).toBe(iso("2026-03-10T14:00:00Z"));
    expect(
      busy
        .live()
        .map((e) => e.externalId)
        .sort(),
    ).toEqual([a.id, c.id, d.id].sort());
  });

  it("resumes after a crash between pages without gaps", async () => {
    const { email, account, calendarId } = await artist("pages");
    const ids: string[] = [];
    for (let i = 0; i < PAGE_SIZE * 2 + 7; i++) {
      const start = new Date(Date.UTC(2026, 2, 2 + (i % 50), 8 + (i % 9)));
      ids.push(
        standIn.calendarEvent(email, calendarId, {
          subject: `E${i}`,
          start,
          end: new Date(start.getTime() + 1_800_000),
        }).id,
      );
    }
    const busy = new Busy();
    expect(await busy.sync(account, calendarId, WINDOW, 1)).toHaveLength(1); // "crash" after page 1
    expect(busy.byId.size).toBe(PAGE_SIZE);
    const rest = await busy.sync(account, calendarId);
    expect(rest).toHaveLength(2);
    expect([...busy.byId.keys()].sort()).toEqual([...ids].sort());
  });

  it("an expired delta token restarts the window with fullResync", async () => {
    const { email, account, calendarId } = await artist("expired");
    const keep = standIn.calendarEvent(email, calendarId, {
      subject: "Keep",
      start: new Date("2026-03-20T09:00:00Z"),
      end: new Date("2026-03-20T10:00:00Z"),
    });
    const busy = new Busy();
    await busy.sync(account, calendarId);
    standIn.expireCalendarDelta(email);
    const added = standIn.calendarEvent(email, calendarId, {
      subject: "Added",
      start: new Date("2026-03-21T09:00:00Z"),
      end: new Date("2026-03-21T10:00:00Z"),
    });
    const pages = await busy.sync(account, calendarId);
    expect(pages[0]!.fullResync).toBe(true);
    expect(pages.slice(1).some((p) => p.fullResync)).toBe(false);
    expect(
      pages
        .flatMap((p) => p.events)
        .map((e) => e.externalId)
        .sort(),
    ).toEqual([keep.id, added.id].sort());
    // The new round's cursor works again.
    expect((await busy.sync(account, calendarId)).some((p) => p.fullResync)).toBe(false);
  });

  it("a window that moved on starts a new round over the new window", async () => {
    const { email, account, calendarId } = await artist("window");
    const late = standIn.calendarEvent(email, calendarId, {
      subject: "Late",
      start: new Date("2026-05-10T09:00:00Z"),
      end: new Date("2026-05-10T10:00:00Z"),
    });
    const busy = new Busy();
    await busy.sync(account, calendarId);
    expect(busy.byId.has(late.id)).toBe(false);
    const pages = await busy.sync(account, calendarId, { from: WINDOW.from, until: new Date("2026-06-01T00:00:00Z") });
    expect(pages[0]!.fullResync).toBe(true);
    expect(busy.byId.has(late.id)).toBe(true);
  });

  it("expands a weekly series into occurrences, with one cancelled and one deleted", async () => {
    const { email, account, calendarId } = await artist("weekly");
    const series = standIn.calendarEvent(email, calendarId, {
      subject: "Studio cleaning",
      start: "2026-03-03T10:00",
      end: "2026-03-03T11:00",
      timeZone: "W. Europe Standard Time",
      recurrence: {
        pattern: { type: "weekly", interval: 1, daysOfWeek: ["tuesday"] },
        range: { type: "numbered", startDate: "2026-03-03", numberOfOccurrences: 4 },
      },
    });
    const busy = new Busy();
    await busy.sync(account, calendarId);
    const occurrences = busy.live();
    expect(occurrences.map((e) => e.start.toISOString())).toEqual(
      ["2026-03-03T09:00:00Z", "2026-03-10T09:00:00Z", "2026-03-17T09:00:00Z", "2026-03-24T09:00:00Z"].map(iso),
    );
    expect(occurrences.some((e) => e.externalId === series.id)).toBe(false); // no series master
    expect(new Set(occurrences.map((e) => e.externalId)).size).toBe(4);
    expect(new Set(occurrences.map((e) => e.iCalUID)).size).toBe(4);

    const byStart = (s: string) => occurrences.find((e) => e.start.toISOString() === iso(s))!;
    standIn.calendarEvent(email, calendarId, {
      op: "modify",
      id: byStart("2026-03-10T09:00:00Z").externalId,
      isCancelled: true,
    });
    standIn.calendarEvent(email, calendarId, { op: "delete", id: byStart("2026-03-17T09:00:00Z").externalId });
    const changes = (await busy.sync(account, calendarId)).flatMap((p) => p.events);
    expect(changes.map((e) => e.externalId).sort()).toEqual(
      [byStart("2026-03-10T09:00:00Z").externalId, byStart("2026-03-17T09:00:00Z").externalId].sort(),
    );
    expect(changes.every((e) => e.status === "cancelled")).toBe(true);
    expect(busy.live().map((e) => e.start.toISOString())).toEqual(
      ["2026-03-03T09:00:00Z", "2026-03-24T09:00:00Z"].map(iso),
    );
  });

  it("expands a daily series with an end date", async () => {
    const { email, account, calendarId } = await artist("daily");
    standIn.calendarEvent(email, calendarId, {
      subject: "Walk",
      start: "2026-04-27T07:00",
      end: "2026-04-27T07:30",
      timeZone: "UTC",
      recurrence: {
        pattern: { type: "daily", interval: 2 },
        range: { type: "endDate", startDate: "2026-04-27", endDate: "2026-05-20" },
      },
    });
    const busy = new Busy();
    await busy.sync(account, calendarId);
    // Every other day until the window ends (2026-05-01).
    expect(busy.live().map((e) => e.start.toISOString())).toEqual(
      ["2026-04-27T07:00:00Z", "2026-04-29T07:00:00Z"].map(iso),
    );
  });

  it("all-day events block the local day of the zone they were made in", async () => {
    const { email, account, calendarId } = await artist("allday");
    const berlin = standIn.calendarEvent(email, calendarId, {
      subject: "Convention",
      start: "2026-03-14",
      end: "2026-03-16",
      isAllDay: true,
      timeZone: "W. Europe Standard Time",
    });
    const utc = standIn.calendarEvent(email, calendarId, {
      subject: "Holiday",
      start: "2026-04-06",
      end: "2026-04-07",
      isAllDay: true,
      showAs: "free",
    });
    const busy = new Busy();
    await busy.sync(account, calendarId);
    expect(busy.byId.get(berlin.id)).toMatchObject({ allDay: true, transparent: false });
    expect(busy.byId.get(berlin.id)!.start.toISOString()).toBe(iso("2026-03-13T23:00:00Z"));
    expect(busy.byId.get(berlin.id)!.end.toISOString()).toBe(iso("2026-03-15T23:00:00Z"));
    expect(busy.byId.get(utc.id)).toMatchObject({ allDay: true, transparent: true });
    expect(busy.byId.get(utc.id)!.start.toISOString()).toBe(iso("2026-04-06T00:00:00Z"));
  });

  it("Europe/Berlin times across the 2026-03-29 DST change come out right in UTC", async () => {
    const { email, account, calendarId } = await artist("dst");
    standIn.calendarEvent(email, calendarId, {
      subject: "Sunday flash day",
      start: "2026-03-22T10:00",
      end: "2026-03-22T12:00",
      timeZone: "W. Europe Standard Time",
      recurrence: {
        pattern: { type: "weekly", interval: 1, daysOfWeek: ["sunday"] },
        range: { type: "numbered", startDate: "2026-03-22", numberOfOccurrences: 3 },
      },
    });
    // Spans the switch itself: 01:00 CET → 04:00 CEST is two real hours.
    const night = standIn.calendarEvent(email, calendarId, {
      subject: "Night",
      start: "2026-03-29T01:00",
      end: "2026-03-29T04:00",
      timeZone: "Europe/Berlin",
    });
    const busy = new Busy();
    await busy.sync(account, calendarId);
    const flash = busy.live().filter((e) => e.externalId !== night.id);
    expect(flash.map((e) => [e.start.toISOString(), e.end.toISOString()])).toEqual([
      [iso("2026-03-22T09:00:00Z"), iso("2026-03-22T11:00:00Z")],
      [iso("2026-03-29T08:00:00Z"), iso("2026-03-29T10:00:00Z")],
      [iso("2026-04-05T08:00:00Z"), iso("2026-04-05T10:00:00Z")],
    ]);
    expect(busy.byId.get(night.id)!.start.toISOString()).toBe(iso("2026-03-29T00:00:00Z"));
    expect(busy.byId.get(night.id)!.end.toISOString()).toBe(iso("2026-03-29T02:00:00Z"));
  });
});

describe("writing appointments", () => {
  const draft = (over: Partial<EventDraft> = {}): EventDraft => ({
    appointmentId: "appt_42",
    iCalUID: "tatu-appt_42@tatu.app",
    title: "Tattoo: Rosa (sleeve session 2)",
    description: "Deposit paid",
    start: new Date("2026-03-30T08:00:00Z"),
    end: new Date("2026-03-30T11:00:00Z"),
    timeZone: "Europe/Berlin",
    location: "Ink House",
    ...over,
  });

  it("creates (idempotently), syncs back with the appointment id, updates and deletes", async () => {
    const { email, account, calendarId } = await artist("write");
    const created = await provider.createEvent(env, account, calendarId, draft());
    expect(created.externalId).toBeTruthy();
    expect(created.iCalUID).toBeTruthy();

    // Stored as the artist's local time with the documented Windows zone name.
    const [stored] = standIn.calendarEvents(email, calendarId);
    expect(stored).toMatchObject({
      id: created.externalId,
      subject: "Tattoo: Rosa (sleeve session 2)",
      location: "Ink House",
      transactionId: "appt_42",
      start: { dateTime: "2026-03-30T10:00:00", timeZone: "W. Europe Standard Time" },
      end: { dateTime: "2026-03-30T13:00:00", timeZone: "W. Europe Standard Time" },
      extendedProperties: { [TATU_PROPERTY_ID]: "appt_42" },
    });

    // A retry after a lost response returns the same event.
    expect((await provider.createEvent(env, account, calendarId, draft())).externalId).toBe(created.externalId);
    expect(standIn.calendarEvents(email, calendarId)).toHaveLength(1);

    const other = standIn.calendarEvent(email, calendarId, {
      subject: "Lunch",
      start: new Date("2026-03-30T11:00:00Z"),
      end: new Date("2026-03-30T12:00:00Z"),
    });
    const busy = new Busy();
    await busy.sync(account, calendarId);
    expect(busy.byId.get(created.externalId)).toMatchObject({
      tatuAppointmentId: "appt_42",
      title: "Tattoo: Rosa (sleeve session 2)",
      iCalUID: created.iCalUID,
      etag: created.etag,
    });
    expect(busy.byId.get(created.externalId)!.start.toISOString()).toBe(iso("2026-03-30T08:00:00Z"));
    expect(busy.byId.get(other.id)!.tatuAppointmentId).toBeUndefined();

    const updated = await provider.updateEvent(
      env,
      account,
      calendarId,
      created.externalId,
      draft({
        start: new Date("2026-03-31T12:00:00Z"),
        end: new Date("2026-03-31T15:00:00Z"),
        title: "Tattoo: Rosa (moved)",
      }),
    );
    expect(updated.externalId).toBe(created.externalId);
    expect(updated.etag).not.toBe(created.etag);
    await busy.sync(account, calendarId);
    expect(busy.byId.get(created.externalId)).toMatchObject({
      tatuAppointmentId: "appt_42",
      title: "Tattoo: Rosa (moved)",
      etag: updated.etag,
    });
    expect(busy.byId.get(created.externalId)!.start.toISOString()).toBe(iso("2026-03-31T12:00:00Z"));

    await provider.deleteEvent(env, account, calendarId, created.externalId);
    expect(standIn.calendarEvents(email, calendarId).map((e) => e.id)).toEqual([other.id]);
    await provider.deleteEvent(env, account, calendarId, created.externalId); // already gone: fine
    await busy.sync(account, calendarId);
    expect(busy.byId.get(created.externalId)!.status).toBe("cancelled");
  });

  it("falls back to UTC wall time for zones without a Windows name, keeping the instant", async () => {
    const { email, account, calendarId } = await artist("nuuk");
    const created = await provider.createEvent(
      env,
      account,
      calendarId,
      draft({
        appointmentId: "appt_nuuk",
        timeZone: "America/Nuuk",
        start: new Date("2026-04-10T13:00:00Z"),
        end: new Date("2026-04-10T14:00:00Z"),
      }),
    );
    const stored = standIn.calendarEvents(email, calendarId).find((e) => e.id === created.externalId)!;
    expect(stored.start).toEqual({ dateTime: "2026-04-10T13:00:00", timeZone: "UTC" });
    const busy = new Busy();
    await busy.sync(account, calendarId);
    expect(busy.byId.get(created.externalId)!.start.toISOString()).toBe(iso("2026-04-10T13:00:00Z"));
  });

  it("updating an event the artist deleted is a permanent not-found", async () => {
    const { email, account, calendarId } = await artist("gone");
    const created = await provider.createEvent(env, account, calendarId, draft({ appointmentId: "appt_gone" }));
    standIn.calendarEvent(email, calendarId, { op: "delete", id: created.externalId });
    const err = await rejection(
      provider.updateEvent(env, account, calendarId, created.externalId, draft({ appointmentId: "appt_gone" })),
    );
    expect(err).toMatchObject({ errorClass: "permanent", status: 404 });
  });
});

describe("tokens and errors", () => {
  it("refreshes a rejected access token once and saves the rotated refresh token", async () => {
    const { email, account, calendarId } = await artist("refresh");
    standIn.calendarEvent(email, calendarId, {
      subject: "X",
      start: new Date("2026-03-05T09:00:00Z"),
      end: new Date("2026-03-05T10:00:00Z"),
    });
    const before = account.credentials.refreshToken;
    standIn.expireAccessTokens();
    const busy = new Busy();
    await busy.sync(account, calendarId);
    expect(busy.byId.size).toBe(1);
    expect(account.saves).toHaveLength(1);
    expect(account.saves[0]!.refreshToken).toBeTruthy();
    expect(account.saves[0]!.refreshToken).not.toBe(before);
  });

  it("a revoked grant is an auth error", async () => {
    const { email, account, calendarId } = await artist("revoked");
    standIn.revokeRefreshTokens(email);
    const err = await rejection(provider.syncEvents(env, account, calendarId, null, WINDOW));
    expect(err.errorClass).toBe("auth");
  });

  it("429 with Retry-After is rate_limit; 503 with Retry-After too; a bare 500 is transient", async () => {
    const { account, calendarId } = await artist("throttle");
    standIn.failNext(1, { status: 429, retryAfter: 7, match: "calendarView/delta" });
    const throttled = await rejection(provider.syncEvents(env, account, calendarId, null, WINDOW));
    expect(throttled).toMatchObject({ errorClass: "rate_limit", retryAfterMs: 7000 });

    standIn.failNext(1, { status: 503, retryAfter: 2, match: "/events" });
    const busy = await rejection(
      provider.createEvent(env, account, calendarId, {
        appointmentId: "a1",
        iCalUID: "tatu-a1@tatu.app",
        title: "T",
        start: new Date("2026-03-02T10:00:00Z"),
        end: new Date("2026-03-02T11:00:00Z"),
        timeZone: "UTC",
      }),
    );
    expect(busy).toMatchObject({ errorClass: "rate_limit", retryAfterMs: 2000 });

    standIn.failNext(1, { status: 500, match: "/me/calendars" });
    expect((await rejection(provider.listCalendars(env, account))).errorClass).toBe("transient");
  });
});
