// Google Event JSON ↔ Tatu's CalendarEvent / EventDraft.
import { z } from "zod";
import type { calendar_v3 } from "@googleapis/calendar";
import { ProviderError } from "../kit/errors.ts";
import type { CalendarEvent, EventDraft } from "../kit/calendar.ts";
import { isoWithOffset, isZone, parseWallClock, wallClockToUtc } from "../../time/zones.ts";

/** Extended property (private to Tatu's OAuth client) that marks Tatu's own events. */
export const APPOINTMENT_PROP = "tatuAppointmentId";

const Time = z.object({ date: z.string().nullish(), dateTime: z.string().nullish(), timeZone: z.string().nullish() });
const Event = z.object({
  id: z.string(),
  status: z.string().nullish(),
  etag: z.string().nullish(),
  iCalUID: z.string().nullish(),
  summary: z.string().nullish(),
  transparency: z.string().nullish(),
  start: Time.nullish(),
  end: Time.nullish(),
  originalStartTime: Time.nullish(),
  extendedProperties: z.object({ private: z.record(z.string(), z.string()).nullish() }).nullish(),
});
type Time = z.infer<typeof Time>;

/** Wall time without offset (an all-day date is its midnight) in `zone` → the instant; undefined if unreadable. */
function wallInstant(text: string, zone: string): Date | undefined {
  const wall = parseWallClock(text);
  return wall && wallClockToUtc(wall, zone);
}

function instant(t: Time, calendarZone: string): { at: Date; allDay: boolean } | undefined {
  if (t.date) {
    const at = wallInstant(t.date, calendarZone);
    return at && { at, allDay: true };
  }
  if (!t.dateTime) return undefined;
  // RFC 3339 with an offset is absolute; without one it is wall time in its zone.
  const at = /(Z|[+-]\d{2}:?\d{2})$/i.test(t.dateTime)
    ? new Date(t.dateTime)
    : wallInstant(t.dateTime, t.timeZone ?? calendarZone);
  return at && !Number.isNaN(at.getTime()) ? { at, allDay: false } : undefined;
}

/** One events.list item → CalendarEvent; undefined for an item that cannot be read.
 *  Tombstones carry only an id (instances also originalStartTime): their start/end fall
 *  back to the original start, else the epoch — consumers match them by externalId. */
export function toCalendarEvent(raw: calendar_v3.Schema$Event, calendarZone: string): CalendarEvent | undefined {
  const parsed = Event.safeParse(raw);
  if (!parsed.success) return undefined;
  const ev = parsed.data;
  const status = ev.status === "cancelled" ? "cancelled" : ev.status === "tentative" ? "tentative" : "confirmed";
  const start =
    (ev.start && instant(ev.start, calendarZone)) ??
    (ev.originalStartTime && instant(ev.originalStartTime, calendarZone));
  const end = (ev.end && instant(ev.end, calendarZone)) ?? start;
  if (!start && status !== "cancelled") return undefined;
  const appointmentId = ev.extendedProperties?.private?.[APPOINTMENT_PROP] ?? undefined;
  return {
    externalId: ev.id,
    ...(ev.iCalUID && { iCalUID: ev.iCalUID }),
    start: start?.at ?? new Date(0),
    end: end?.at ?? new Date(0),
    allDay: start?.allDay ?? false,
    status,
    transparent: ev.transparency === "transparent",
    ...(appointmentId && { tatuAppointmentId: appointmentId }),
    // Only Tatu's own events keep a title; everything else is busy time.
    ...(appointmentId && ev.summary && { title: ev.summary }),
    ...(ev.etag && { etag: ev.etag }),
  };
}

/** The Event body for import/patch: local wall time + IANA zone, Tatu's id as a private property. */
export function eventBody(draft: EventDraft): calendar_v3.Schema$Event {
  if (!isZone(draft.timeZone))
    throw new ProviderError("permanent", `Unknown time zone "${draft.timeZone.slice(0, 64)}"`, {
      code: "GOOGLE_CALENDAR_BAD_TIME_ZONE",
    });
  return {
    summary: draft.title,
    description: draft.description ?? "",
    location: draft.location ?? "",
    start: { dateTime: isoWithOffset(draft.start, draft.timeZone), timeZone: draft.timeZone },
    end: { dateTime: isoWithOffset(draft.end, draft.timeZone), timeZone: draft.timeZone },
    transparency: "opaque",
    extendedProperties: { private: { [APPOINTMENT_PROP]: draft.appointmentId } },
  };
}
