// Graph event JSON ⇄ Tatu's CalendarEvent / EventDraft.
import { z } from "zod";
import type { CalendarEvent, EventDraft } from "../kit/calendar.ts";
import { utcToWallClock, wallClockToUtc } from "../../time/zones.ts";
import { ianaZoneFor, isUtcName, roundTrips, windowsZoneFor } from "./zones.ts";

/**
 * Tatu's appointment id lives in a named MAPI string property in Tatu's own GUID namespace
 * (singleValueExtendedProperties), chosen over an open extension because Graph accepts it
 * in the same POST/PATCH body, returns it on GET/list with
 * `$expand=singleValueExtendedProperties($filter=id eq '…')`, and — unlike open extensions —
 * can be *filtered by value* (`singleValueExtendedProperties/any(ep: ep/id eq '…' and
 * ep/value eq '<appointmentId>')`), so an event can always be found again from the
 * appointment. Neither kind comes back from calendarView/delta (no $expand there), so sync
 * reads it with one $batch per page for the events that can be Tatu's (see sync.ts).
 */
export const TATU_PROPERTY_ID = "String {6c3f0b7e-2a51-4d8e-9f0c-7a1e5d2b9c44} Name tatuAppointmentId";

const dateTimeTimeZone = z.object({ dateTime: z.string(), timeZone: z.string().nullish() });

export const graphEvent = z.object({
  id: z.string().min(1),
  changeKey: z.string().nullish(),
  iCalUId: z.string().nullish(),
  subject: z.string().nullish(),
  start: dateTimeTimeZone.nullish(),
  end: dateTimeTimeZone.nullish(),
  isAllDay: z.boolean().nullish(),
  isCancelled: z.boolean().nullish(),
  isOrganizer: z.boolean().nullish(),
  showAs: z.string().nullish(),
  type: z.string().nullish(),
  originalStartTimeZone: z.string().nullish(),
  originalEndTimeZone: z.string().nullish(),
  transactionId: z.string().nullish(),
  singleValueExtendedProperties: z.array(z.object({ id: z.string(), value: z.string().nullish() })).nullish(),
});
export type GraphEvent = z.infer<typeof graphEvent>;

export const removedItem = z.object({
  id: z.string().min(1),
  "@removed": z.object({ reason: z.string().optional() }).passthrough(),
});

/** Reads Tatu's appointment id from an event fetched with the $expand above. */
export function appointmentIdOf(ev: Pick<GraphEvent, "singleValueExtendedProperties">): string | undefined {
  const prop = ev.singleValueExtendedProperties?.find((p) => p.id.toLowerCase() === TATU_PROPERTY_ID.toLowerCase());
  return prop?.value || undefined;
}

/** Graph's dateTime (7 fractional digits, no offset) in its timeZone → instant. */
export function instantOf(v: { dateTime: string; timeZone?: string | null }): Date {
  const zone = !v.timeZone || isUtcName(v.timeZone) ? "UTC" : (ianaZoneFor(v.timeZone) ?? "UTC");
  return wallClockToUtc(v.dateTime, zone);
}

/**
 * All-day events come back as midnight-to-midnight dates whatever `Prefer: outlook.timezone`
 * says (floating dates); they block the day in the zone they were created in, which Graph
 * keeps in originalStartTimeZone/originalEndTimeZone.
 */
function allDayInstant(v: { dateTime: string }, zoneName: string | null | undefined): Date {
  return wallClockToUtc(`${v.dateTime.slice(0, 10)}T00:00:00`, ianaZoneFor(zoneName) ?? "UTC");
}

/** A tombstone: the event is gone (or moved out of the window); its times are unknown. */
export function tombstone(id: string): CalendarEvent {
  return {
    externalId: id,
    start: new Date(0),
    end: new Date(0),
    allDay: false,
    status: "cancelled",
    transparent: true,
  };
}

export function toCalendarEvent(ev: GraphEvent, tatuAppointmentId: string | undefined): CalendarEvent | undefined {
  if (!ev.start || !ev.end) return undefined;
  const allDay = ev.isAllDay === true;
  const start = allDay ? allDayInstant(ev.start, ev.originalStartTimeZone) : instantOf(ev.start);
  const end = allDay ? allDayInstant(ev.end, ev.originalEndTimeZone ?? ev.originalStartTimeZone) : instantOf(ev.end);
  const showAs = ev.showAs?.toLowerCase();
  return {
    externalId: ev.id,
    ...(ev.iCalUId ? { iCalUID: ev.iCalUId } : {}),
    start,
    end,
    allDay,
    status: ev.isCancelled ? "cancelled" : showAs === "tentative" ? "tentative" : "confirmed",
    // "Working elsewhere" is a location marker, not busy time (like Google's workingLocation).
    transparent: showAs === "free" || showAs === "workingelsewhere",
    ...(tatuAppointmentId ? { tatuAppointmentId, ...(ev.subject ? { title: ev.subject } : {}) } : {}),
    ...(ev.changeKey ? { etag: ev.changeKey } : {}),
  };
}

/** Graph dateTimeTimeZone for an instant in the artist's zone (see zones.ts for the fallback). */
export function graphTime(instant: Date, zone: string): { dateTime: string; timeZone: string } {
  const windows = windowsZoneFor(zone);
  const iana = windows ? ianaZoneFor(windows) : undefined;
  if (
    windows &&
    windows !== "UTC" &&
    iana &&
    roundTrips(instant, iana) &&
    roundTrips(instant, zone) &&
    utcToWallClock(instant, iana) === utcToWallClock(instant, zone)
  )
    return { dateTime: utcToWallClock(instant, zone), timeZone: windows };
  return { dateTime: utcToWallClock(instant, "UTC"), timeZone: "UTC" };
}

/** The event body Tatu writes for an appointment (create and update). */
export function eventBody(draft: EventDraft): Record<string, unknown> {
  return {
    subject: draft.title,
    body: { contentType: "text", content: draft.description ?? "" },
    start: graphTime(draft.start, draft.timeZone),
    end: graphTime(draft.end, draft.timeZone),
    isAllDay: false,
    showAs: "busy",
    ...(draft.location !== undefined ? { location: { displayName: draft.location } } : {}),
    singleValueExtendedProperties: [{ id: TATU_PROPERTY_ID, value: draft.appointmentId }],
  };
}
