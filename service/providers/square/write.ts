// Tatu's appointments as Square bookings of one artist (the calendar = a team member) at the
// connected location. Writes are read-modify-write with Square's booking `version`; every
// call carries an idempotency key so a retry after a lost answer changes nothing twice:
//   create: tatu-<appointment>-<hash of time, artist, location, note> (the draft has no
//           version of its own; a retried identical draft maps to the same booking)
//   update: tatu-<appointment>-u<booking version>-<hash of the change>
//   cancel: tatu-cancel-<booking>-v<booking version>
import type { Square, SquareClient } from "square";
import { ProviderError } from "../kit/errors.ts";
import type { ProviderAccount, ProviderEnv } from "../kit/channel.ts";
import type { CalendarProvider, EventDraft } from "../kit/calendar.ts";
import { accountClient } from "./config.ts";
import { bookableService, ensureCustomer, shortHash } from "./booking-inputs.ts";
import { isSquareNotFound, isVersionMismatch } from "./errors.ts";
import { bookingMinutes, isCancelled, sellerNote } from "./events.ts";

function minutesOf(draft: EventDraft): number {
  const minutes = Math.round((draft.end.getTime() - draft.start.getTime()) / 60_000);
  if (minutes < 1 || minutes > 1440)
    throw new ProviderError("permanent", "Square appointments last between 1 minute and 24 hours.", {
      code: "SQUARE_INVALID_DURATION",
    });
  return minutes;
}

const startAt = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

export const createBooking: CalendarProvider["createEvent"] = async (env, account, calendarId, draft) => {
  const { client, creds } = await accountClient(env, account);
  const durationMinutes = minutesOf(draft);
  const note = sellerNote(draft);
  const customerId = await ensureCustomer(client, draft);
  const service = await bookableService(client, calendarId, creds.serviceVariationId);
  const key = `tatu-${draft.appointmentId}-${shortHash({ start: draft.start.getTime(), durationMinutes, calendarId, location: creds.locationId, note })}`;
  const res = await client.bookings.create({
    idempotencyKey: key,
    booking: {
      startAt: startAt(draft.start),
      locationId: creds.locationId,
      customerId,
      sellerNote: note,
      appointmentSegments: [
        {
          durationMinutes,
          teamMemberId: calendarId,
          serviceVariationId: service.id,
          serviceVariationVersion: service.version,
        },
      ],
    },
  });
  const b = res.booking;
  if (!b?.id)
    throw new ProviderError("transient", "Square did not return the new booking.", {
      code: "SQUARE_UNEXPECTED_RESPONSE",
    });
  return { externalId: b.id, iCalUID: draft.iCalUID, etag: String(b.version ?? 0) };
};

async function current(client: SquareClient, bookingId: string): Promise<Square.Booking | undefined> {
  try {
    return (await client.bookings.get({ bookingId })).booking;
  } catch (err) {
    if (isSquareNotFound(err)) return undefined;
    throw err;
  }
}

/** The booking's segments re-timed to `minutes` for `teamMemberId`, or undefined when
 *  nothing changes (segments are then left out of the update: their service versions may be
 *  older than the catalog's). The last segment absorbs a length change. */
function retimed(b: Square.Booking, minutes: number, teamMemberId: string): Square.AppointmentSegment[] | undefined {
  const segs = b.appointmentSegments ?? [];
  if (!segs.length) return undefined;
  const sameLength = bookingMinutes(b) === minutes;
  if (sameLength && segs.every((s) => s.teamMemberId === teamMemberId)) return undefined;
  const last = segs[segs.length - 1]!;
  const lastMinutes = (last.durationMinutes ?? 0) + minutes - bookingMinutes(b);
  if (lastMinutes < 1)
    throw new ProviderError(
      "permanent",
      "This Square booking has several services; it cannot be made that short from Tatu. Change it in Square.",
      { code: "SQUARE_INVALID_DURATION" },
    );
  return segs.map((s, i) => ({
    ...s,
    teamMemberId,
    ...(s.serviceVariationVersion !== undefined && s.serviceVariationVersion !== null
      ? { serviceVariationVersion: BigInt(s.serviceVariationVersion) }
      : {}),
    ...(i === segs.length - 1 ? { durationMinutes: lastMinutes } : {}),
  }));
}

export const updateBooking: CalendarProvider["updateEvent"] = async (env, account, calendarId, externalId, draft) => {
  const { client } = await accountClient(env, account);
  const minutes = minutesOf(draft);
  const b = await current(client, externalId);
  if (!b)
    throw new ProviderError("permanent", "This booking no longer exists in Square.", { code: "SQUARE_NOT_FOUND" });
  if (isCancelled(b))
    throw new ProviderError(
      "permanent",
      "This booking was cancelled in Square, so Tatu cannot move it. Book the appointment again.",
      { code: "SQUARE_BOOKING_CANCELLED" },
    );
  const segments = retimed(b, minutes, calendarId);
  const change: Square.Booking = {
    version: b.version ?? 0,
    startAt: startAt(draft.start),
    sellerNote: sellerNote(draft),
    ...(segments ? { appointmentSegments: segments } : {}),
  };
  const res = await client.bookings.update({
    bookingId: externalId,
    idempotencyKey: `tatu-${draft.appointmentId}-u${b.version ?? 0}-${shortHash({ start: change.startAt, minutes, calendarId, note: change.sellerNote })}`,
    booking: change,
  });
  return { externalId, iCalUID: draft.iCalUID, etag: String(res.booking?.version ?? "") };
};

/** Cancels (Square never deletes bookings). Gone or already cancelled is fine. A version
 *  race (the merchant touched it meanwhile) is retried once with the fresh version: the
 *  intent to cancel does not depend on what changed. */
export async function cancelBooking(env: ProviderEnv, account: ProviderAccount, externalId: string): Promise<void> {
  const { client } = await accountClient(env, account);
  for (let attempt = 0; ; attempt++) {
    const b = await current(client, externalId);
    if (!b || isCancelled(b)) return;
    const version = b.version ?? 0;
    try {
      await client.bookings.cancel({
        bookingId: externalId,
        bookingVersion: version,
        idempotencyKey: `tatu-cancel-${externalId}-v${version}`,
      });
      return;
    } catch (err) {
      if (attempt === 0 && isVersionMismatch(err)) continue;
      throw err;
    }
  }
}
