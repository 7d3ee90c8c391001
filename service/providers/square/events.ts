// Square bookings as calendar events. Tatu marks its own bookings in `seller_note`: Square
// shows that note only to the seller and their staff (never to the client in confirmations or
// the booking site, unlike `customer_note`, which the client writes and sees), it is returned
// to seller-level tokens, which is what a pasted access token is, and clients cannot overwrite
// it. The last line carries the appointment id and iCalUID.
import type { Square } from "square";
import type { CalendarEvent, EventDraft } from "../kit/calendar.ts";

const MARKER = /^Tatu appointment: ([^\s()]+)(?: \(([^\s()]+)\))?$/m;
const NOTE_MAX = 4096;

export interface TatuMarker {
  appointmentId: string;
  iCalUID?: string;
  title?: string;
}

/** seller_note for a Tatu appointment: title, description, then the marker line. */
export function sellerNote(draft: EventDraft): string {
  const marker = `Tatu appointment: ${draft.appointmentId} (${draft.iCalUID})`;
  const head = [draft.title.trim(), draft.description?.trim()].filter(Boolean).join("\n\n");
  const room = NOTE_MAX - marker.length - 2;
  return `${head.length > room ? `${head.slice(0, room - 1)}…` : head}\n\n${marker}`;
}

export function parseMarker(note: string | null | undefined): TatuMarker | undefined {
  if (!note) return undefined;
  const lines = note.split("\n");
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = MARKER.exec(lines[i]!.trim());
    if (!m) continue;
    const title = lines[0]!.trim();
    return { appointmentId: m[1]!, ...(m[2] ? { iCalUID: m[2] } : {}), ...(i > 0 && title ? { title } : {}) };
  }
  return undefined;
}

const CANCELLED = new Set(["CANCELLED_BY_CUSTOMER", "CANCELLED_BY_SELLER", "DECLINED"]);

export const isCancelled = (b: Square.Booking) => CANCELLED.has(String(b.status));

/** Minutes from start_at to the end of the last segment: segment durations plus the
 *  intermissions between them (processing time inside the appointment). The trailing
 *  transition_time (clean-up buffer) is not part of the appointment and is left out. */
export function bookingMinutes(b: Square.Booking): number {
  const segs = b.appointmentSegments ?? [];
  return segs.reduce(
    (sum, s, i) => sum + (s.durationMinutes ?? 0) + (i < segs.length - 1 ? (s.intermissionMinutes ?? 0) : 0),
    0,
  );
}

/** PENDING waits for the seller's approval: tentative. NO_SHOW is set after the fact on a slot
 *  that was held, so it stays confirmed (it must not read as a cancellation of a Tatu
 *  appointment). */
function statusOf(b: Square.Booking): CalendarEvent["status"] {
  if (isCancelled(b)) return "cancelled";
  return b.status === "PENDING" ? "tentative" : "confirmed";
}

export function toEvent(b: Square.Booking): CalendarEvent {
  const start = new Date(b.startAt ?? 0);
  const marker = parseMarker(b.sellerNote);
  return {
    externalId: b.id!,
    start,
    end: new Date(start.getTime() + bookingMinutes(b) * 60_000),
    allDay: b.allDay === true,
    status: statusOf(b),
    transparent: false,
    etag: String(b.version ?? 0),
    ...(marker
      ? {
          tatuAppointmentId: marker.appointmentId,
          ...(marker.iCalUID ? { iCalUID: marker.iCalUID } : {}),
          ...(marker.title ? { title: marker.title } : {}),
        }
      : {}),
  };
}

/** A booking that vanished (Square cannot find it any more): a tombstone at its last known time. */
export function tombstone(id: string, startMs: number): CalendarEvent {
  const at = new Date(startMs);
  return { externalId: id, start: at, end: at, allDay: false, status: "cancelled", transparent: false };
}
