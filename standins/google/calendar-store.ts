// Ground truth of the Calendar stand-in: per Google account, its calendars and their events
// (masters with RRULEs, instance overrides, single events, tombstones), plus the change
// counter that sync tokens point into. Routes (calendar.ts) and the control API both go
// through the mutations here, so "user-side" edits show up in incremental syncs exactly
// like API writes.
import { randomBytes } from "node:crypto";
import type { GoogleState } from "./state.ts";
import {
  basicUtc,
  dateOf,
  dayOf,
  expandRecurrence,
  formatInZone,
  isZone,
  parseDateTime,
  RecurrenceError,
  wallToUtc,
} from "./calendar-time.ts";

export interface EventTime {
  date?: string;
  dateTime?: string;
  timeZone?: string;
}

/** An Event resource as the stand-in stores it (Google's JSON field names). */
export interface GEvent {
  kind: "calendar#event";
  id: string;
  etag: string;
  status: "confirmed" | "tentative" | "cancelled";
  htmlLink: string;
  created: string;
  updated: string;
  summary?: string;
  description?: string;
  location?: string;
  creator: { email: string; self?: boolean };
  organizer: { email: string; self?: boolean; displayName?: string };
  start: EventTime;
  end: EventTime;
  recurrence?: string[];
  recurringEventId?: string;
  originalStartTime?: EventTime;
  transparency?: "opaque" | "transparent";
  visibility?: string;
  iCalUID: string;
  sequence: number;
  extendedProperties?: { private?: Record<string, string>; shared?: Record<string, string> };
  reminders: { useDefault: boolean };
  eventType: "default";
}

interface Stored {
  ev: GEvent;
  /** Change counter value of the last change (sync tokens compare against it). */
  seq: number;
  /** Earlier timings of a recurring master: their instances become tombstones in a sync. */
  former: Pick<GEvent, "start" | "end" | "recurrence">[];
}

export type AccessRole = "owner" | "writer" | "reader" | "freeBusyReader";

export interface Calendar {
  id: string;
  summary: string;
  timeZone: string;
  accessRole: AccessRole;
  primary: boolean;
  owner: string;
  events: Map<string, Stored>;
  seq: number;
}

export interface CalendarInput {
  id?: string;
  summary?: string;
  timeZone?: string;
  accessRole?: AccessRole;
  primary?: boolean;
}

/** What a syncToken remembers: where in the change log it points and the first query's shape. */
export interface SyncTokenInfo {
  email: string;
  calendarId: string;
  seq: number;
  singleEvents: boolean;
  timeMin?: number;
  timeMax?: number;
}

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason: string,
    readonly opts: { domain?: string; extra?: Record<string, string> } = {},
  ) {
    super(message);
  }
}

const badRequest = (message: string, reason = "invalid", extra?: Record<string, string>) =>
  new ApiFailure(400, message, reason, { extra });
export const notFoundFailure = () => new ApiFailure(404, "Not Found", "notFound");

const BASE32HEX = /^[a-v0-9]{5,1024}$/;
const INSTANCE_ID = /^(.+)_(\d{8}(?:T\d{6}Z)?)$/;
/** Recurrences without COUNT/UNTIL expand this far at most (Google caps expansion too). */
const OPEN_HORIZON_MS = 2 * 366 * 86_400_000;

export class CalendarStore {
  readonly users = new Map<string, Map<string, Calendar>>();
  readonly syncTokens = new Map<string, SyncTokenInfo>();
  readonly pageTokens = new Map<string, { items: object[]; nextSyncToken: string }>();
  private clock = 0;

  calendars(email: string): Map<string, Calendar> {
    const key = email.toLowerCase();
    let cals = this.users.get(key);
    if (!cals) {
      cals = new Map();
      this.users.set(key, cals);
      // Every Google account has a primary calendar whose id is the address.
      cals.set(key, newCalendar({ id: key, summary: key, timeZone: "UTC", accessRole: "owner", primary: true }, key));
    }
    return cals;
  }

  addCalendar(email: string, input: CalendarInput): Calendar {
    const cals = this.calendars(email);
    const id = input.primary
      ? email.toLowerCase()
      : (input.id ?? `${randomBytes(16).toString("hex").slice(0, 26)}@group.calendar.google.com`);
    const existing = cals.get(id);
    if (existing) {
      if (input.summary) existing.summary = input.summary;
      if (input.timeZone) existing.timeZone = input.timeZone;
      if (input.accessRole) existing.accessRole = input.accessRole;
      return existing;
    }
    const cal = newCalendar({ ...input, id }, email.toLowerCase());
    cals.set(id, cal);
    return cal;
  }

  /** `primary` or an id the account has in its calendar list. */
  resolve(email: string, calendarId: string): Calendar {
    const cals = this.calendars(email);
    const cal = calendarId === "primary" ? cals.get(email.toLowerCase()) : cals.get(calendarId);
    if (!cal) throw notFoundFailure();
    return cal;
  }

  /** Invalidates every sync token issued for this account's calendars (→ 410 on next use). */
  expireSyncTokens(email: string): void {
    for (const [t, info] of this.syncTokens) if (info.email === email.toLowerCase()) this.syncTokens.delete(t);
  }

  newSyncToken(info: SyncTokenInfo): string {
    const token = `C${randomBytes(20).toString("base64")}`;
    this.syncTokens.set(token, info);
    return token;
  }

  newPageToken(items: object[], nextSyncToken: string): string {
    const token = randomBytes(36).toString("base64url");
    this.pageTokens.set(token, { items, nextSyncToken });
    if (this.pageTokens.size > 10_000) this.pageTokens.delete(this.pageTokens.keys().next().value!); // oldest first
    return token;
  }

  // ── mutations ────────────────────────────────────────────────────────────────────────

  private touch(cal: Calendar, s: Stored): void {
    s.seq = ++cal.seq;
    const now = Math.max(Date.now(), this.clock + 1);
    this.clock = now;
    s.ev.updated = new Date(now).toISOString();
    s.ev.etag = `"${now}${String(s.seq).padStart(3, "0")}"`;
  }

  /** events.insert (iCalUID ignored, as Google does) or events.import (iCalUID kept, unique). */
  insert(cal: Calendar, body: Partial<GEvent>, mode: "insert" | "import" | "user"): GEvent {
    let id = body.id;
    if (id !== undefined) {
      if (!BASE32HEX.test(id) && mode !== "user") throw badRequest("Invalid resource id value.", "invalid");
      if (cal.events.has(id)) throw new ApiFailure(409, "The requested identifier already exists.", "duplicate");
    } else {
      id = randomBytes(16).toString("hex").replace(/[w-z]/g, "v").slice(0, 26);
    }
    let iCalUID = `${id}@google.com`;
    if (mode === "import") {
      if (!body.iCalUID) throw badRequest("Missing iCalUID.", "required");
      // Import refuses a UID the calendar already holds, also when that event was deleted.
      for (const s of cal.events.values())
        if (s.ev.iCalUID === body.iCalUID && !s.ev.recurringEventId)
          throw new ApiFailure(409, "The requested identifier already exists.", "duplicate");
      iCalUID = body.iCalUID;
    } else if (mode === "user" && body.iCalUID) {
      iCalUID = body.iCalUID;
    }
    const times = validateTimes(body, cal);
    const now = new Date().toISOString();
    const ev: GEvent = {
      kind: "calendar#event",
      id,
      etag: "",
      status: body.status ?? "confirmed",
      htmlLink: `https://www.google.com/calendar/event?eid=${Buffer.from(`${id} ${cal.id}`).toString("base64url")}`,
      created: now,
      updated: now,
      ...pickWritable(body),
      creator: { email: cal.owner, self: true },
      organizer: { email: cal.id, self: true, ...(cal.id !== cal.owner && { displayName: cal.summary }) },
      ...times,
      iCalUID,
      sequence: body.sequence ?? 0,
      reminders: { useDefault: true },
      eventType: "default",
    };
    const s: Stored = { ev, seq: 0, former: [] };
    cal.events.set(id, s);
    this.touch(cal, s);
    return ev;
  }

  /** events.patch: top-level fields replace, extendedProperties maps merge key by key. */
  patch(cal: Calendar, id: string, body: Partial<GEvent>): GEvent {
    const s = cal.events.get(id) ?? this.materialiseInstance(cal, id);
    if (!s) throw notFoundFailure();
    const before = structuredClone(s.ev);
    const next: GEvent = { ...s.ev, ...pickWritable(body) };
    if (body.extendedProperties) {
      next.extendedProperties = {
        private: { ...s.ev.extendedProperties?.private, ...body.extendedProperties.private },
        shared: { ...s.ev.extendedProperties?.shared, ...body.extendedProperties.shared },
      };
    }
    if (body.start || body.end || body.recurrence)
      Object.assign(next, validateTimes({ ...next, ...body }, cal, s.ev.recurringEventId !== undefined));
    if (
      JSON.stringify(before.start) !== JSON.stringify(next.start) ||
      JSON.stringify(before.end) !== JSON.stringify(next.end)
    )
      next.sequence = before.sequence + 1;
    if (
      before.recurrence &&
      (JSON.stringify(before.recurrence) !== JSON.stringify(next.recurrence) || next.sequence !== before.sequence)
    )
      s.former.push({ start: before.start, end: before.end, recurrence: before.recurrence });
    s.ev = next;
    this.touch(cal, s);
    return next;
  }

  /** events.delete: the event stays as a tombstone (status cancelled) for syncs. */
  remove(cal: Calendar, id: string): void {
    const s = cal.events.get(id) ?? this.materialiseInstance(cal, id);
    if (!s) throw notFoundFailure();
    if (s.ev.status === "cancelled") throw new ApiFailure(410, "Resource has been deleted", "deleted");
    s.ev = { ...s.ev, status: "cancelled" };
    this.touch(cal, s);
  }

  /** An instance id of a series without an override yet: stores the override. */
  private materialiseInstance(cal: Calendar, id: string): Stored | undefined {
    const m = INSTANCE_ID.exec(id);
    const master = m ? cal.events.get(m[1]!) : undefined;
    if (!master?.ev.recurrence || master.ev.status === "cancelled") return undefined;
    const inst = this.instancesOf(cal, master.ev, Number.POSITIVE_INFINITY).find((i) => i.ev.id === id);
    if (!inst || inst.excluded) return undefined;
    const s: Stored = { ev: { ...inst.ev }, seq: 0, former: [] };
    cal.events.set(id, s);
    return s;
  }

  // ── reads ────────────────────────────────────────────────────────────────────────────

  /** Expanded instances of a series (overrides not applied), original start order. */
  instancesOf(
    cal: Calendar,
    master: Pick<GEvent, "id" | "start" | "end" | "recurrence"> & Partial<GEvent>,
    horizonMs: number,
  ): { ev: GEvent; excluded: boolean; startMs: number; endMs: number }[] {
    const zone = master.start.timeZone ?? cal.timeZone;
    const allDay = master.start.date !== undefined;
    const first = allDay
      ? { day: dayOf(master.start.date!) }
      : { day: 0, startMs: parseDateTime(master.start.dateTime!, zone)! };
    const durMs = allDay
      ? (dayOf(master.end.date!) - first.day) * 86_400_000
      : parseDateTime(master.end.dateTime!, master.end.timeZone ?? zone)! - first.startMs!;
    const horizon = Math.min(
      horizonMs,
      Date.now() + OPEN_HORIZON_MS,
      (first.startMs ?? first.day * 86_400_000) + 10 * OPEN_HORIZON_MS,
    );
    const base = { ...master } as GEvent;
    delete base.recurrence;
    return expandRecurrence(master.recurrence ?? [], first, zone, Math.max(horizon, first.startMs ?? 0)).map((o) => {
      if (o.day !== undefined) {
        const start = { date: dateOf(o.day) };
        const end = { date: dateOf(o.day + durMs / 86_400_000) };
        const startMs = wallToUtc({ ...wallOfDay(o.day), h: 0, mi: 0, s: 0 }, cal.timeZone);
        const endMs = wallToUtc({ ...wallOfDay(o.day + durMs / 86_400_000), h: 0, mi: 0, s: 0 }, cal.timeZone);
        return {
          excluded: o.excluded,
          startMs,
          endMs,
          ev: {
            ...base,
            id: `${master.id}_${dateOf(o.day).replace(/-/g, "")}`,
            recurringEventId: master.id,
            originalStartTime: start,
            start,
            end,
          },
        };
      }
      const startMs = o.startMs!;
      const start = { dateTime: formatInZone(startMs, zone), timeZone: zone };
      const end = { dateTime: formatInZone(startMs + durMs, zone), timeZone: zone };
      return {
        excluded: o.excluded,
        startMs,
        endMs: startMs + durMs,
        ev: {
          ...base,
          id: `${master.id}_${basicUtc(startMs)}`,
          recurringEventId: master.id,
          originalStartTime: start,
          start,
          end,
        },
      };
    });
  }

  /** The events.list result before paging. `sinceSeq` = incremental (syncToken) read. */
  list(
    cal: Calendar,
    q: {
      singleEvents: boolean;
      showDeleted: boolean;
      timeMin?: number;
      timeMax?: number;
      sinceSeq?: number;
      iCalUID?: string;
    },
  ): object[] {
    const incremental = q.sinceSeq !== undefined;
    const showDeleted = q.showDeleted || incremental;
    const changed = (s: Stored) => !incremental || s.seq > q.sinceSeq!;
    const inWindow = (startMs: number, endMs: number) =>
      (q.timeMin === undefined || endMs > q.timeMin) && (q.timeMax === undefined || startMs < q.timeMax);
    const horizon = q.timeMax ?? Number.POSITIVE_INFINITY;
    const out: { item: object; sort: number }[] = [];
    const add = (ev: GEvent, sort: number) =>
      out.push({ item: ev.status === "cancelled" ? tombstone(ev) : render(ev), sort });

    for (const s of cal.events.values()) {
      const ev = s.ev;
      if (q.iCalUID !== undefined && ev.iCalUID !== q.iCalUID) continue;
      if (ev.recurringEventId) {
        // An override: listed with its series, or alone when only it changed.
        const master = cal.events.get(ev.recurringEventId);
        if (q.singleEvents && master && changed(master) && master.ev.status !== "cancelled") continue;
        if (!changed(s)) continue;
        const span = this.span(cal, ev);
        if (
          ev.status === "cancelled"
            ? showDeleted && (incremental || inWindow(...span))
            : inWindow(...span) || incremental
        )
          add(ev, span[0]);
        continue;
      }
      if (!changed(s)) continue;
      if (ev.recurrence && q.singleEvents) {
        const insts = this.instancesOf(cal, ev, horizon).filter((i) => inWindow(i.startMs, i.endMs));
        const seen = new Set<string>();
        for (const i of insts) {
          seen.add(i.ev.id);
          const override = cal.events.get(i.ev.id)?.ev;
          const cur =
            ev.status === "cancelled"
              ? { ...i.ev, status: "cancelled" as const }
              : i.excluded
                ? { ...i.ev, status: "cancelled" as const }
                : (override ?? i.ev);
          if (cur.status === "cancelled" && !showDeleted) continue;
          add(cur, i.startMs);
        }
        if (incremental) {
          // Instances of earlier timings of the series are gone now: tombstones for them.
          for (const f of s.former)
            for (const i of this.instancesOf(cal, { ...ev, ...f }, horizon).filter((x) => inWindow(x.startMs, x.endMs)))
              if (!seen.has(i.ev.id)) {
                seen.add(i.ev.id);
                add({ ...i.ev, status: "cancelled" }, i.startMs);
              }
        }
        continue;
      }
      const span = this.span(cal, ev);
      if (ev.status === "cancelled" && !showDeleted) continue;
      if (!incremental && !ev.recurrence && !inWindow(...span)) continue;
      add(ev, span[0]);
    }
    return out.sort((a, b) => a.sort - b.sort).map((o) => o.item);
  }

  /** [start, end) of a stored event as instants (all-day at the calendar's midnight). */
  span(cal: Calendar, ev: GEvent): [number, number] {
    const at = (t: EventTime) =>
      t.date !== undefined
        ? wallToUtc({ ...wallOfDay(dayOf(t.date)), h: 0, mi: 0, s: 0 }, cal.timeZone)
        : (parseDateTime(t.dateTime ?? "", t.timeZone ?? cal.timeZone) ?? 0);
    return [at(ev.start), at(ev.end)];
  }
}

function newCalendar(input: CalendarInput & { id: string }, owner: string): Calendar {
  return {
    id: input.id,
    summary: input.summary ?? input.id,
    timeZone: input.timeZone ?? "UTC",
    accessRole: input.accessRole ?? "owner",
    primary: !!input.primary,
    owner,
    events: new Map(),
    seq: 0,
  };
}

function wallOfDay(day: number) {
  const d = new Date(day * 86_400_000);
  return { y: d.getUTCFullYear(), m: d.getUTCMonth() + 1, d: d.getUTCDate() };
}

const WRITABLE = [
  "summary",
  "description",
  "location",
  "status",
  "transparency",
  "visibility",
  "extendedProperties",
  "start",
  "end",
  "recurrence",
  "sequence",
] as const;

function pickWritable(body: Partial<GEvent>): Partial<GEvent> {
  const out: Record<string, unknown> = {};
  for (const k of WRITABLE) if (body[k] !== undefined && body[k] !== null) out[k] = structuredClone(body[k]);
  return out as Partial<GEvent>;
}

/** Google's checks on start/end: a date or a dateTime (with an offset or a timeZone),
 *  series need a timeZone, end not before start. */
function validateTimes(body: Partial<GEvent>, cal: Calendar, isInstance = false): Pick<GEvent, "start" | "end"> {
  const check = (t: EventTime | undefined, which: "start" | "end"): EventTime => {
    if (!t || (t.date === undefined && t.dateTime === undefined))
      throw badRequest(`Missing ${which} time.`, "required");
    if (t.timeZone !== undefined && !isZone(t.timeZone))
      throw badRequest(`Invalid time zone definition for ${which} time.`, "invalid");
    if (t.date !== undefined) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(t.date)) throw badRequest(`Invalid ${which} time.`, "invalid");
      return { date: t.date };
    }
    const withOffset = /(Z|[+-]\d{2}:\d{2})$/i.test(t.dateTime!);
    if (!withOffset && !t.timeZone) throw badRequest(`Missing time zone definition for ${which} time.`, "required");
    if (body.recurrence?.length && !t.timeZone && !isInstance)
      throw badRequest(`Missing time zone definition for ${which} time.`, "required");
    if (parseDateTime(t.dateTime!, t.timeZone ?? cal.timeZone) === undefined)
      throw badRequest(`Invalid ${which} time.`, "invalid");
    return { dateTime: t.dateTime!, ...(t.timeZone && { timeZone: t.timeZone }) };
  };
  const start = check(body.start, "start");
  const end = check(body.end, "end");
  if ((start.date === undefined) !== (end.date === undefined))
    throw badRequest("Start and end times must either both be date or both be dateTime.", "invalid");
  const ms = (t: EventTime) =>
    t.date !== undefined ? dayOf(t.date) * 86_400_000 : parseDateTime(t.dateTime!, t.timeZone ?? cal.timeZone)!;
  if (ms(end) < ms(start))
    throw new ApiFailure(400, "The specified time range is empty.", "timeRangeEmpty", {
      domain: "calendar",
      extra: { location: "end.dateTime", locationType: "parameter" },
    });
  if (body.recurrence?.length) {
    try {
      expandRecurrence(
        body.recurrence,
        start.date !== undefined ? { day: dayOf(start.date) } : { day: 0, startMs: ms(start) },
        start.timeZone ?? cal.timeZone,
        ms(start),
        1,
      );
    } catch (e) {
      if (e instanceof RecurrenceError) throw badRequest("Invalid recurrence rule.", "invalid");
      throw e;
    }
  }
  return { start, end };
}

/** What Google returns for an event (copies, no internal fields). */
export function render(ev: GEvent): object {
  const out = structuredClone(ev) as Partial<GEvent>;
  if (ev.transparency === "opaque") delete out.transparency; // Google omits the default
  return out;
}

/** Deleted events in lists: only the id (and for instances the series link) is guaranteed. */
function tombstone(ev: GEvent): object {
  return {
    kind: "calendar#event",
    etag: ev.etag,
    id: ev.id,
    status: "cancelled",
    ...(ev.recurringEventId && { recurringEventId: ev.recurringEventId, originalStartTime: ev.originalStartTime }),
  };
}

const stores = new WeakMap<GoogleState, CalendarStore>();
/** One calendar store per Google stand-in (it shares that stand-in's grants and tokens). */
export function calendarStore(state: GoogleState): CalendarStore {
  let s = stores.get(state);
  if (!s) stores.set(state, (s = new CalendarStore()));
  return s;
}
