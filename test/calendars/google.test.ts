// The Google Calendar provider through the real googleapis / google-auth-library SDKs against
// the Google stand-in's Calendar v3 (standins/google/calendar.ts), on the grant of a
// Gmail account connected with the real OAuth flow: first read + incremental sync with
// deletions, resumable page cursors, 410 → full resync, recurring series expanded with
// exceptions, all-day and DST-crossing events, writes keyed by iCalUID + Tatu's appointment
// id, token refresh and error classes.
import { describe, expect, it } from "vitest";
import { createGoogleCalendarProvider, googleCalendarProvider } from "../../service/providers/google-calendar/index.ts";
import type {
  CalendarCursor,
  CalendarEvent,
  CalendarProvider,
  CalendarSyncOptions,
  CalendarSyncPage,
  EventDraft,
} from "../../service/providers/kit/calendar.ts";
import { ProviderError } from "../../service/providers/kit/errors.ts";
import type { ProviderAccount } from "../../service/providers/kit/channel.ts";

import { connectMailbox, env, google, newAddress, useGoogleStandIn, type Connected } from "../helpers/google.ts";

const NY = "America/New_York";
/** A window around the 2026-03-08 DST change in New York. */
const WINDOW: CalendarSyncOptions = { from: new Date("2026-03-01T00:00:00Z"), until: new Date("2026-04-01T00:00:00Z") };

useGoogleStandIn("gcal");

/** A new mailbox with a primary calendar, connected through the Gmail flow (the calendar uses that grant). */
async function connectGoogle(name: string, opts: { timeZone?: string } = {}): Promise<Connected & { email: string }> {
  const email = newAddress(name);
  google.addMailbox(email);
  google.calendarAdd(email, { primary: true, timeZone: opts.timeZone ?? NY, summary: email });
  return { email, ...(await connectMailbox(email)) };
}

async function sync(
  account: ProviderAccount,
  cursor: CalendarCursor | null,
  opts: CalendarSyncOptions = WINDOW,
  provider: CalendarProvider = googleCalendarProvider,
  calendarId = "primary",
) {
  const pages: CalendarSyncPage[] = [];
  for await (const page of provider.syncEvents(env, account, calendarId, cursor, opts)) pages.push(page);
  return { pages, events: pages.flatMap((p) => p.events), cursor: pages.at(-1)?.cursor ?? cursor };
}

async function syncError(
  account: ProviderAccount,
  cursor: CalendarCursor | null = null,
  calendarId = "primary",
): Promise<ProviderError> {
  const err = await sync(account, cursor, WINDOW, googleCalendarProvider, calendarId).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

/** The user's calendar as the provider's pages describe it: latest state per externalId. */
function fold(state: Map<string, CalendarEvent>, pages: CalendarSyncPage[]): Map<string, CalendarEvent> {
  for (const p of pages) {
    if (p.fullResync) state.clear();
    for (const e of p.events) state.set(e.externalId, e);
  }
  return state;
}
const busy = (state: Map<string, CalendarEvent>) =>
  [...state.values()].filter((e) => e.status !== "cancelled" && !e.transparent);
const iso = (d: Date) => d.toISOString();
const timed = (start: string, end: string, tz = NY) => ({
  start: { dateTime: start, timeZone: tz },
  end: { dateTime: end, timeZone: tz },
});

describe("calendars", () => {
  it("lists the account's calendars with primary, zone and read-only flags", async () => {
    const { email, account } = await connectGoogle("list");
    const shop = google.calendarAdd(email, { summary: "Shop", timeZone: "Europe/Lisbon", accessRole: "writer" });
    const holidays = google.calendarAdd(email, { summary: "Holidays", accessRole: "reader" });
    const partner = google.calendarAdd(email, { summary: "Partner", accessRole: "freeBusyReader" });
    const cals = await googleCalendarProvider.listCalendars(env, account);
    const by = new Map(cals.map((c) => [c.externalId, c]));
    expect(by.get(email)).toEqual({ externalId: email, name: email, primary: true, timeZone: NY, readOnly: false });
    expect(by.get(shop)).toMatchObject({ name: "Shop", timeZone: "Europe/Lisbon", readOnly: false });
    expect(by.get(shop)?.primary).toBeUndefined();
    expect(by.get(holidays)?.readOnly).toBe(true);
    expect(by.get(partner)?.readOnly).toBe(true);
  });

  it("smoke: calendarList.list and events.list pass", async () => {
    const { account } = await connectGoogle("smoke");
    const res = await googleCalendarProvider.smoke(env, account);
    expect(res.ok).toBe(true);
    expect(res.checks.map((c) => c.name)).toEqual(["credentials", "calendarList.list", "events.list"]);
  });
});

describe("syncEvents", () => {
  it("reads the window page by page, then only changes — new, moved and deleted events", async () => {
    const { email, account } = await connectGoogle("sync");
    const a = google.calendarEvent(email, "primary", {
      summary: "Dentist",
      ...timed("2026-03-03T09:00:00-05:00", "2026-03-03T10:00:00-05:00"),
    });
    const b = google.calendarEvent(email, "primary", {
      summary: "Free lunch",
      transparency: "transparent",
      ...timed("2026-03-04T12:00:00-05:00", "2026-03-04T13:00:00-05:00"),
    });
    const c = google.calendarEvent(email, "primary", {
      summary: "Maybe",
      status: "tentative",
      ...timed("2026-03-05T15:00:00-05:00", "2026-03-05T16:00:00-05:00"),
    });
    const d = google.calendarEvent(email, "primary", {
      summary: "Gym",
      ...timed("2026-03-06T07:00:00-05:00", "2026-03-06T08:00:00-05:00"),
    });
    google.calendarEvent(email, "primary", {
      summary: "Outside the window",
      ...timed("2026-05-06T07:00:00-04:00", "2026-05-06T08:00:00-04:00"),
    });
    const small = createGoogleCalendarProvider({ pageSize: 2 });

    const first = await sync(account, null, WINDOW, small);
    expect(first.pages).toHaveLength(2);
    expect(first.pages.some((p) => p.fullResync)).toBe(false);
    expect(first.events.map((e) => e.externalId).sort()).toEqual([a.id, b.id, c.id, d.id].sort());
    const byId = new Map(first.events.map((e) => [e.externalId, e]));
    expect(byId.get(a.id)).toMatchObject({
      start: new Date("2026-03-03T14:00:00Z"),
      end: new Date("2026-03-03T15:00:00Z"),
      allDay: false,
      status: "confirmed",
      transparent: false,
      iCalUID: a.iCalUID,
      etag: a.etag,
    });
    expect(byId.get(a.id)?.title).toBeUndefined(); // not Tatu's event: busy time only
    expect(byId.get(b.id)?.transparent).toBe(true);
    expect(byId.get(c.id)?.status).toBe("tentative");

    // A crash after page 1: resuming from its cursor reads page 2 only — no gap, no re-read.
    const resumed = await sync(account, first.pages[0]!.cursor, WINDOW, small);
    expect(resumed.events.map((e) => e.externalId)).toEqual(first.pages[1]!.events.map((e) => e.externalId));
    expect(resumed.cursor).toMatchObject({ syncToken: expect.any(String) });

    // Nothing changed: an empty incremental page.
    const idle = await sync(account, first.cursor, WINDOW, small);
    expect(idle.events).toEqual([]);

    const e = google.calendarEvent(email, "primary", {
      summary: "New",
      ...timed("2026-03-10T11:00:00-04:00", "2026-03-10T12:00:00-04:00"),
    });
    google.calendarEvent(email, "primary", {
      id: a.id,
      ...timed("2026-03-03T11:00:00-05:00", "2026-03-03T12:00:00-05:00"),
    });
    google.calendarEvent(email, "primary", { id: d.id, deleted: true });
    const mark = google.requests().length;
    const inc = await sync(account, idle.cursor, WINDOW, small);
    const changes = new Map(inc.events.map((x) => [x.externalId, x]));
    expect([...changes.keys()].sort()).toEqual([a.id, d.id, e.id].sort());
    expect(changes.get(a.id)).toMatchObject({ start: new Date("2026-03-03T16:00:00Z"), status: "confirmed" });
    expect(changes.get(d.id)?.status).toBe("cancelled");
    expect(changes.get(e.id)?.start).toEqual(new Date("2026-03-10T15:00:00Z"));
    // Incremental reads go by sync token only (Google refuses timeMin/timeMax next to it).
    const incRequests = google
      .requests()
      .slice(mark)
      .filter((r) => r.path.includes("syncToken="));
    expect(incRequests.length).toBeGreaterThan(0);
    expect(incRequests.every((r) => !/timeMin|timeMax/.test(r.path) && r.status === 200)).toBe(true);

    const state = fold(new Map(), [...first.pages, ...idle.pages, ...inc.pages]);
    expect(
      busy(state)
        .map((x) => x.externalId)
        .sort(),
    ).toEqual([a.id, c.id, e.id].sort());
  });

  it("410 fullSyncRequired → a fullResync page that re-reads the window, then incremental again", async () => {
    const { email, account } = await connectGoogle("gone");
    const keep = google.calendarEvent(email, "primary", {
      summary: "Keep",
      ...timed("2026-03-03T09:00:00-05:00", "2026-03-03T10:00:00-05:00"),
    });
    const drop = google.calendarEvent(email, "primary", {
      summary: "Drop",
      ...timed("2026-03-04T09:00:00-05:00", "2026-03-04T10:00:00-05:00"),
    });
    const first = await sync(account, null);
    const state = fold(new Map(), first.pages);

    google.calendarEvent(email, "primary", { id: drop.id, deleted: true });
    const added = google.calendarEvent(email, "primary", {
      summary: "Added",
      ...timed("2026-03-05T09:00:00-05:00", "2026-03-05T10:00:00-05:00"),
    });
    google.expireSyncTokens(email);

    const mark = google.requests().length;
    const again = await sync(account, first.cursor);
    expect(again.pages[0]!.fullResync).toBe(true);
    expect(
      google
        .requests()
        .slice(mark)
        .map((r) => r.status),
    ).toEqual([410, 200]);
    fold(state, again.pages);
    expect(
      busy(state)
        .map((e) => e.externalId)
        .sort(),
    ).toEqual([keep.id, added.id].sort());

    google.calendarEvent(email, "primary", { id: keep.id, deleted: true });
    const next = await sync(account, again.cursor);
    expect(next.pages.some((p) => p.fullResync)).toBe(false);
    expect(next.events.map((e) => [e.externalId, e.status])).toEqual([[keep.id, "cancelled"]]);
  });

  it("reads the window again when the wanted window runs past the synced one", async () => {
    const { email, account } = await connectGoogle("drift");
    const series = google.calendarEvent(email, "primary", {
      summary: "Closed",
      recurrence: ["RRULE:FREQ=WEEKLY;BYDAY=SU"],
      ...timed("2026-03-01T00:00:00", "2026-03-01T23:59:00"),
    });
    const first = await sync(account, null);
    expect(first.events.every((e) => e.start < WINDOW.until)).toBe(true);
    const later = { from: WINDOW.from, until: new Date("2026-04-10T00:00:00Z") };
    const moved = await sync(account, first.cursor, later);
    expect(moved.pages[0]!.fullResync).toBe(true);
    expect(moved.events.map((e) => e.externalId)).toContain(`${series.id}_20260405T040000Z`);
  });
});

describe("times", () => {
  it("expands a weekly series in New York across the DST change, with exceptions", async () => {
    const { email, account } = await connectGoogle("weekly");
    // Mondays 10:00 New York, 6 times from 2026-03-02; EXDATE drops 03-16.
    const series = google.calendarEvent(email, "primary", {
      summary: "Class",
      recurrence: ["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=6", "EXDATE;TZID=America/New_York:20260316T100000"],
      ...timed("2026-03-02T10:00:00", "2026-03-02T11:30:00"),
    });
    // The user moves the 03-23 class to 14:00 and deletes the 03-30 one ("this event only").
    google.calendarEvent(email, "primary", {
      id: `${series.id}_20260323T140000Z`,
      ...timed("2026-03-23T14:00:00", "2026-03-23T15:30:00"),
    });
    google.calendarEvent(email, "primary", { id: `${series.id}_20260330T140000Z`, deleted: true });

    const { events, cursor } = await sync(account, null, {
      from: new Date("2026-02-01T00:00:00Z"),
      until: new Date("2026-05-01T00:00:00Z"),
    });
    const got = events.map((e) => [e.externalId, e.status, iso(e.start), iso(e.end)]);
    expect(got).toEqual([
      [`${series.id}_20260302T150000Z`, "confirmed", "2026-03-02T15:00:00.000Z", "2026-03-02T16:30:00.000Z"], // EST, UTC−5
      [`${series.id}_20260309T140000Z`, "confirmed", "2026-03-09T14:00:00.000Z", "2026-03-09T15:30:00.000Z"], // EDT, UTC−4
      [`${series.id}_20260316T140000Z`, "cancelled", expect.any(String), expect.any(String)],
      [`${series.id}_20260323T140000Z`, "confirmed", "2026-03-23T18:00:00.000Z", "2026-03-23T19:30:00.000Z"],
      [`${series.id}_20260330T140000Z`, "cancelled", expect.any(String), expect.any(String)],
      [`${series.id}_20260406T140000Z`, "confirmed", "2026-04-06T14:00:00.000Z", "2026-04-06T15:30:00.000Z"],
    ]);
    expect(new Set(events.filter((e) => e.status !== "cancelled").map((e) => e.iCalUID))).toEqual(
      new Set([series.iCalUID]),
    );

    // Deleting one more instance later arrives as that instance's tombstone only.
    google.calendarEvent(email, "primary", { id: `${series.id}_20260406T140000Z`, deleted: true });
    const inc = await sync(account, cursor);
    expect(inc.events.map((e) => [e.externalId, e.status])).toEqual([[`${series.id}_20260406T140000Z`, "cancelled"]]);

    // Moving the whole series to 11:00: the new instances arrive and the old ids are tombstoned.
    google.calendarEvent(email, "primary", { id: series.id, ...timed("2026-03-02T11:00:00", "2026-03-02T12:30:00") });
    const moved = fold(new Map(), [...(await sync(account, inc.cursor)).pages]);
    expect(moved.get(`${series.id}_20260302T150000Z`)?.status).toBe("cancelled");
    expect(moved.get(`${series.id}_20260309T150000Z`)).toMatchObject({
      status: "confirmed",
      start: new Date("2026-03-09T15:00:00Z"),
    });
  });

  it("a single event given as New York wall time on the DST day has the right instants", async () => {
    const { email, account } = await connectGoogle("dst");
    // 01:30 EST → 03:30 EDT is one hour, not two.
    const ev = google.calendarEvent(email, "primary", {
      summary: "Night",
      ...timed("2026-03-08T01:30:00", "2026-03-08T03:30:00"),
    });
    const { events } = await sync(account, null);
    expect(events).toEqual([
      expect.objectContaining({
        externalId: ev.id,
        start: new Date("2026-03-08T06:30:00Z"),
        end: new Date("2026-03-08T07:30:00Z"),
        allDay: false,
      }),
    ]);
  });

  it("all-day events start and end at the calendar's local midnight", async () => {
    const { email, account } = await connectGoogle("allday");
    const day = google.calendarEvent(email, "primary", {
      summary: "Convention",
      start: { date: "2026-03-07" },
      end: { date: "2026-03-09" },
    });
    const daily = google.calendarEvent(email, "primary", {
      summary: "Off",
      recurrence: ["RRULE:FREQ=DAILY;UNTIL=20260312"],
      start: { date: "2026-03-11" },
      end: { date: "2026-03-12" },
    });
    const { events } = await sync(account, null);
    const by = new Map(events.map((e) => [e.externalId, e]));
    // Two days across the DST change: 47 hours.
    expect(by.get(day.id)).toMatchObject({
      allDay: true,
      start: new Date("2026-03-07T05:00:00Z"),
      end: new Date("2026-03-09T04:00:00Z"),
    });
    expect([...by.keys()].filter((k) => k.startsWith(`${daily.id}_`)).sort()).toEqual([
      `${daily.id}_20260311`,
      `${daily.id}_20260312`,
    ]);
    expect(by.get(`${daily.id}_20260312`)).toMatchObject({
      allDay: true,
      start: new Date("2026-03-12T04:00:00Z"),
      end: new Date("2026-03-13T04:00:00Z"),
    });
  });
});

describe("writes", () => {
  const draft = (over: Partial<EventDraft> = {}): EventDraft => ({
    appointmentId: "appt-42",
    iCalUID: "tatu-appt-42@tatu.app",
    title: "Tattoo: Ana (sleeve)",
    description: "Booked in Tatu",
    start: new Date("2026-03-09T14:00:00Z"),
    end: new Date("2026-03-09T17:00:00Z"),
    timeZone: NY,
    location: "Studio",
    ...over,
  });

  it("create / update / delete round trip keeps Tatu's iCalUID and appointment id", async () => {
    const { email, account } = await connectGoogle("write");
    const first = await sync(account, null);

    const created = await googleCalendarProvider.createEvent(env, account, "primary", draft());
    expect(created).toMatchObject({
      externalId: expect.any(String),
      iCalUID: "tatu-appt-42@tatu.app",
      etag: expect.any(String),
    });
    const stored = google.calendarEvents(email, "primary");
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      id: created.externalId,
      iCalUID: "tatu-appt-42@tatu.app",
      summary: "Tattoo: Ana (sleeve)",
      start: { dateTime: "2026-03-09T10:00:00-04:00", timeZone: NY },
      end: { dateTime: "2026-03-09T13:00:00-04:00", timeZone: NY },
      extendedProperties: { private: { tatuAppointmentId: "appt-42" } },
    });

    // A retried create (crash before Tatu stored the id) finds the same event: no duplicate.
    const retried = await googleCalendarProvider.createEvent(env, account, "primary", draft());
    expect(retried.externalId).toBe(created.externalId);
    expect(google.calendarEvents(email, "primary")).toHaveLength(1);

    const s1 = await sync(account, first.cursor);
    expect(s1.events).toEqual([
      expect.objectContaining({
        externalId: created.externalId,
        iCalUID: "tatu-appt-42@tatu.app",
        tatuAppointmentId: "appt-42",
        title: "Tattoo: Ana (sleeve)",
        start: new Date("2026-03-09T14:00:00Z"),
        end: new Date("2026-03-09T17:00:00Z"),
        status: "confirmed",
        transparent: false,
      }),
    ]);

    const updated = await googleCalendarProvider.updateEvent(
      env,
      account,
      "primary",
      created.externalId,
      draft({
        title: "Tattoo: Ana (sleeve, session 2)",
        start: new Date("2026-03-10T15:00:00Z"),
        end: new Date("2026-03-10T18:00:00Z"),
      }),
    );
    expect(updated).toMatchObject({ externalId: created.externalId, iCalUID: "tatu-appt-42@tatu.app" });
    expect(updated.etag).not.toBe(created.etag);
    const s2 = await sync(account, s1.cursor);
    expect(s2.events).toEqual([
      expect.objectContaining({
        externalId: created.externalId,
        iCalUID: "tatu-appt-42@tatu.app",
        tatuAppointmentId: "appt-42",
        title: "Tattoo: Ana (sleeve, session 2)",
        start: new Date("2026-03-10T15:00:00Z"),
        end: new Date("2026-03-10T18:00:00Z"),
      }),
    ]);

    await googleCalendarProvider.deleteEvent(env, account, "primary", created.externalId);
    await googleCalendarProvider.deleteEvent(env, account, "primary", created.externalId); // already gone (410): fine
    await googleCalendarProvider.deleteEvent(env, account, "primary", "nosuchevent0000"); // unknown (404): fine
    const s3 = await sync(account, s2.cursor);
    expect(s3.events.map((e) => [e.externalId, e.status])).toEqual([[created.externalId, "cancelled"]]);

    // Creating the appointment again (un-cancelled) brings the same event back.
    const again = await googleCalendarProvider.createEvent(env, account, "primary", draft());
    expect(again.externalId).toBe(created.externalId);
    expect(google.calendarEvents(email, "primary")[0]?.status).toBe("confirmed");
  });

  it("writes to a read-only calendar fail as permanent", async () => {
    const { email, account } = await connectGoogle("readonly");
    const holidays = google.calendarAdd(email, { summary: "Holidays", accessRole: "reader" });
    const err = await googleCalendarProvider.createEvent(env, account, holidays, draft()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).errorClass).toBe("permanent");
  });
});

describe("auth and errors", () => {
  it("refreshes an access token Google stopped accepting and saves the new one first", async () => {
    const { email, account, saved } = await connectGoogle("refresh");
    const before = account.credentials.access_token;
    google.expireAccessTokens(email);
    await sync(account, null);
    expect(saved).toHaveLength(1);
    expect(saved[0]!.access_token).not.toBe(before);
    expect(saved[0]!.refresh_token).toBe(account.credentials.refresh_token);
    // The saved token is the one in use: the next call needs no refresh.
    await googleCalendarProvider.listCalendars(env, account);
    expect(saved).toHaveLength(1);
  });

  it("a revoked grant is an auth error", async () => {
    const { email, account } = await connectGoogle("revoked");
    google.revokeRefreshTokens(email);
    const err = await syncError(account);
    expect(err.errorClass).toBe("auth");
    expect(err.message).not.toMatch(/1\/\/|ya29/); // no tokens in messages
    const write = await googleCalendarProvider
      .createEvent(env, account, "primary", {
        appointmentId: "a",
        iCalUID: "tatu-a@tatu.app",
        title: "x",
        start: new Date("2026-03-09T14:00:00Z"),
        end: new Date("2026-03-09T15:00:00Z"),
        timeZone: NY,
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect((write as ProviderError).errorClass).toBe("auth");
  });

  it("429 → rate_limit with Retry-After; 403 userRateLimitExceeded → rate_limit; 5xx → transient; unknown calendar → permanent", async () => {
    const { account } = await connectGoogle("limits");
    google.failNext(1, { status: 429, retryAfter: 7, match: "/calendar/v3/" });
    const limited = await syncError(account);
    expect(limited).toMatchObject({ errorClass: "rate_limit", retryAfterMs: 7000, status: 429 });

    // google-auth-library answers any 403 with one token refresh + replay, so it takes two.
    google.failNext(2, { status: 403, match: "/calendar/v3/" });
    expect((await syncError(account)).errorClass).toBe("rate_limit");

    google.failNext(1, { status: 503, match: "/calendar/v3/" });
    expect((await syncError(account)).errorClass).toBe("transient");

    const missing = await syncError(account, null, "nope@group.calendar.google.com");
    expect(missing).toMatchObject({ errorClass: "permanent", status: 404 });

    // The fault was served once: the next read succeeds.
    expect((await sync(account, null)).pages.length).toBeGreaterThan(0);
  });
});
