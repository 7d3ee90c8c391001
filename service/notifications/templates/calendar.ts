// The appointment for the customer's calendar: an .ics (RFC 5545, written by ical.js, the
// library the CalDAV provider already parses with) and one-click add-to-calendar links.
import ICAL from "ical.js";
import type { AppointmentFacts } from "../facts.ts";

const location = (a: AppointmentFacts) => [a.studio.name, a.studio.address].filter(Boolean).join(", ");

function summary(a: AppointmentFacts, forArtist: boolean): string {
  return forArtist ? `${a.title} — ${a.customer.name}` : `${a.title} with ${a.artist.displayName}`;
}

/** A VCALENDAR with one VEVENT; the UID is the appointment's, so a later file updates the same event. */
export function appointmentIcs(
  a: AppointmentFacts,
  opts: { forArtist: boolean; url: string; cancelled?: boolean },
): string {
  const cal = new ICAL.Component(["vcalendar", [], []]);
  cal.updatePropertyWithValue("prodid", "-//Tatu//Bookings//EN");
  cal.updatePropertyWithValue("version", "2.0");
  cal.updatePropertyWithValue("method", opts.cancelled ? "CANCEL" : "PUBLISH");
  const vevent = new ICAL.Component("vevent");
  const ev = new ICAL.Event(vevent);
  ev.uid = `${a.appointmentId}@tatu`;
  ev.summary = summary(a, opts.forArtist);
  ev.startDate = ICAL.Time.fromJSDate(new Date(a.start), true);
  ev.endDate = ICAL.Time.fromJSDate(new Date(a.end), true);
  if (location(a)) ev.location = location(a);
  ev.description = opts.url;
  vevent.updatePropertyWithValue("dtstamp", ICAL.Time.fromJSDate(new Date(), true));
  vevent.updatePropertyWithValue("url", opts.url);
  if (opts.cancelled) vevent.updatePropertyWithValue("status", "CANCELLED");
  cal.addSubcomponent(vevent);
  return cal.toString();
}

const compact = (iso: string) =>
  new Date(iso)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");

export function addToCalendarLinks(a: AppointmentFacts, opts: { forArtist: boolean; url: string }) {
  const text = summary(a, opts.forArtist);
  const google = new URL("https://calendar.google.com/calendar/render");
  google.search = new URLSearchParams({
    action: "TEMPLATE",
    text,
    dates: `${compact(a.start)}/${compact(a.end)}`,
    details: opts.url,
    location: location(a),
  }).toString();
  const outlook = new URL("https://outlook.live.com/calendar/0/deeplink/compose");
  outlook.search = new URLSearchParams({
    path: "/calendar/action/compose",
    rru: "addevent",
    subject: text,
    startdt: a.start,
    enddt: a.end,
    body: opts.url,
    location: location(a),
  }).toString();
  return { google: google.toString(), outlook: outlook.toString() };
}
