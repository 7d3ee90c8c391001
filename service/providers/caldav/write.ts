// Tatu's appointments as calendar objects: one VEVENT in the artist's zone (with its
// VTIMEZONE, so every client shows the local time the artist booked), Tatu's UID and the
// X-TATU-APPOINTMENT-ID that tells sync which events are Tatu's own.
import ICAL from "ical.js";
import type { EventDraft } from "../kit/calendar.ts";
import { TATU_PROPERTY } from "./ical.ts";
import { utcToWallClock } from "../../time/zones.ts";
import { ianaName, vtimezone } from "./zones.ts";

export const PRODID = "-//Tatu//Tatu Calendar//EN";

function utcTime(d: Date): ICAL.Time {
  return ICAL.Time.fromJSDate(new Date(Math.floor(d.getTime() / 1000) * 1000), true);
}

function zonedProperty(name: string, at: Date, zone: string | undefined): ICAL.Property {
  const prop = new ICAL.Property(name);
  if (!zone) {
    prop.setValue(utcTime(at));
    return prop;
  }
  prop.setParameter("tzid", zone);
  prop.setValue(ICAL.Time.fromDateTimeString(utcToWallClock(at, zone)));
  return prop;
}

export interface Previous {
  sequence?: number;
  created?: ICAL.Time;
}

/** The object body for `draft`; `previous` carries SEQUENCE/CREATED forward on updates. */
export function buildIcs(draft: EventDraft, previous?: Previous, now = new Date()): string {
  // An unknown zone name is written in UTC rather than as a TZID nobody can resolve.
  const zone = ianaName(draft.timeZone);
  const cal = new ICAL.Component("vcalendar");
  cal.addPropertyWithValue("version", "2.0");
  cal.addPropertyWithValue("prodid", PRODID);
  cal.addPropertyWithValue("calscale", "GREGORIAN");
  if (zone) {
    cal.addSubcomponent(vtimezone(zone, draft.start, draft.end));
  }
  const ev = new ICAL.Component("vevent");
  ev.addPropertyWithValue("uid", draft.iCalUID);
  ev.addPropertyWithValue("dtstamp", utcTime(now));
  ev.addPropertyWithValue("created", previous?.created ?? utcTime(now));
  ev.addPropertyWithValue("last-modified", utcTime(now));
  ev.addPropertyWithValue("sequence", previous ? (previous.sequence ?? 0) + 1 : 0);
  ev.addProperty(zonedProperty("dtstart", draft.start, zone));
  ev.addProperty(zonedProperty("dtend", draft.end, zone));
  ev.addPropertyWithValue("summary", draft.title);
  if (draft.description) ev.addPropertyWithValue("description", draft.description);
  if (draft.location) ev.addPropertyWithValue("location", draft.location);
  ev.addPropertyWithValue("status", "CONFIRMED");
  ev.addPropertyWithValue("transp", "OPAQUE");
  ev.addPropertyWithValue(TATU_PROPERTY, draft.appointmentId);
  cal.addSubcomponent(ev);
  return cal.toString() + "\r\n";
}

/** SEQUENCE and CREATED of the stored object, to carry forward. */
export function previousOf(ics: string | undefined): Previous | undefined {
  if (!ics) return undefined;
  try {
    const ev = new ICAL.Component(ICAL.parse(ics)).getFirstSubcomponent("vevent");
    if (!ev) return undefined;
    const seq = ev.getFirstPropertyValue("sequence");
    const created = ev.getFirstPropertyValue("created");
    return {
      sequence: typeof seq === "number" ? seq : Number(seq) || 0,
      created: created instanceof ICAL.Time ? created : undefined,
    };
  } catch {
    return undefined;
  }
}
