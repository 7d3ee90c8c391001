// Calendar objects (.ics) → CalendarEvents. ical.js (Mozilla's parser, the one Thunderbird
// uses) does the RFC 5545 work: VTIMEZONE resolution, RRULE/RDATE/EXDATE expansion and
// RECURRENCE-ID overrides (incl. RANGE=THISANDFUTURE). We add only what CalDAV servers
// don't define: floating and all-day times read in the calendar's zone, the instance ids,
// and expansion limited to the sync window.
import ICAL from "ical.js";
import type { CalendarEvent } from "../kit/calendar.ts";
import { IanaTimezone, ianaName, registerIana } from "./zones.ts";

export const TATU_PROPERTY = "x-tatu-appointment-id";
/** Guards against rules like FREQ=SECONDLY since 1970: far more than any window needs. */
const MAX_OCCURRENCES = 20_000;
/** Instance ids remembered per object (for tombstones), more than a year of daily events. */
export const MAX_INSTANCE_IDS = 500;

export interface Window {
  from: Date;
  until: Date;
}

export interface ParsedObject {
  events: CalendarEvent[];
  /** Instance ids of a recurring object emitted for the window; null for a plain event (id = href). */
  instanceIds: string[] | null;
}

/** The zone floating and all-day times are read in: the calendar's calendar-timezone, else UTC. */
export function calendarZone(calendarTimezone: string | undefined): ICAL.Timezone {
  if (!calendarTimezone) return ICAL.Timezone.utcTimezone;
  try {
    const root = new ICAL.Component(ICAL.parse(calendarTimezone));
    const vtz = root.name === "vtimezone" ? root : root.getFirstSubcomponent("vtimezone");
    const tzid = vtz?.getFirstPropertyValue("tzid");
    if (typeof tzid === "string") {
      const iana = ianaName(tzid);
      if (iana) return new IanaTimezone(tzid, iana);
      return new ICAL.Timezone({ component: vtz, tzid });
    }
  } catch {
    /* an unreadable calendar-timezone: fall back */
  }
  return ICAL.Timezone.utcTimezone;
}

/** The IANA name of a calendar-timezone value, for CalendarInfo.timeZone. */
export function calendarZoneName(calendarTimezone: string | undefined): string | undefined {
  const z = calendarZone(calendarTimezone);
  return z instanceof IanaTimezone ? z.iana : undefined;
}

function isFloating(t: ICAL.Time): boolean {
  return !t.zone || t.zone === ICAL.Timezone.localTimezone || t.zone.tzid === "floating";
}

/** The UTC instant of a DATE or DATE-TIME value. */
export function instant(t: ICAL.Time, calZone: ICAL.Timezone): Date {
  if (t.isDate || isFloating(t)) {
    const wall = new ICAL.Time(
      {
        year: t.year,
        month: t.month,
        day: t.day,
        hour: t.isDate ? 0 : t.hour,
        minute: t.isDate ? 0 : t.minute,
        second: t.isDate ? 0 : t.second,
        isDate: false,
      },
      calZone,
    );
    return new Date(wall.toUnixTime() * 1000);
  }
  return new Date(t.toUnixTime() * 1000);
}

const pad = (n: number, l = 2) => String(n).padStart(l, "0");

/** `#<recurrence instant>`: the UTC instant for timed events, the date for all-day ones. */
function recurrenceKey(rid: ICAL.Time, calZone: ICAL.Timezone): string {
  if (rid.isDate) return `${pad(rid.year, 4)}${pad(rid.month)}${pad(rid.day)}`;
  return `${instant(rid, calZone).toISOString().slice(0, 19).replace(/[-:]/g, "")}Z`;
}

/** When an instance id's recurrence instant lies (for tombstones and window bookkeeping). */
export function instanceInstant(id: string, calZone: ICAL.Timezone): Date | undefined {
  const key = id.slice(id.lastIndexOf("#") + 1);
  let m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(key);
  if (m) return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  m = /^(\d{4})(\d{2})(\d{2})$/.exec(key);
  if (m) return instant(ICAL.Time.fromData({ year: +m[1]!, month: +m[2]!, day: +m[3]!, isDate: true }), calZone);
  return undefined;
}

/**
 * Times in IANA zones are read from tzdata rather than the file's VTIMEZONE: clients ship
 * truncated or outdated definitions (rules from before a zone changed), while the name is
 * unambiguous. Other TZIDs ("W. Europe Standard Time") use the file's VTIMEZONE; a TZID with
 * neither is read as floating (calendar zone).
 */
function preferTzdata(root: ICAL.Component): void {
  for (const vtz of root.getAllSubcomponents("vtimezone")) {
    const tzid = vtz.getFirstPropertyValue("tzid");
    if (typeof tzid === "string" && registerIana(tzid)) root.removeSubcomponent(vtz);
  }
  for (const ev of root.getAllSubcomponents("vevent")) {
    for (const prop of ev.getAllProperties()) {
      const tzid = prop.getParameter("tzid");
      if (typeof tzid === "string") registerIana(tzid);
    }
  }
}

interface Fields {
  status: CalendarEvent["status"];
  transparent: boolean;
  tatuAppointmentId?: string;
  title?: string;
  uid?: string;
}

function fieldsOf(comp: ICAL.Component): Fields {
  const status = String(comp.getFirstPropertyValue("status") ?? "").toUpperCase();
  const transp = String(comp.getFirstPropertyValue("transp") ?? "").toUpperCase();
  const tatu = comp.getFirstPropertyValue(TATU_PROPERTY);
  const tatuAppointmentId = typeof tatu === "string" && tatu.trim() ? tatu.trim() : undefined;
  const uid = comp.getFirstPropertyValue("uid");
  const summary = comp.getFirstPropertyValue("summary");
  return {
    status: status === "CANCELLED" ? "cancelled" : status === "TENTATIVE" ? "tentative" : "confirmed",
    transparent: transp === "TRANSPARENT",
    tatuAppointmentId,
    // Other people's event titles are not Tatu's business: busy time is all we keep.
    title: tatuAppointmentId && typeof summary === "string" ? summary : undefined,
    uid: typeof uid === "string" ? uid : undefined,
  };
}

function timeValue(comp: ICAL.Component, name: string): ICAL.Time | undefined {
  const v = comp.getFirstPropertyValue(name);
  return v instanceof ICAL.Time ? v : undefined;
}

/** Start and end instants of one VEVENT (DTEND, else DURATION, else RFC 5545 defaults). */
function span(comp: ICAL.Component, calZone: ICAL.Timezone): { start: Date; end: Date; allDay: boolean } | undefined {
  const dtstart = timeValue(comp, "dtstart");
  if (!dtstart) return undefined;
  const start = instant(dtstart, calZone);
  const dtend = timeValue(comp, "dtend");
  let end: Date;
  if (dtend) {
    end = instant(dtend, calZone);
  } else {
    const duration = comp.getFirstPropertyValue("duration");
    if (duration instanceof ICAL.Duration) {
      // Nominal days/weeks follow the wall clock (RFC 5545 §3.3.6); hours are exact.
      const wall = dtstart.clone();
      wall.addDuration(
        ICAL.Duration.fromData({ weeks: duration.weeks, days: duration.days, isNegative: duration.isNegative }),
      );
      end = new Date(
        instant(wall, calZone).getTime() +
          (duration.isNegative ? -1 : 1) * 1000 * (duration.hours * 3600 + duration.minutes * 60 + duration.seconds),
      );
    } else {
      end = dtstart.isDate ? instant(dayAfter(dtstart), calZone) : start;
    }
  }
  if (end < start) end = start;
  return { start, end, allDay: dtstart.isDate };
}

function dayAfter(t: ICAL.Time): ICAL.Time {
  const d = t.clone();
  d.adjust(1, 0, 0, 0);
  return d;
}

function overlaps(start: Date, end: Date, w: Window): boolean {
  if (end.getTime() === start.getTime()) return start >= w.from && start < w.until;
  return start < w.until && end > w.from;
}

function event(
  externalId: string,
  s: { start: Date; end: Date; allDay: boolean },
  f: Fields,
  etag: string | undefined,
  uid: string | undefined,
): CalendarEvent {
  return {
    externalId,
    iCalUID: uid,
    start: s.start,
    end: s.end,
    allDay: s.allDay,
    status: f.status,
    transparent: f.transparent,
    ...(f.tatuAppointmentId ? { tatuAppointmentId: f.tatuAppointmentId } : {}),
    ...(f.title !== undefined ? { title: f.title } : {}),
    ...(etag ? { etag } : {}),
  };
}

/** All VEVENTs of one calendar object resource, recurring ones expanded inside `window`. */
export function parseObject(
  href: string,
  etag: string | undefined,
  ics: string,
  calZone: ICAL.Timezone,
  window: Window,
): ParsedObject {
  const jcal = ICAL.parse(ics);
  const roots = (Array.isArray(jcal[0]) ? jcal : [jcal]).map((j: unknown[]) => new ICAL.Component(j));
  const events: CalendarEvent[] = [];
  let instanceIds: string[] | null = null;

  for (const root of roots) {
    preferTzdata(root);
    const byUid = new Map<string, { master?: ICAL.Component; overrides: ICAL.Component[] }>();
    for (const ve of root.getAllSubcomponents("vevent")) {
      const uid = String(ve.getFirstPropertyValue("uid") ?? "");
      const g = byUid.get(uid) ?? { overrides: [] };
      if (ve.hasProperty("recurrence-id")) g.overrides.push(ve);
      else g.master ??= ve;
      byUid.set(uid, g);
    }
    let first = true;
    for (const [uid, g] of byUid) {
      // RFC 4791 §4.1 allows one UID per resource; stray extra UIDs still get distinct ids.
      const base = first ? href : `${href}#${encodeURIComponent(uid)}`;
      first = false;
      const recurring = !!g.master && (g.master.hasProperty("rrule") || g.master.hasProperty("rdate"));
      if (g.master && !recurring) {
        const s = span(g.master, calZone);
        if (s) events.push(event(base, s, fieldsOf(g.master), etag, uid || undefined));
        continue;
      }
      instanceIds ??= [];
      if (!g.master) {
        // Only overrides (an invitation to single instances): each stands alone.
        for (const o of g.overrides) {
          const s = span(o, calZone);
          const rid = timeValue(o, "recurrence-id");
          if (!s || !rid) continue;
          const id = `${base}#${recurrenceKey(rid, calZone)}`;
          if (overlaps(s.start, s.end, window)) {
            events.push(event(id, s, fieldsOf(o), etag, uid || undefined));
            instanceIds.push(id);
          }
        }
        continue;
      }
      expand(base, uid || undefined, g.master, g.overrides, etag, calZone, window, events, instanceIds);
    }
  }
  if (instanceIds && instanceIds.length > MAX_INSTANCE_IDS) instanceIds = instanceIds.slice(0, MAX_INSTANCE_IDS);
  return { events, instanceIds };
}

function expand(
  base: string,
  uid: string | undefined,
  master: ICAL.Component,
  overrides: ICAL.Component[],
  etag: string | undefined,
  calZone: ICAL.Timezone,
  window: Window,
  events: CalendarEvent[],
  ids: string[],
): void {
  const masterSpan = span(master, calZone);
  const dtstart = timeValue(master, "dtstart");
  if (!masterSpan || !dtstart) return;
  const masterFields = fieldsOf(master);
  // RFC 5545 §3.8.5.3: every instance has the master's exact duration (all-day: its days).
  const durationMs = masterSpan.end.getTime() - masterSpan.start.getTime();
  const dtend = timeValue(master, "dtend");
  const allDayDays = dtstart.isDate
    ? Math.max(
        1,
        dtend
          ? Math.round(
              (Date.UTC(dtend.year, dtend.month - 1, dtend.day) -
                Date.UTC(dtstart.year, dtstart.month - 1, dtstart.day)) /
                86_400_000,
            )
          : 1,
      )
    : 0;

  const ev = new ICAL.Event(master, { exceptions: overrides });
  const visited = new Set<ICAL.Component>();
  const it = ev.iterator();
  let n = 0;
  for (let next = it.next(); next && n < MAX_OCCURRENCES; next = it.next(), n++) {
    const rid = next.clone();
    const ridAt = instant(rid, calZone);
    if (ridAt >= window.until) break;
    const details = ev.getOccurrenceDetails(rid);
    const override = details.item && details.item.component !== master ? details.item.component : undefined;
    let s: { start: Date; end: Date; allDay: boolean } | undefined;
    if (override) {
      // An override of this very instance carries its own times; a RANGE=THISANDFUTURE
      // override of an earlier one shifts this instance (ical.js computes the shift).
      const direct =
        recurrenceKey(timeValue(override, "recurrence-id") ?? rid, calZone) === recurrenceKey(rid, calZone);
      if (direct) visited.add(override);
      s = direct
        ? span(override, calZone)
        : {
            start: instant(details.startDate, calZone),
            end: instant(details.endDate, calZone),
            allDay: details.startDate.isDate,
          };
    } else if (dtstart.isDate) {
      const last = rid.clone();
      last.adjust(allDayDays, 0, 0, 0);
      s = { start: ridAt, end: instant(last, calZone), allDay: true };
    } else {
      s = { start: ridAt, end: new Date(ridAt.getTime() + durationMs), allDay: false };
    }
    if (!s || !overlaps(s.start, s.end, window)) continue;
    const id = `${base}#${recurrenceKey(rid, calZone)}`;
    events.push(event(id, s, override ? fieldsOf(override) : masterFields, etag, uid));
    ids.push(id);
  }
  // Overrides of instances after the window that were moved into it.
  for (const o of overrides) {
    const rid = timeValue(o, "recurrence-id");
    if (!rid || visited.has(o) || instant(rid, calZone) < window.until) continue;
    const s = span(o, calZone);
    if (!s || !overlaps(s.start, s.end, window)) continue;
    const id = `${base}#${recurrenceKey(rid, calZone)}`;
    events.push(event(id, s, fieldsOf(o), etag, uid));
    ids.push(id);
  }
}
