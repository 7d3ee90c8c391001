// The Apple (iCloud) CalDAV calendar provider through tsdav against a real Radicale: connect
// with an Apple-style app password, calendars, events written by "another client" (raw .ics
// PUTs) read back at the right instants across DST in Berlin and New York, incremental sync
// (sync-collection, and the ctag/etag fallback giving the same answers), recurring series
// with EXDATE and overrides, all-day events, Tatu's own writes keeping UID and appointment id,
// rejected sync tokens → full resync, resumable pages, and error classes.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import ICAL from "ical.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caldavProvider, createCaldavProvider } from "../../service/providers/caldav/index.ts";
import { isPublicAddress } from "../../service/security/outbound/addresses.ts";
import { outboundGuard } from "../../service/security/outbound/guard.ts";
import { guardedFetch } from "../../service/providers/caldav/dav.ts";
import type {
  CalendarCredentialsConnect,
  CalendarCursor,
  CalendarEvent,
  CalendarProvider,
  CalendarSyncOptions,
  CalendarSyncPage,
  EventDraft,
} from "../../service/providers/kit/calendar.ts";
import { ProviderError } from "../../service/providers/kit/errors.ts";
import type { ProviderAccount, ProviderEnv } from "../../service/providers/kit/channel.ts";
import { loadConfig } from "../../service/config/load.ts";
import { createLogger } from "../../service/observability/logger.ts";
import { deadPort, freePort } from "../helpers/net.ts";
import { startCalDavPeer, type CalDavPeer } from "../../standins/peers/radicale.ts";

const connect = caldavProvider.connect as CalendarCredentialsConnect;
const fallback = createCaldavProvider({ syncCollection: false });
const WINDOW: CalendarSyncOptions = { from: new Date("2026-01-01T00:00:00Z"), until: new Date("2027-01-01T00:00:00Z") };

let peer: CalDavPeer;
let dataDir: string;
let env: ProviderEnv;

function envWith(overrides: Record<string, string> = {}): ProviderEnv {
  return {
    config: loadConfig({ NODE_ENV: "test", TATU_DATA_DIR: dataDir, ...peer.env(), ...overrides }),
    log: createLogger({ level: "silent" }),
  };
}

beforeAll(async () => {
  peer = await startCalDavPeer();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tatu-caldav-"));
  env = envWith();
});

afterAll(async () => {
  await peer?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

interface User {
  email: string;
  password: string;
  account: ProviderAccount;
  calendar: string;
}

let seq = 0;
/** A fresh Radicale user with one VEVENT calendar in Europe/Berlin (added while Radicale runs). */
async function newUser(name = "artist", password = randomBytes(8).toString("hex")): Promise<User> {
  const email = `${name}${++seq}@tatu.test`;
  await peer.addUser(email, password);
  const calendar = await peer.makeCalendar(email, password, "work", { displayName: "Work", timeZone: "Europe/Berlin" });
  const account: ProviderAccount = {
    id: `acc-${seq}`,
    userId: "user-1",
    externalId: email,
    address: email,
    credentials: { appleId: email, appPassword: password },
    saveCredentials: async () => {},
  };
  return { email, password, account, calendar };
}

async function collect(
  p: CalendarProvider,
  u: User,
  cursor: CalendarCursor | null,
  opts = WINDOW,
): Promise<{ pages: CalendarSyncPage[]; events: CalendarEvent[]; cursor: CalendarCursor }> {
  const pages: CalendarSyncPage[] = [];
  for await (const page of p.syncEvents(env, u.account, u.calendar, cursor, opts)) pages.push(page);
  return { pages, events: pages.flatMap((x) => x.events), cursor: pages.at(-1)!.cursor };
}

const BERLIN_VTIMEZONE = `BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
DTSTART:19810329T020000
TZNAME:CEST
TZOFFSETTO:+0200
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
DTSTART:19961027T030000
TZNAME:CET
TZOFFSETTO:+0100
END:STANDARD
END:VTIMEZONE`;

const NEW_YORK_VTIMEZONE = `BEGIN:VTIMEZONE
TZID:America/New_York
BEGIN:DAYLIGHT
TZOFFSETFROM:-0500
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
DTSTART:20070311T020000
TZNAME:EDT
TZOFFSETTO:-0400
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:-0400
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
DTSTART:20071104T020000
TZNAME:EST
TZOFFSETTO:-0500
END:STANDARD
END:VTIMEZONE`;

/** What Outlook writes: a Windows zone name, defined only by its VTIMEZONE. */
const WINDOWS_BERLIN_VTIMEZONE = BERLIN_VTIMEZONE.replace("TZID:Europe/Berlin", "TZID:W. Europe Standard Time");

/** A calendar object as Apple Calendar / Thunderbird would PUT it. */
function ics(vevents: string[], timezones: string[] = [BERLIN_VTIMEZONE]): string {
  return [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//Apple Inc.//macOS 14.4//EN",
    "CALSCALE:GREGORIAN",
    ...timezones,
    ...vevents,
    "END:VCALENDAR",
    "",
  ]
    .join("\n")
    .replace(/\n/g, "\r\n");
}

function vevent(uid: string, lines: string[]): string {
  return [
    "BEGIN:VEVENT",
    `UID:${uid}`,
    "DTSTAMP:20260101T000000Z",
    "SUMMARY:Dentist (private)",
    ...lines,
    "END:VEVENT",
  ].join("\n");
}

async function put(u: User, uid: string, body: string): Promise<string> {
  const url = new URL(`${uid}.ics`, u.calendar).href;
  await peer.putIcs(u.email, u.password, url, body);
  return new URL(url).pathname;
}

function byId(events: CalendarEvent[]): Map<string, CalendarEvent> {
  return new Map(events.map((e) => [e.externalId, e]));
}

function draft(over: Partial<EventDraft> = {}): EventDraft {
  const appointmentId = over.appointmentId ?? `appt-${randomBytes(4).toString("hex")}`;
  return {
    appointmentId,
    iCalUID: `tatu-${appointmentId}@tatu.app`,
    title: "Tattoo session — Kim",
    description: "Forearm piece, session 2",
    start: new Date("2026-11-01T15:00:00Z"),
    end: new Date("2026-11-01T18:00:00Z"),
    timeZone: "America/New_York",
    location: "Studio 5",
    ...over,
  };
}

describe("connect", () => {
  it("signs in with an Apple-style app password typed with spaces and lists the VEVENT calendars", async () => {
    const email = `connect${++seq}@tatu.test`;
    await peer.addUser(email, "abcd-efgh-ijkl-mnop");
    await peer.makeCalendar(email, "abcd-efgh-ijkl-mnop", "home", {
      displayName: "Home",
      timeZone: "America/New_York",
    });
    await peer.makeCalendar(email, "abcd-efgh-ijkl-mnop", "reminders", {
      displayName: "Reminders",
      components: ["VTODO"],
    });
    const input = connect.schema.parse({ appleId: `  ${email.toUpperCase()} `, appPassword: "abcd efgh ijkl mnop" });
    const acc = await connect.connect(env, input);
    expect(acc).toEqual({
      externalId: `${peer.url}${encodeURIComponent(email)}/`,
      address: email,
      credentials: { appleId: email, appPassword: "abcd-efgh-ijkl-mnop", serverUrl: peer.url },
      scopes: [],
    });

    const account: ProviderAccount = {
      id: "a",
      userId: "u",
      externalId: acc.externalId,
      address: acc.address,
      credentials: acc.credentials,
      saveCredentials: async () => {},
    };
    const calendars = await caldavProvider.listCalendars(env, account);
    expect(calendars).toEqual([
      {
        externalId: `${peer.url}${encodeURIComponent(email)}/home/`,
        name: "Home",
        timeZone: "America/New_York",
        readOnly: false,
      },
    ]);

    const smoke = await caldavProvider.smoke(env, account);
    expect(smoke.ok).toBe(true);
    expect(smoke.checks.map((c) => c.name)).toEqual(["caldav login", "caldav calendars"]);
  });

  it("rejects a wrong password as auth/CALDAV_AUTH_FAILED without echoing it", async () => {
    const u = await newUser();
    const err = (await connect
      .connect(env, connect.schema.parse({ appleId: u.email, appPassword: "wrong-password-123" }))
      .catch((e) => e)) as ProviderError;
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ errorClass: "auth", code: "CALDAV_AUTH_FAILED" });
    expect(err.message).not.toContain("wrong-password-123");

    const bad = { ...u.account, credentials: { ...u.account.credentials, appPassword: "changed-since" } };
    const syncErr = await collect(caldavProvider, { ...u, account: bad }, null).catch((e) => e);
    expect(syncErr).toMatchObject({ errorClass: "auth", code: "CALDAV_AUTH_FAILED", status: 401 });
    const smoke = await caldavProvider.smoke(env, bad);
    expect(smoke).toEqual({
      ok: false,
      checks: [{ name: "caldav login", ok: false, detail: expect.stringContaining("CALDAV_AUTH_FAILED") }],
    });
  });

  it("reports an unreachable server as transient/CALDAV_UNREACHABLE", async () => {
    const dead = `http://127.0.0.1:${await deadPort()}/`;
    const lan = envWith({ CALDAV_ALLOW_PRIVATE_SERVERS: "true" }); // a loopback server is only allowed so
    const err = await connect
      .connect(lan, connect.schema.parse({ appleId: "someone@tatu.test", appPassword: "x", serverUrl: dead }))
      .catch((e) => e);
    expect(err).toMatchObject({ errorClass: "transient", code: "CALDAV_UNREACHABLE" });
  });

  it("refuses servers a user may not point Tatu at (private, loopback, plain http) before sending them anything", async () => {
    let hits = 0;
    const port = await freePort();
    const internal = http.createServer((req, res) => {
      hits++;
      req.resume();
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => internal.listen(port, "127.0.0.1", r));
    try {
      const form = (serverUrl: string) =>
        connect.schema.parse({ appleId: "someone@tatu.test", appPassword: "abcd-efgh-ijkl-mnop", serverUrl });
      for (const serverUrl of [
        `http://127.0.0.1:${port}/`,
        `https://localhost:${port}/`,
        "https://169.254.169.254/latest/",
        "https://[::1]/",
        "https://10.0.0.7/",
        "http://caldav.example.com/",
      ]) {
        const err = await connect.connect(env, form(serverUrl)).catch((e) => e);
        expect(err, serverUrl).toMatchObject({ errorClass: "permanent", code: "CALDAV_SERVER_NOT_ALLOWED" });
        expect(err.message).toMatch(/public https address/);
      }
      expect(hits).toBe(0);
      // The operator's own server (CALDAV_SERVER_URL: the Radicale here) is always allowed, and a
      // self-hosted install may open private servers up.
      const u = await newUser();
      expect(
        await connect.connect(
          env,
          connect.schema.parse({ appleId: u.email, appPassword: u.password, serverUrl: peer.url }),
        ),
      ).toMatchObject({ address: u.email });
      await connect
        .connect(envWith({ CALDAV_ALLOW_PRIVATE_SERVERS: "true" }), form(`http://127.0.0.1:${port}/`))
        .catch(() => undefined);
      expect(hits).toBeGreaterThan(0);
    } finally {
      await new Promise((r) => internal.close(r));
    }
  });

  it("tells public addresses from private, loopback, link-local and documentation ones", () => {
    for (const a of ["17.253.144.10", "8.8.8.8", "2606:4700:4700::1111"]) expect(isPublicAddress(a), a).toBe(true);
    for (const a of [
      "127.0.0.1",
      "10.1.2.3",
      "172.20.0.1",
      "192.168.1.10",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "::1",
      "fd00::1",
      "fe80::1",
      "::ffff:127.0.0.1",
      "::ffff:10.0.0.1",
      "not-an-ip",
    ])
      expect(isPublicAddress(a), a).toBe(false);
  });

  it("validates the form", () => {
    expect(connect.schema.safeParse({ appleId: "not-an-email", appPassword: "x" }).success).toBe(false);
    expect(
      connect.schema.safeParse({ appleId: "a@b.test", appPassword: "x", serverUrl: "ftp://example.com" }).success,
    ).toBe(false);
    expect(connect.schema.safeParse({ appleId: "a@b.test", appPassword: "   " }).success).toBe(false);
    // Another CalDAV server's password is used exactly as typed.
    expect(
      (connect.schema.parse({ appleId: "a@b.test", appPassword: "cal pass-123" }) as { appPassword: string })
        .appPassword,
    ).toBe("cal pass-123");
  });
});

describe("reading events written by other clients", () => {
  it("returns the right UTC instants across DST in Berlin and New York, floating and Windows-zoned times", async () => {
    const u = await newUser();
    // Sat 22:00 CET → Sun 04:00 CEST: six wall-clock hours, five real ones.
    const berlin = await put(
      u,
      "berlin-night",
      ics([
        vevent("berlin-night", [
          "DTSTART;TZID=Europe/Berlin:20260328T220000",
          "DTEND;TZID=Europe/Berlin:20260329T040000",
        ]),
      ]),
    );
    // Sat 23:00 EDT → Sun 03:00 EST: four wall-clock hours, five real ones.
    const ny = await put(
      u,
      "ny-night",
      ics(
        [
          vevent("ny-night", [
            "DTSTART;TZID=America/New_York:20261031T230000",
            "DTEND;TZID=America/New_York:20261101T030000",
          ]),
        ],
        [NEW_YORK_VTIMEZONE],
      ),
    );
    const windows = await put(
      u,
      "outlook",
      ics(
        [
          vevent("outlook", [
            "DTSTART;TZID=W. Europe Standard Time:20260330T100000",
            "DTEND;TZID=W. Europe Standard Time:20260330T113000",
          ]),
        ],
        [WINDOWS_BERLIN_VTIMEZONE],
      ),
    );
    // Floating time: the calendar's zone (Europe/Berlin, summer).
    const floating = await put(
      u,
      "floating",
      ics([vevent("floating", ["DTSTART:20260701T090000", "DURATION:PT2H"])], []),
    );
    const utc = await put(
      u,
      "utc",
      ics(
        [
          vevent("utc", [
            "DTSTART:20260501T120000Z",
            "DTEND:20260501T130000Z",
            "TRANSP:TRANSPARENT",
            "STATUS:TENTATIVE",
          ]),
        ],
        [],
      ),
    );

    const { events } = await collect(caldavProvider, u, null);
    const got = byId(events);
    expect(events).toHaveLength(5);
    expect(got.get(berlin)).toEqual({
      externalId: berlin,
      iCalUID: "berlin-night",
      start: new Date("2026-03-28T21:00:00Z"),
      end: new Date("2026-03-29T02:00:00Z"),
      allDay: false,
      status: "confirmed",
      transparent: false,
      etag: expect.any(String),
    });
    expect(got.get(ny)).toMatchObject({
      iCalUID: "ny-night",
      start: new Date("2026-11-01T03:00:00Z"),
      end: new Date("2026-11-01T08:00:00Z"),
      allDay: false,
    });
    expect(got.get(windows)).toMatchObject({
      start: new Date("2026-03-30T08:00:00Z"),
      end: new Date("2026-03-30T09:30:00Z"),
    });
    expect(got.get(floating)).toMatchObject({
      start: new Date("2026-07-01T07:00:00Z"),
      end: new Date("2026-07-01T09:00:00Z"),
    });
    expect(got.get(utc)).toMatchObject({
      start: new Date("2026-05-01T12:00:00Z"),
      transparent: true,
      status: "tentative",
    });
    // Other people's titles are not kept.
    expect(events.every((e) => e.title === undefined && e.tatuAppointmentId === undefined)).toBe(true);
  });

  it("reads IANA zones from tzdata when a client ships an outdated VTIMEZONE", async () => {
    const u = await newUser();
    // New York's rules before 2007 (DST from the first Sunday of April), as old clients still write them.
    const outdated = NEW_YORK_VTIMEZONE.replace(
      "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\nDTSTART:20070311T020000",
      "RRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=1SU\nDTSTART:19870405T020000",
    ).replace(
      "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\nDTSTART:20071104T020000",
      "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\nDTSTART:19671029T020000",
    );
    expect(outdated).toContain("BYMONTH=4");
    const href = await put(
      u,
      "march",
      ics(
        [
          vevent("march", [
            "DTSTART;TZID=America/New_York:20260320T120000",
            "DTEND;TZID=America/New_York:20260320T130000",
          ]),
        ],
        [outdated],
      ),
    );
    const got = byId((await collect(caldavProvider, u, null)).events);
    // 20 March 2026 is daylight time in New York (since 8 March): 12:00 EDT = 16:00Z.
    expect(got.get(href)).toMatchObject({
      start: new Date("2026-03-20T16:00:00Z"),
      end: new Date("2026-03-20T17:00:00Z"),
    });
  });

  it("reads all-day events at the calendar's local midnights, and cancelled ones as cancelled", async () => {
    const u = await newUser();
    const day = await put(
      u,
      "holiday",
      ics([vevent("holiday", ["DTSTART;VALUE=DATE:20260704", "DTEND;VALUE=DATE:20260706", "TRANSP:TRANSPARENT"])], []),
    );
    const noEnd = await put(u, "one-day", ics([vevent("one-day", ["DTSTART;VALUE=DATE:20261225"])], []));
    const cancelled = await put(
      u,
      "called-off",
      ics([
        vevent("called-off", [
          "DTSTART;TZID=Europe/Berlin:20260610T100000",
          "DTEND;TZID=Europe/Berlin:20260610T110000",
          "STATUS:CANCELLED",
        ]),
      ]),
    );
    const got = byId((await collect(caldavProvider, u, null)).events);
    expect(got.get(day)).toMatchObject({
      allDay: true,
      start: new Date("2026-07-03T22:00:00Z"),
      end: new Date("2026-07-05T22:00:00Z"),
      transparent: true,
    });
    expect(got.get(noEnd)).toMatchObject({
      allDay: true,
      start: new Date("2026-12-24T23:00:00Z"),
      end: new Date("2026-12-25T23:00:00Z"),
    });
    expect(got.get(cancelled)).toMatchObject({ status: "cancelled", start: new Date("2026-06-10T08:00:00Z") });
  });

  it("expands a weekly series with an EXDATE, a moved and a cancelled instance, and follows its changes", async () => {
    const u = await newUser();
    const href = `${new URL(u.calendar).pathname}weekly.ics`;
    const master = (extra: string[] = []) =>
      vevent("weekly", [
        "DTSTART;TZID=Europe/Berlin:20260319T100000",
        "DTEND;TZID=Europe/Berlin:20260319T110000",
        "RRULE:FREQ=WEEKLY;COUNT=8",
        "EXDATE;TZID=Europe/Berlin:20260409T100000",
        ...extra,
      ]);
    const moved = vevent("weekly", [
      "RECURRENCE-ID;TZID=Europe/Berlin:20260402T100000",
      "DTSTART;TZID=Europe/Berlin:20260402T150000",
      "DTEND;TZID=Europe/Berlin:20260402T170000",
    ]);
    const off = vevent("weekly", [
      "RECURRENCE-ID;TZID=Europe/Berlin:20260423T100000",
      "DTSTART;TZID=Europe/Berlin:20260423T100000",
      "DTEND;TZID=Europe/Berlin:20260423T110000",
      "STATUS:CANCELLED",
    ]);
    await put(u, "weekly", ics([master(), moved, off]));

    const first = await collect(caldavProvider, u, null);
    const ids = (ts: string[]) => ts.map((t) => `${href}#${t}`);
    expect(first.events.map((e) => e.externalId)).toEqual(
      ids([
        "20260319T090000Z",
        "20260326T090000Z",
        "20260402T080000Z",
        "20260416T080000Z",
        "20260423T080000Z",
        "20260430T080000Z",
        "20260507T080000Z",
      ]),
    );
    const got = byId(first.events);
    expect(got.get(`${href}#20260326T090000Z`)).toMatchObject({
      start: new Date("2026-03-26T09:00:00Z"),
      end: new Date("2026-03-26T10:00:00Z"),
      iCalUID: "weekly",
      status: "confirmed",
    });
    expect(got.get(`${href}#20260402T080000Z`)).toMatchObject({
      start: new Date("2026-04-02T13:00:00Z"),
      end: new Date("2026-04-02T15:00:00Z"),
    });
    expect(got.get(`${href}#20260416T080000Z`)).toMatchObject({
      start: new Date("2026-04-16T08:00:00Z"),
      end: new Date("2026-04-16T09:00:00Z"),
    });
    expect(got.get(`${href}#20260423T080000Z`)).toMatchObject({ status: "cancelled" });

    // Only instances inside the window are expanded.
    const narrow = await collect(caldavProvider, u, null, {
      from: new Date("2026-04-10T00:00:00Z"),
      until: new Date("2026-04-20T00:00:00Z"),
    });
    expect(narrow.events.map((e) => e.externalId)).toEqual(ids(["20260416T080000Z"]));

    // Another client drops 30 April: that instance becomes a tombstone, the rest stay.
    await put(u, "weekly", ics([master(["EXDATE;TZID=Europe/Berlin:20260430T100000"]), moved, off]));
    const second = await collect(caldavProvider, u, first.cursor);
    const cancelledNow = second.events
      .filter((e) => e.status === "cancelled")
      .map((e) => e.externalId)
      .sort();
    expect(cancelledNow).toEqual(ids(["20260423T080000Z", "20260430T080000Z"]));
    expect(second.events.filter((e) => e.status !== "cancelled")).toHaveLength(5);

    // Deleting the series: a tombstone for every instance we reported.
    await peer.request(u.email, u.password, "DELETE", href);
    const third = await collect(caldavProvider, u, second.cursor);
    expect(third.events.map((e) => e.externalId).sort()).toEqual(
      ids([
        "20260319T090000Z",
        "20260326T090000Z",
        "20260402T080000Z",
        "20260416T080000Z",
        "20260423T080000Z",
        "20260507T080000Z",
      ]).sort(),
    );
    expect(third.events.every((e) => e.status === "cancelled")).toBe(true);
  });
});

/** The same change history, synced by one provider; what a consumer ends up seeing at each step. */
async function changeHistory(p: CalendarProvider): Promise<{
  steps: Array<Array<Pick<CalendarEvent, "externalId" | "status" | "start" | "end">>>;
  cursors: CalendarCursor[];
}> {
  const u = await newUser();
  const keep = await put(
    u,
    "keep",
    ics([vevent("keep", ["DTSTART;TZID=Europe/Berlin:20260505T100000", "DTEND;TZID=Europe/Berlin:20260505T120000"])]),
  );
  const change = await put(
    u,
    "change",
    ics([vevent("change", ["DTSTART;TZID=Europe/Berlin:20260506T100000", "DTEND;TZID=Europe/Berlin:20260506T120000"])]),
  );
  const gone = await put(
    u,
    "gone",
    ics([vevent("gone", ["DTSTART;TZID=Europe/Berlin:20260507T100000", "DTEND;TZID=Europe/Berlin:20260507T120000"])]),
  );
  // An event long past the window's start is not read at first…
  const old = await put(
    u,
    "old",
    ics([vevent("old", ["DTSTART;TZID=Europe/Berlin:20250101T100000", "DTEND;TZID=Europe/Berlin:20250101T120000"])]),
  );
  const simplify = (es: CalendarEvent[]) =>
    es
      .map(({ externalId, status, start, end }) => ({ externalId, status, start, end }))
      .sort((a, b) => a.externalId.localeCompare(b.externalId));
  const steps = [];
  const cursors = [];

  let r = await collect(p, u, null);
  steps.push(simplify(r.events));
  cursors.push(r.cursor);

  await put(
    u,
    "added",
    ics([vevent("added", ["DTSTART;TZID=Europe/Berlin:20260508T100000", "DTEND;TZID=Europe/Berlin:20260508T120000"])]),
  );
  await put(
    u,
    "change",
    ics([vevent("change", ["DTSTART;TZID=Europe/Berlin:20260506T140000", "DTEND;TZID=Europe/Berlin:20260506T150000"])]),
  );
  await peer.request(u.email, u.password, "DELETE", gone);
  // …but moving it into the window is a change like any other.
  await put(
    u,
    "old",
    ics([vevent("old", ["DTSTART;TZID=Europe/Berlin:20260509T100000", "DTEND;TZID=Europe/Berlin:20260509T120000"])]),
  );
  r = await collect(p, u, r.cursor);
  steps.push(simplify(r.events));
  cursors.push(r.cursor);

  // Nothing changed: nothing reported.
  r = await collect(p, u, r.cursor);
  steps.push(simplify(r.events));
  cursors.push(r.cursor);
  void keep;
  void change;
  void old;
  return { steps, cursors };
}

describe("incremental sync", () => {
  let viaSyncCollection: Awaited<ReturnType<typeof changeHistory>>;
  let viaEtags: Awaited<ReturnType<typeof changeHistory>>;

  beforeAll(async () => {
    viaSyncCollection = await changeHistory(caldavProvider);
    viaEtags = await changeHistory(fallback);
  });

  it("picks up added, modified and deleted events (sync-collection)", () => {
    const [first, second, third] = viaSyncCollection.steps;
    const name = (id: string) => id.split("/").pop();
    expect(first!.map((e) => name(e.externalId))).toEqual(["change.ics", "gone.ics", "keep.ics"]);
    expect(second!.map((e) => [name(e.externalId), e.status, e.start.toISOString()])).toEqual([
      ["added.ics", "confirmed", "2026-05-08T08:00:00.000Z"],
      ["change.ics", "confirmed", "2026-05-06T12:00:00.000Z"],
      ["gone.ics", "cancelled", "1970-01-01T00:00:00.000Z"],
      ["old.ics", "confirmed", "2026-05-09T08:00:00.000Z"],
    ]);
    expect(third).toEqual([]);
    expect(viaSyncCollection.cursors.every((c) => c.mode === "sync" && typeof c.syncToken === "string")).toBe(true);
  });

  it("the ctag/etag fallback gives the same answers", () => {
    const strip = (steps: typeof viaEtags.steps) =>
      steps.map((s) => s.map((e) => ({ ...e, externalId: e.externalId.split("/").pop() })));
    expect(strip(viaEtags.steps)).toEqual(strip(viaSyncCollection.steps));
    expect(
      viaEtags.cursors.every((c) => c.mode === "etag" && typeof c.ctag === "string" && c.syncToken === undefined),
    ).toBe(true);
    // The fallback knows every member by etag, including the one outside the first window.
    expect(
      Object.keys(viaEtags.cursors[0]!.etags as object)
        .map((h) => h.split("/").pop())
        .sort(),
    ).toEqual(["change.ics", "gone.ics", "keep.ics", "old.ics"]);
  });

  it("answers a rejected sync token with a full resync, then continues incrementally", async () => {
    const u = await newUser();
    await put(
      u,
      "a",
      ics([vevent("a", ["DTSTART;TZID=Europe/Berlin:20260601T100000", "DTEND;TZID=Europe/Berlin:20260601T110000"])]),
    );
    const first = await collect(caldavProvider, u, null);
    expect(first.pages[0]!.fullResync).toBeUndefined();

    const forgotten = {
      ...first.cursor,
      syncToken: "http://radicale.org/ns/sync/0000000000000000000000000000000000000000000000000000000000000000",
    };
    const again = await collect(caldavProvider, u, forgotten);
    expect(again.pages[0]!.fullResync).toBe(true);
    expect(again.events.map((e) => e.externalId.split("/").pop())).toEqual(["a.ics"]);
    expect(again.cursor.syncToken).not.toBe(forgotten.syncToken);

    await put(
      u,
      "b",
      ics([vevent("b", ["DTSTART;TZID=Europe/Berlin:20260602T100000", "DTEND;TZID=Europe/Berlin:20260602T110000"])]),
    );
    const next = await collect(caldavProvider, u, again.cursor);
    expect(next.pages.some((p) => p.fullResync)).toBe(false);
    expect(next.events.map((e) => e.externalId.split("/").pop())).toEqual(["b.ics"]);

    // An unreadable cursor is treated the same way.
    const garbage = await collect(caldavProvider, u, { nonsense: true });
    expect(garbage.pages[0]!.fullResync).toBe(true);
    expect(garbage.events).toHaveLength(2);
  });

  it.each([
    ["sync-collection", true],
    ["ctag/etag", false],
  ] as const)("pages are resumable mid-way (%s)", async (_mode, syncCollection) => {
    const p = createCaldavProvider({ syncCollection, pageSize: 2 });
    const u = await newUser();
    const base = await collect(p, u, null);
    for (let i = 1; i <= 5; i++)
      await put(
        u,
        `e${i}`,
        ics([
          vevent(`e${i}`, [
            `DTSTART;TZID=Europe/Berlin:2026070${i}T100000`,
            `DTEND;TZID=Europe/Berlin:2026070${i}T110000`,
          ]),
        ]),
      );

    const pages: CalendarSyncPage[] = [];
    for await (const page of p.syncEvents(env, u.account, u.calendar, base.cursor, WINDOW)) pages.push(page);
    expect(pages.map((x) => x.events.length)).toEqual([2, 2, 1]);

    // A crash after the first page: the rest comes from that page's cursor, nothing twice.
    const resumed = await collect(p, u, pages[0]!.cursor);
    const name = (e: CalendarEvent) => e.externalId.split("/").pop();
    expect([...pages[0]!.events, ...resumed.events].map(name).sort()).toEqual([
      "e1.ics",
      "e2.ics",
      "e3.ics",
      "e4.ics",
      "e5.ics",
    ]);
    expect(resumed.cursor).toEqual(pages.at(-1)!.cursor);
    expect((await collect(p, u, resumed.cursor)).events).toEqual([]);
  });
});

describe("Tatu's own events", () => {
  it("creates, updates and deletes an appointment, keeping its UID and X-TATU-APPOINTMENT-ID", async () => {
    const u = await newUser();
    const d = draft();
    const before = await collect(caldavProvider, u, null);

    const created = await caldavProvider.createEvent(env, u.account, u.calendar, d);
    expect(created.externalId).toBe(`${new URL(u.calendar).pathname}${encodeURIComponent(d.iCalUID)}.ics`);
    expect(created.iCalUID).toBe(d.iCalUID);
    expect(created.etag).toMatch(/^".+"$/);

    // What other clients get: the artist's local time with its VTIMEZONE.
    const raw = await peer.request(u.email, u.password, "GET", created.externalId);
    expect(raw.status).toBe(200);
    expect(raw.body).toContain(`UID:${d.iCalUID}`);
    expect(raw.body).toContain(`X-TATU-APPOINTMENT-ID:${d.appointmentId}`);
    expect(raw.body).toContain("DTSTART;TZID=America/New_York:20261101T100000");
    expect(raw.body).toContain("BEGIN:VTIMEZONE\r\nTZID:America/New_York");

    const afterCreate = await collect(caldavProvider, u, before.cursor);
    expect(afterCreate.events).toEqual([
      {
        externalId: created.externalId,
        iCalUID: d.iCalUID,
        start: d.start,
        end: d.end,
        allDay: false,
        status: "confirmed",
        transparent: false,
        tatuAppointmentId: d.appointmentId,
        title: d.title,
        etag: created.etag,
      },
    ]);

    // A retried create (lost answer) is not a second event.
    const again = await caldavProvider.createEvent(env, u.account, u.calendar, d);
    expect(again.externalId).toBe(created.externalId);

    const moved = {
      ...d,
      start: new Date("2026-11-02T16:00:00Z"),
      end: new Date("2026-11-02T17:30:00Z"),
      title: "Tattoo session — Kim (moved)",
    };
    const updated = await caldavProvider.updateEvent(env, u.account, u.calendar, created.externalId, moved);
    expect(updated).toMatchObject({ externalId: created.externalId, iCalUID: d.iCalUID });
    expect(updated.etag).not.toBe(created.etag);
    const afterUpdate = await collect(caldavProvider, u, afterCreate.cursor);
    expect(afterUpdate.events).toEqual([
      expect.objectContaining({
        externalId: created.externalId,
        iCalUID: d.iCalUID,
        tatuAppointmentId: d.appointmentId,
        start: moved.start,
        end: moved.end,
        title: moved.title,
      }),
    ]);
    const rawUpdated = (await peer.request(u.email, u.password, "GET", created.externalId)).body;
    expect(rawUpdated).toMatch(/SEQUENCE:[2-9]/);

    await caldavProvider.deleteEvent(env, u.account, u.calendar, created.externalId);
    await caldavProvider.deleteEvent(env, u.account, u.calendar, created.externalId); // already gone: fine
    const afterDelete = await collect(caldavProvider, u, afterUpdate.cursor);
    expect(afterDelete.events).toEqual([
      expect.objectContaining({ externalId: created.externalId, status: "cancelled" }),
    ]);

    const err = await caldavProvider.updateEvent(env, u.account, u.calendar, created.externalId, moved).catch((e) => e);
    expect(err).toMatchObject({ errorClass: "permanent", code: "CALDAV_NOT_FOUND" });
  });

  it("writes a VTIMEZONE that gives other clients the same instants (Berlin across 29 March)", async () => {
    const u = await newUser();
    const d = draft({
      timeZone: "Europe/Berlin",
      start: new Date("2026-03-28T21:30:00Z"),
      end: new Date("2026-03-29T01:30:00Z"),
    });
    const created = await caldavProvider.createEvent(env, u.account, u.calendar, d);
    const raw = (await peer.request(u.email, u.password, "GET", created.externalId)).body;
    expect(raw).toContain("DTSTART;TZID=Europe/Berlin:20260328T223000");
    expect(raw).toContain("DTEND;TZID=Europe/Berlin:20260329T033000");
    // Read with nothing but the VTIMEZONE we wrote (as a client without tzdata would).
    const root = new ICAL.Component(ICAL.parse(raw.replace(/Europe\/Berlin/g, "Tatu Test Zone")));
    const ev = new ICAL.Event(root.getFirstSubcomponent("vevent")!);
    expect(ev.startDate.toJSDate()).toEqual(d.start);
    expect(ev.endDate.toJSDate()).toEqual(d.end);
  });
});

describe("error classes from real answers", () => {
  /** A server that answers every request with one status (what iCloud does when throttling or down). */
  async function answering(
    status: number,
    headers: Record<string, string> = {},
  ): Promise<{ url: string; close(): Promise<void> }> {
    const port = await freePort();
    const server = http.createServer((req, res) => {
      req.resume();
      res.writeHead(status, headers).end();
    });
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
    return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.close(() => r())) };
  }

  /** These throwaway servers sit on loopback: only an install that allows private servers may sync them. */
  async function syncAgainst(serverUrl: string): Promise<unknown> {
    const account: ProviderAccount = {
      id: "x",
      userId: "u",
      externalId: "x",
      address: "a@b.test",
      credentials: { appleId: "a@b.test", appPassword: "p", serverUrl },
      saveCredentials: async () => {},
    };
    const lan = envWith({ CALDAV_ALLOW_PRIVATE_SERVERS: "true" });
    try {
      for await (const _ of caldavProvider.syncEvents(lan, account, `${serverUrl}a%40b.test/work/`, null, WINDOW)) {
        /* drain */
      }
      return undefined;
    } catch (err) {
      return err;
    }
  }

  it.each([
    [429, { "retry-after": "7" }, { errorClass: "rate_limit", code: "CALDAV_RATE_LIMITED", retryAfterMs: 7000 }],
    [503, { "retry-after": "120" }, { errorClass: "rate_limit", retryAfterMs: 120_000 }],
    [503, {}, { errorClass: "transient", code: "CALDAV_UNREACHABLE" }],
    [500, {}, { errorClass: "transient", code: "CALDAV_UNREACHABLE" }],
    [403, {}, { errorClass: "auth", code: "CALDAV_AUTH_FAILED" }],
    [404, {}, { errorClass: "permanent", code: "CALDAV_NOT_FOUND" }],
  ])("HTTP %i %j → %j", async (status, headers, expected) => {
    const s = await answering(status, headers);
    try {
      const err = await syncAgainst(s.url);
      expect(err).toBeInstanceOf(ProviderError);
      expect(err).toMatchObject(expected);
    } finally {
      await s.close();
    }
  });

  it("a refused connection during sync is transient", async () => {
    const err = await syncAgainst(`http://127.0.0.1:${await deadPort()}/`);
    expect(err).toMatchObject({ errorClass: "transient", code: "CALDAV_UNREACHABLE" });
  });

  it("a stored server, or a calendar address it hands out, that users may not reach is refused before any connection", async () => {
    let connections = 0;
    const port = await freePort();
    const internal = http.createServer((req, res) => {
      req.resume();
      res.writeHead(207).end();
    });
    internal.on("connection", () => connections++);
    await new Promise<void>((r) => internal.listen(port, "127.0.0.1", r));
    try {
      // Saved before the connect check existed (or edited in the database).
      const stored: ProviderAccount = {
        id: "x",
        userId: "u",
        externalId: "x",
        address: "a@b.test",
        credentials: { appleId: "a@b.test", appPassword: "p", serverUrl: `http://127.0.0.1:${port}/` },
        saveCredentials: async () => {},
      };
      const err = await collect(
        caldavProvider,
        { email: "", password: "", account: stored, calendar: `http://127.0.0.1:${port}/a%40b.test/work/` },
        null,
      ).catch((e) => e);
      expect(err).toMatchObject({ errorClass: "permanent", code: "CALDAV_SERVER_NOT_ALLOWED" });
      // The configured server's account, with a calendar id pointing at another host's https port.
      const u = await newUser();
      const moved = await collect(caldavProvider, { ...u, calendar: `https://127.0.0.1:${port}/cal/` }, null).catch(
        (e) => e,
      );
      expect(moved).toMatchObject({ errorClass: "permanent", code: "CALDAV_SERVER_NOT_ALLOWED" });
      expect(connections).toBe(0);
    } finally {
      await new Promise((r) => internal.close(r));
    }
  });

  it("redirects are followed hop by hop, each hop checked: a server cannot bounce a request somewhere refused", async () => {
    const seen: string[] = [];
    const start = async (handler: http.RequestListener) => {
      const server = http.createServer(handler);
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
    };
    const target = await start((req, res) => {
      seen.push(`target ${req.method} ${req.url}`);
      req.resume();
      res.writeHead(207, { "content-type": "application/xml" }).end("<multistatus xmlns='DAV:'/>");
    });
    const bouncer = await start((req, res) => {
      seen.push(`bouncer ${req.method} ${req.url}`);
      req.resume();
      res.writeHead(301, { location: `${target.origin}/moved/` }).end();
    });
    try {
      // Rules that let the bouncer through (as a public server would be) and, first, not the target.
      const strict = outboundGuard({ trustedOrigins: [bouncer.origin] });
      await expect(
        guardedFetch(strict)(`${bouncer.origin}/cal/`, { method: "PROPFIND", body: "<propfind/>" }),
      ).rejects.toMatchObject({ code: "CALDAV_SERVER_NOT_ALLOWED" });
      expect(seen).toEqual(["bouncer PROPFIND /cal/"]);
      const davFetch = guardedFetch(outboundGuard({ trustedOrigins: [bouncer.origin, target.origin] }));
      const res = await davFetch(`${bouncer.origin}/cal/`, { method: "PROPFIND", body: "<propfind/>" });
      expect(res.status).toBe(207);
      expect(seen.slice(1)).toEqual(["bouncer PROPFIND /cal/", "target PROPFIND /moved/"]);
      // Asked for manual redirects (tsdav's discovery), the caller gets the 3xx itself.
      expect(
        (await davFetch(`${bouncer.origin}/.well-known/caldav`, { method: "PROPFIND", redirect: "manual" })).status,
      ).toBe(301);
    } finally {
      await Promise.all([target, bouncer].map(({ server }) => new Promise((r) => server.close(r))));
    }
  });

  it("credentials are only sent to https or the configured server", async () => {
    const u = await newUser();
    const err = await collect(caldavProvider, { ...u, calendar: "http://example.invalid/cal/" }, null).catch((e) => e);
    expect(err).toMatchObject({ errorClass: "permanent", code: "CALDAV_BAD_CALENDAR" });
  });
});
