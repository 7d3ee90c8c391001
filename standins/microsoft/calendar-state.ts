// Calendar ground truth of the Microsoft stand-in: per-user calendars and events (local wall
// times + the zone they were written in, like Exchange), recurrence expansion into
// occurrences, and calendarView delta sync states. Kept beside the mail state (state.ts)
// rather than inside it, keyed by the same StandInState.
import { randomBytes } from "node:crypto";
import { opaque, type StandInState, type User } from "./state.ts";
import { fromWallClock, zoneOf } from "./zones.ts";

export type ShowAs = "free" | "tentative" | "busy" | "oof" | "workingElsewhere" | "unknown";
export const showAsValues: ShowAs[] = ["free", "tentative", "busy", "oof", "workingElsewhere", "unknown"];
export const dayNames = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"] as const;
export type DayName = (typeof dayNames)[number];

/** Graph's dateTimeTimeZone as written: local wall time and the zone name the client used. */
export interface LocalTime {
  dateTime: string;
  timeZone: string;
}

export interface Recurrence {
  pattern: { type: "daily" | "weekly"; interval: number; daysOfWeek?: DayName[]; firstDayOfWeek?: DayName };
  range: {
    type: "endDate" | "numbered" | "noEnd";
    startDate: string;
    endDate?: string;
    numberOfOccurrences?: number;
    recurrenceTimeZone?: string;
  };
}

export interface ExceptionEdit {
  deleted?: boolean;
  isCancelled?: boolean;
  subject?: string;
  start?: LocalTime;
  end?: LocalTime;
  showAs?: ShowAs;
  changeKey: string;
}

export interface StoredCalendar {
  id: string;
  name: string;
  isDefault: boolean;
  canEdit: boolean;
  color: string;
  changeKey: string;
}

export interface StoredEvent {
  id: string;
  calendarId: string;
  subject: string;
  body: { contentType: "text" | "html"; content: string };
  start: LocalTime;
  end: LocalTime;
  isAllDay: boolean;
  showAs: ShowAs;
  isCancelled: boolean;
  isOrganizer: boolean;
  location: string;
  iCalUId: string;
  changeKey: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  transactionId?: string;
  /** singleValueExtendedProperties by lower-cased id. */
  extended: Map<string, { id: string; value: string }>;
  recurrence?: Recurrence;
  /** Per occurrence (its original local start date, YYYY-MM-DD). */
  exceptions: Map<string, ExceptionEdit>;
}

/** One event as calendarView sees it: a single instance, an occurrence or an exception. */
export interface Instance {
  id: string;
  event: StoredEvent;
  type: "singleInstance" | "occurrence" | "exception";
  occurrenceDate?: string;
  subject: string;
  start: Date;
  end: Date;
  /** All-day instances: their floating dates (YYYY-MM-DD, end exclusive). */
  dates?: { start: string; end: string };
  showAs: ShowAs;
  isCancelled: boolean;
  iCalUId: string;
  changeKey: string;
  /** Changes whenever anything the client sees of this instance changes. */
  version: string;
}

export interface ViewWindow {
  from: number;
  to: number;
}

export type ViewItem = { instance: Instance } | { removedId: string };

export type ViewState =
  | {
      kind: "skip";
      email: string;
      calendarId: string;
      generation: number;
      window: ViewWindow;
      items: ViewItem[];
      pos: number;
      snapshot: Map<string, string>;
    }
  | {
      kind: "delta";
      email: string;
      calendarId: string;
      generation: number;
      window: ViewWindow;
      snapshot: Map<string, string>;
    };

export interface UserCalendars {
  calendars: Map<string, StoredCalendar>;
  events: Map<string, StoredEvent>;
  generation: number;
}

export interface CalendarStore {
  users: Map<string, UserCalendars>;
  views: Map<string, ViewState>;
}

const stores = new WeakMap<StandInState, CalendarStore>();

export function calendarStore(state: StandInState): CalendarStore {
  let s = stores.get(state);
  if (!s) stores.set(state, (s = { users: new Map(), views: new Map() }));
  return s;
}

export function nowStamp(): string {
  return new Date().toISOString().replace(/Z$/, "0000Z");
}

export function newCalendarId(): string {
  return `AAMkADcal${opaque(24)}AAA=`;
}

export function newEventId(): string {
  return `AAMkADevt${opaque(27)}AAA=`;
}

export function newChangeKey(): string {
  return opaque(21);
}

/** Exchange's global object id shape; occurrences carry their date in bytes 16–19. */
export function newICalUId(): string {
  return `040000008200E00074C5B7101A82E00800000000${randomBytes(28).toString("hex").toUpperCase()}`;
}

function occurrenceICalUId(master: string, date: string): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const hex = y.toString(16).padStart(4, "0") + m.toString(16).padStart(2, "0") + d.toString(16).padStart(2, "0");
  return `${master.slice(0, 32)}${hex.toUpperCase()}${master.slice(40)}`;
}

export function occurrenceId(masterId: string, date: string): string {
  return `AAMkADocc${Buffer.from(`${masterId}|${date}`).toString("base64url")}`;
}

export function parseOccurrenceId(id: string): { masterId: string; date: string } | undefined {
  if (!id.startsWith("AAMkADocc")) return undefined;
  const [masterId, date] = Buffer.from(id.slice(9), "base64url").toString("utf8").split("|");
  return masterId && date && /^\d{4}-\d{2}-\d{2}$/.test(date) ? { masterId, date } : undefined;
}

export function userCalendars(state: StandInState, user: User): UserCalendars {
  const store = calendarStore(state);
  let u = store.users.get(user.email);
  if (!u) {
    u = { calendars: new Map(), events: new Map(), generation: 0 };
    const id = newCalendarId();
    u.calendars.set(id, {
      id,
      name: "Calendar",
      isDefault: true,
      canEdit: true,
      color: "auto",
      changeKey: newChangeKey(),
    });
    store.users.set(user.email, u);
  }
  return u;
}

export function defaultCalendar(u: UserCalendars): StoredCalendar {
  return [...u.calendars.values()].find((c) => c.isDefault)!;
}

export function instantOf(t: LocalTime): Date {
  return fromWallClock(t.dateTime, zoneOf(t.timeZone) ?? "UTC");
}

// ---- date arithmetic on YYYY-MM-DD ------------------------------------------------------

function dayNumber(date: string): number {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return Math.floor(Date.UTC(y, m - 1, d) / 86_400_000);
}

function dateOf(dayNum: number): string {
  return new Date(dayNum * 86_400_000).toISOString().slice(0, 10);
}

export function addDays(date: string, n: number): string {
  return dateOf(dayNumber(date) + n);
}

function weekday(dayNum: number): number {
  return (((dayNum + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
}

/** Pattern dates from range.startDate, until past `horizon` (a date) or the range's end. */
export function occurrenceDates(rec: Recurrence, horizon: string): string[] {
  const out: string[] = [];
  const start = dayNumber(rec.range.startDate);
  const last = Math.min(
    dayNumber(horizon),
    rec.range.type === "endDate" && rec.range.endDate ? dayNumber(rec.range.endDate) : Infinity,
  );
  const limit = rec.range.type === "numbered" ? (rec.range.numberOfOccurrences ?? 0) : Infinity;
  const interval = Math.max(1, rec.pattern.interval || 1);
  let count = 0;
  if (rec.pattern.type === "daily") {
    for (let d = start; d <= last && count < limit && count < 5000; d += interval, count++) out.push(dateOf(d));
    return out;
  }
  const days = new Set((rec.pattern.daysOfWeek ?? []).map((n) => dayNames.indexOf(n)));
  if (!days.size) days.add(weekday(start));
  const firstDay = dayNames.indexOf(rec.pattern.firstDayOfWeek ?? "sunday");
  const weekStart = start - ((weekday(start) - firstDay + 7) % 7);
  for (let week = 0; week < 2000; week += interval) {
    for (let i = 0; i < 7; i++) {
      const d = weekStart + week * 7 + i;
      if (d < start || !days.has(weekday(d))) continue;
      if (d > last || count >= limit) return out;
      out.push(dateOf(d));
      count++;
    }
  }
  return out;
}

/** Every instance of an event overlapping [from, to). */
export function instancesOf(ev: StoredEvent, window: ViewWindow): Instance[] {
  if (!ev.recurrence) {
    const inst = single(ev);
    return overlaps(inst, window) ? [inst] : [];
  }
  const zone = zoneOf(ev.start.timeZone) ?? "UTC";
  const startTime = ev.start.dateTime.slice(10); // "THH:mm:ss…"
  const duration = instantOf(ev.end).getTime() - instantOf(ev.start).getTime();
  const spanDays = dayNumber(ev.end.dateTime.slice(0, 10)) - dayNumber(ev.start.dateTime.slice(0, 10));
  const horizon = new Date(window.to + 2 * 86_400_000).toISOString().slice(0, 10);
  const out: Instance[] = [];
  for (const date of occurrenceDates(ev.recurrence, horizon)) {
    const exc = ev.exceptions.get(date);
    if (exc?.deleted) continue;
    let start: Date;
    let end: Date;
    let dates: Instance["dates"];
    if (ev.isAllDay) {
      dates = { start: date, end: addDays(date, Math.max(1, spanDays)) };
      start = fromWallClock(`${dates.start}T00:00:00`, zone);
      end = fromWallClock(`${dates.end}T00:00:00`, zone);
    } else {
      start = exc?.start ? instantOf(exc.start) : fromWallClock(`${date}${startTime}`, zone);
      end = exc?.end ? instantOf(exc.end) : new Date(start.getTime() + duration);
    }
    const inst: Instance = {
      id: occurrenceId(ev.id, date),
      event: ev,
      type: exc ? "exception" : "occurrence",
      occurrenceDate: date,
      subject: exc?.subject ?? ev.subject,
      start,
      end,
      dates,
      showAs: exc?.showAs ?? ev.showAs,
      isCancelled: exc?.isCancelled ?? ev.isCancelled,
      iCalUId: occurrenceICalUId(ev.iCalUId, date),
      changeKey: exc?.changeKey ?? ev.changeKey,
      version: `${ev.changeKey}/${exc?.changeKey ?? ""}`,
    };
    if (overlaps(inst, window)) out.push(inst);
  }
  return out;
}

function single(ev: StoredEvent): Instance {
  const zone = zoneOf(ev.start.timeZone) ?? "UTC";
  const dates = ev.isAllDay ? { start: ev.start.dateTime.slice(0, 10), end: ev.end.dateTime.slice(0, 10) } : undefined;
  return {
    id: ev.id,
    event: ev,
    type: "singleInstance",
    subject: ev.subject,
    start: dates ? fromWallClock(`${dates.start}T00:00:00`, zone) : instantOf(ev.start),
    end: dates ? fromWallClock(`${dates.end}T00:00:00`, zoneOf(ev.end.timeZone) ?? zone) : instantOf(ev.end),
    dates,
    showAs: ev.showAs,
    isCancelled: ev.isCancelled,
    iCalUId: ev.iCalUId,
    changeKey: ev.changeKey,
    version: ev.changeKey,
  };
}

function overlaps(inst: Instance, w: ViewWindow): boolean {
  const s = inst.start.getTime();
  const e = inst.end.getTime();
  return s < w.to && (e > w.from || (e === s && s >= w.from));
}

/** The instance behind an event or occurrence id, whatever the window. */
export function findInstance(u: UserCalendars, id: string): Instance | undefined {
  const ev = u.events.get(id);
  if (ev) return ev.recurrence ? undefined : single(ev);
  const occ = parseOccurrenceId(id);
  const master = occ ? u.events.get(occ.masterId) : undefined;
  if (!occ || !master?.recurrence) return undefined;
  const day = dayNumber(occ.date) * 86_400_000;
  return instancesOf(master, { from: day - 2 * 86_400_000, to: day + 3 * 86_400_000 }).find((i) => i.id === id);
}

export function calendarInstances(u: UserCalendars, calendarId: string, window: ViewWindow): Instance[] {
  return [...u.events.values()]
    .filter((e) => e.calendarId === calendarId)
    .flatMap((e) => instancesOf(e, window))
    .sort((a, b) => a.start.getTime() - b.start.getTime());
}
