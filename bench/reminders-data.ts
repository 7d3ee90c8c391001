// The reminder benchmark's data: due appointments seeded with set-based SQL (one INSERT …
// SELECT FROM generate_series per table), so 100,000 take seconds, not minutes.
import type pg from "pg";

/** Deterministic ids (md5 → uuid) so each table is one INSERT … SELECT FROM generate_series. */
export async function seed(
  c: pg.Client,
  o: { reminders: number; aftercare: number; artists: number; asOfMs: number; phonePct: number; optOutPct: number },
): Promise<void> {
  const total = o.reminders + o.aftercare;
  await c.query(
    `
    INSERT INTO "User" (id, email, name, role, "passwordHash", "updatedAt")
    SELECT md5('artist' || g)::uuid, 'artist-' || g || '@bench.test', 'Artist ' || g, 'artist', 'x', now()
    FROM generate_series(1, $1::int) g`,
    [o.artists],
  );
  await c.query(
    `
    INSERT INTO "ArtistProfile" ("userId", "displayName", "timeZone", "updatedAt")
    SELECT md5('artist' || g)::uuid, 'Studio ' || g, CASE WHEN g % 2 = 0 THEN 'Europe/Berlin' ELSE 'America/New_York' END, now()
    FROM generate_series(1, $1::int) g`,
    [o.artists],
  );
  // Customer g: a phone for phonePct % of them; opted out: every (100/optOutPct)-th.
  await c.query(
    `
    INSERT INTO "User" (id, email, name, role, "passwordHash", "updatedAt", phone, "remindersOptOut")
    SELECT md5('customer' || g)::uuid, 'customer-' || g || '@bench.test', 'Client ' || g, 'customer', 'x', now(),
      CASE WHEN g % 100 < $2::int THEN '+1555' || lpad(g::text, 7, '0') END,
      $3::int > 0 AND g % (100 / $3::int) = 7
    FROM generate_series(1, $1::int) g`,
    [total, o.phonePct, o.optOutPct],
  );
  // Reminders: customer g with artist g mod A, slot (g / A) of 20 minutes from asOf + 25 h.
  // Aftercare: sessions of 20 minutes that ended 20 h … 1 h before asOf (no service = session).
  await c.query(
    `
    WITH base AS (SELECT to_timestamp($4::float8 / 1000.0) AT TIME ZONE 'UTC' AS t)
    INSERT INTO "Appointment" (id, "artistId", "customerId", start, "end", "blockEnd", "timeZone", status, "updatedAt")
    SELECT md5('appt' || g)::uuid, md5('artist' || ((g - 1) % $2::int + 1))::uuid, md5('customer' || g)::uuid,
      s.start, s.start + interval '20 minutes', s.start + interval '20 minutes',
      CASE WHEN ((g - 1) % $2::int + 1) % 2 = 0 THEN 'Europe/Berlin' ELSE 'America/New_York' END,
      (CASE WHEN g <= $1::int THEN 'confirmed' ELSE 'completed' END)::"AppointmentStatus", now()
    FROM generate_series(1, $3::int) g, base,
    LATERAL (SELECT CASE WHEN g <= $1::int
      THEN base.t + interval '25 hours' + ((g - 1) / $2::int) * interval '20 minutes'
      ELSE base.t - interval '20 hours' + ((g - $1::int - 1) / $2::int) * interval '20 minutes' END AS start) s`,
    [o.reminders, o.artists, total, o.asOfMs],
  );
  await c.query(`ANALYZE "User"; ANALYZE "Appointment"; ANALYZE "ArtistProfile"; ANALYZE "Reminder"`);
}
