// Stores calendar events as busy blocks, in bulk and idempotently (unique per connection +
// event id), and links events to Tatu's own appointments (two-way sync bookkeeping).
import type { Prisma } from "../db/client.ts";
import type { CalendarEvent } from "../providers/kit/calendar.ts";

type Tx = Prisma.TransactionClient;

export async function upsertBusy(tx: Tx, c: { id: string; userId: string }, events: CalendarEvent[]): Promise<void> {
  const unique = [...new Map(events.map((e) => [e.externalId, e])).values()];
  if (!unique.length) return;
  const col = <T>(f: (e: CalendarEvent) => T) => unique.map(f);
  await tx.$executeRaw`
    INSERT INTO "BusyBlock" (id, "connectionId", "userId", "externalId", "iCalUID", start, "end", "allDay", cancelled, transparent, "appointmentId", etag, "updatedAt")
    SELECT gen_random_uuid(), ${c.id}::uuid, ${c.userId}::uuid, t.ext, t.uid, t.s, t.e, t.ad, t.cx, t.tr, t.appt, t.etag, now()
    FROM unnest(${col((e) => e.externalId)}::text[], ${col((e) => e.iCalUID ?? null)}::text[], ${col((e) => e.start.toISOString())}::timestamp(3)[],
                ${col((e) => e.end.toISOString())}::timestamp(3)[], ${col((e) => e.allDay)}::boolean[], ${col((e) => e.status === "cancelled")}::boolean[],
                ${col((e) => e.transparent)}::boolean[], ${col((e) => (e.tatuAppointmentId && /^[0-9a-f-]{36}$/i.test(e.tatuAppointmentId) ? e.tatuAppointmentId : null))}::uuid[], ${col((e) => e.etag ?? null)}::text[])
      AS t(ext, uid, s, e, ad, cx, tr, appt, etag)
    ON CONFLICT ("connectionId", "externalId") DO UPDATE SET
      "iCalUID" = EXCLUDED."iCalUID",
      -- A tombstone (Graph @removed) carries no times: keep the ones we knew.
      start = CASE WHEN EXCLUDED.cancelled AND EXCLUDED.start = 'epoch'::timestamp THEN "BusyBlock".start ELSE EXCLUDED.start END,
      "end" = CASE WHEN EXCLUDED.cancelled AND EXCLUDED.start = 'epoch'::timestamp THEN "BusyBlock"."end" ELSE EXCLUDED."end" END,
      "allDay" = EXCLUDED."allDay", cancelled = EXCLUDED.cancelled, transparent = EXCLUDED.transparent,
      "appointmentId" = COALESCE(EXCLUDED."appointmentId", "BusyBlock"."appointmentId"), etag = EXCLUDED.etag, "updatedAt" = now()`;
}

/** Tatu's appointments as the calendar now sees them: moved or deleted there is recorded. */
export async function reconcileAppointments(
  tx: Tx,
  c: { id: string; userId: string },
  events: CalendarEvent[],
): Promise<void> {
  for (const e of events) {
    const appt =
      e.tatuAppointmentId && /^[0-9a-f-]{36}$/i.test(e.tatuAppointmentId)
        ? await tx.appointment.findFirst({ where: { id: e.tatuAppointmentId, artistId: c.userId } })
        : await tx.appointment.findFirst({
            where: { artistId: c.userId, calendarConnectionId: c.id, calendarEventId: e.externalId },
          });
    if (!appt || appt.status === "cancelled") continue;
    const state =
      e.status === "cancelled"
        ? "deleted_in_calendar"
        : e.start.getTime() !== appt.start.getTime() || e.end.getTime() !== appt.end.getTime()
          ? "moved_in_calendar"
          : "synced";
    if (state !== appt.calendarState)
      await tx.appointment.update({ where: { id: appt.id }, data: { calendarState: state } });
  }
}
