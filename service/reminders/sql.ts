// The set-based SQL behind exactly-once reminders. Every statement is one autocommit
// transaction, and who may send is decided by the database alone:
//  - a first claim is an INSERT … ON CONFLICT ("appointmentId", kind) DO NOTHING: of two
//    runs inserting the same reminder, one row comes back to one of them;
//  - a re-claim (a crashed run's stale claim, a failed attempt) is an UPDATE guarded by the
//    row's status/claimedAt, with FOR UPDATE SKIP LOCKED so concurrent runs pick disjoint rows
//    and the re-check after the lock drops a row someone else took first;
//  - results are written only while the row is still ours (claimedBy + status 'claimed').
// Timestamps are `timestamp(3)` holding UTC (Prisma's convention): times go in as epoch
// milliseconds and come out as epoch milliseconds, never through the session time zone.
import type pg from "pg";
import type { ReminderKind } from "./message.ts";

// On the pg pool directly: these statements move hundreds of rows and arrays of hundreds of
// ids, where Prisma's raw-query layer cost more CPU than the statements. Every column read
// back is text, int or float8 (times as epoch ms), so no driver-specific date handling applies.
async function rows<T extends unknown[]>(pool: pg.Pool, sql: string, values: unknown[]): Promise<T> {
  return (await pool.query(sql, values)).rows as T;
}

async function count(pool: pg.Pool, sql: string, values: unknown[]): Promise<number> {
  return (await pool.query(sql, values)).rowCount ?? 0;
}

const NOW = `(now() AT TIME ZONE 'UTC')`;

// Statements that address rows by id compare `status::text`, which no index serves, so the
// planner goes through the primary key. Given `status = 'claimed'` it may pick the
// (status, claimedAt) index instead: during a run that index holds an entry for every row
// claimed since the last vacuum (updated rows leave dead entries), so each result statement
// would rescan the whole run so far.
const CLAIMED_BY_ID = `status::text = 'claimed'`;

export interface Windows {
  /** The cron's "now" (epoch ms): reminders for starts in [asOf+24h, asOf+48h), aftercare for ends in [asOf-24h, asOf). */
  asOfMs: number;
  reminderFromMs: number;
  reminderToMs: number;
  aftercareFromMs: number;
  /** Failed/stale rows are only retried while still useful: aftercare up to this long after the session. */
  aftercareLateMs: number;
}

export interface Range {
  /** Appointment ids in [from, to); null = open end. */
  from: string | null;
  to: string | null;
}

export interface ClaimedRow {
  id: string;
  appointmentId: string;
  kind: ReminderKind;
  channel: "sms" | "email";
  status: "claimed" | "skipped";
  attempts: number;
  startMs: number;
  endMs: number;
  timeZone: string;
  artistName: string;
  email: string;
  customerName: string;
  phone: string | null;
  /** For a re-claim: when the previous attempt claimed the row (its send, if any, came after). */
  prevClaimedMs: number | null;
}

export interface Result {
  id: string;
  status: "sent" | "failed";
  providerId?: string;
  error?: string;
}

/** Numbered, typed placeholders: each value is bound once and only where it is used
 *  (Postgres cannot type a parameter a statement never mentions). */
class Params {
  readonly values: unknown[] = [];
  private readonly seen = new Map<string, string>();
  /** `key` shares one placeholder between fragments that use the same value. */
  add(value: unknown, type: string, key?: string): string {
    const known = key ? this.seen.get(key) : undefined;
    if (known) return known;
    this.values.push(value);
    const ref = `$${this.values.length}::${type}`;
    if (key) this.seen.set(key, ref);
    return ref;
  }
  time(ms: number, key: string): string {
    return `(to_timestamp(${this.add(ms, "float8", key)} / 1000.0) AT TIME ZONE 'UTC')`;
  }
}

const inRange = (p: Params, col: string, r: Range) => {
  const parts: string[] = [];
  if (r.from) parts.push(`${col} >= ${p.add(r.from, "uuid", "from")}`);
  if (r.to) parts.push(`${col} < ${p.add(r.to, "uuid", "to")}`);
  return parts.length ? `(${parts.join(" AND ")})` : "TRUE";
};
/** Starts must still be ahead of both the cron's "now" and the real one (a job may run late). */
const liveNow = (p: Params, w: Windows) => `GREATEST(${p.time(w.asOfMs, "asOf")}, ${NOW})`;

const dueReminder = (p: Params, w: Windows, r: Range) => `
  SELECT a.id AS aid, 'reminder'::text AS kind FROM "Appointment" a
  WHERE a.status = 'confirmed' AND a.start >= ${p.time(w.reminderFromMs, "remFrom")} AND a.start < ${p.time(w.reminderToMs, "remTo")}
    AND a.start > ${liveNow(p, w)}
    AND ${inRange(p, "a.id", r)}
    AND NOT EXISTS (SELECT 1 FROM "Reminder" r WHERE r."appointmentId" = a.id AND r.kind = 'reminder')`;

// A session, or an appointment without a service (treated as a session); the artist may
// already have marked it completed.
const dueAftercare = (p: Params, w: Windows, r: Range) => `
  SELECT a.id AS aid, 'aftercare'::text AS kind FROM "Appointment" a
  LEFT JOIN "Service" s ON s.id = a."serviceId"
  WHERE a.status IN ('confirmed', 'completed') AND a."end" >= ${p.time(w.aftercareFromMs, "aftFrom")} AND a."end" < ${p.time(w.asOfMs, "asOf")}
    AND (s.kind IS NULL OR s.kind = 'session')
    AND ${inRange(p, "a.id", r)}
    AND NOT EXISTS (SELECT 1 FROM "Reminder" r WHERE r."appointmentId" = a.id AND r.kind = 'aftercare')`;

export interface RetryPolicy {
  /** A claim older than this belongs to a dead run. */
  leaseMs: number;
  maxAttempts: number;
  /** Failures recorded before this instant (this run's start) are retried; newer ones wait for the next run. */
  runStartedMs: number;
}

/** Reminders still worth sending (of `r`, joined to its appointment `a`). */
const stillUseful = (p: Params, w: Windows) => `
  ((r.kind = 'reminder' AND a.status = 'confirmed' AND a.start > ${liveNow(p, w)})
    OR (r.kind = 'aftercare' AND a.status IN ('confirmed', 'completed') AND a."end" > ${liveNow(p, w)} - (${p.add(w.aftercareLateMs, "float8", "late")} * interval '1 millisecond')))`;

const staleClaim = (p: Params, o: RetryPolicy) =>
  `(r.status = 'claimed' AND r."claimedAt" < ${NOW} - (${p.add(o.leaseMs, "float8", "lease")} * interval '1 millisecond'))`;

// A claim older than the lease (its run died), or a failed attempt from before this run that
// was not a permanent refusal, while sending still makes sense.
const retryable = (p: Params, w: Windows, o: RetryPolicy) => `
  r.attempts < ${p.add(o.maxAttempts, "int", "max")}
  AND (${staleClaim(p, o)}
    OR (r.status = 'failed' AND r."claimedAt" < ${p.time(o.runStartedMs, "runStart")} AND COALESCE(r.error, '') NOT LIKE '[permanent]%'))
  AND ${stillUseful(p, w)}`;

/** Everything a send needs, joined to freshly claimed rows (`x`). */
const DETAILS = `
  SELECT x.id::text, x."appointmentId"::text AS "appointmentId", x.kind, x.channel, x.status::text AS status, x.attempts,
    (extract(epoch FROM a.start) * 1000)::float8 AS "startMs", (extract(epoch FROM a."end") * 1000)::float8 AS "endMs",
    COALESCE(ap."timeZone", a."timeZone") AS "timeZone",
    COALESCE(NULLIF(ap."displayName", ''), au.name) AS "artistName",
    cu.email, cu.name AS "customerName", cu.phone,
    (extract(epoch FROM x."prevClaimedAt") * 1000)::float8 AS "prevClaimedMs"
  FROM x
  JOIN "Appointment" a ON a.id = x."appointmentId"
  JOIN "User" cu ON cu.id = a."customerId"
  JOIN "User" au ON au.id = a."artistId"
  LEFT JOIN "ArtistProfile" ap ON ap."userId" = a."artistId"`;

/**
 * Claims up to `limit` due reminders of the range that nobody claimed yet. Opted-out customers
 * get their row too, already `skipped`, so that decision is recorded once like a send.
 */
export function claimNew(
  pool: pg.Pool,
  w: Windows,
  r: Range,
  o: { runId: string; limit: number; smsAvailable: boolean },
): Promise<ClaimedRow[]> {
  const p = new Params();
  const sql = `
    WITH cand AS (
      (${dueReminder(p, w, r)}) UNION ALL (${dueAftercare(p, w, r)})
      ORDER BY aid, kind LIMIT ${p.add(o.limit, "int")}
    ), x AS (
      INSERT INTO "Reminder" (id, "appointmentId", kind, channel, status, "claimedBy", "claimedAt", attempts, error)
      SELECT gen_random_uuid(), c.aid, c.kind,
        CASE WHEN ${p.add(o.smsAvailable, "boolean")} AND COALESCE(cu.phone, '') <> '' THEN 'sms' ELSE 'email' END,
        (CASE WHEN cu."remindersOptOut" THEN 'skipped' ELSE 'claimed' END)::"ReminderStatus",
        ${p.add(o.runId, "text")}, ${NOW}, 1,
        CASE WHEN cu."remindersOptOut" THEN 'The customer opted out of reminders.' END
      FROM cand c
      JOIN "Appointment" a ON a.id = c.aid
      JOIN "User" cu ON cu.id = a."customerId"
      ON CONFLICT ("appointmentId", kind) DO NOTHING
      RETURNING *, NULL::timestamp AS "prevClaimedAt"
    )
    ${DETAILS}`;
  return rows<ClaimedRow[]>(pool, sql, p.values);
}

/** Takes over stale claims and retryable failures of the range (attempts + 1). */
export function reclaim(
  pool: pg.Pool,
  w: Windows,
  r: Range,
  o: RetryPolicy & { runId: string; limit: number },
): Promise<ClaimedRow[]> {
  const p = new Params();
  const sql = `
    WITH pick AS (
      SELECT r.id, r."claimedAt" AS prev FROM "Reminder" r JOIN "Appointment" a ON a.id = r."appointmentId"
      WHERE ${inRange(p, `r."appointmentId"`, r)} AND ${retryable(p, w, o)}
      ORDER BY r.id LIMIT ${p.add(o.limit, "int")}
      FOR UPDATE OF r SKIP LOCKED
    ), x AS (
      UPDATE "Reminder" r SET status = 'claimed', "claimedBy" = ${p.add(o.runId, "text")}, "claimedAt" = ${NOW}, attempts = r.attempts + 1
      FROM pick, "Appointment" a
      WHERE r.id = pick.id AND a.id = r."appointmentId" AND ${retryable(p, w, o)}
      RETURNING r.*, pick.prev AS "prevClaimedAt"
    )
    ${DETAILS}`;
  return rows<ClaimedRow[]>(pool, sql, p.values);
}

/**
 * Orphaned claims that can never be sent any more (attempts used up, or the appointment passed
 * or was cancelled meanwhile) become `failed`, so they stop looking in flight.
 */
export function expireHopeless(pool: pg.Pool, w: Windows, r: Range, o: RetryPolicy): Promise<number> {
  const p = new Params();
  const max = p.add(o.maxAttempts, "int", "max");
  const sql = `
    UPDATE "Reminder" r SET status = 'failed',
      error = CASE WHEN r.attempts >= ${max} THEN '[permanent] Gave up after ' || r.attempts || ' attempts.' ELSE '[permanent] Too late to send.' END
    FROM "Appointment" a
    WHERE a.id = r."appointmentId" AND ${inRange(p, `r."appointmentId"`, r)} AND ${staleClaim(p, o)}
      AND (r.attempts >= ${max} OR NOT ${stillUseful(p, w)})`;
  return count(pool, sql, p.values);
}

/** Renews the lease of rows still ours and unsent; returns the ids we still hold. */
export async function renewLease(pool: pg.Pool, runId: string, ids: string[]): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const held = await rows<{ id: string }[]>(
    pool,
    `
    UPDATE "Reminder" SET "claimedAt" = ${NOW}
    WHERE id = ANY($1::uuid[]) AND "claimedBy" = $2::text AND ${CLAIMED_BY_ID}
    RETURNING id::text`,
    [ids, runId],
  );
  return new Set(held.map((x) => x.id));
}

/**
 * Writes outcomes in one statement; a row someone else took over meanwhile is left alone.
 * Rows are found by id alone and each one's outcome is looked up in a JSON object keyed by id:
 * no join, so no join order for the planner to get wrong. (Joined to unnest(…) of the results,
 * stale statistics — the table grows by thousands of rows a second during a run — made it loop
 * over every result for every claimed row: 8× slower per statement at 500 results.)
 */
export function recordResults(pool: pg.Pool, runId: string, results: Result[]): Promise<number> {
  if (!results.length) return Promise.resolve(0);
  const outcomes: Record<string, { s: string; p: string | null; e: string | null }> = {};
  for (const x of results) outcomes[x.id] = { s: x.status, p: x.providerId ?? null, e: x.error ?? null };
  const of = (field: string) => `($2::jsonb -> r.id::text ->> '${field}')`;
  return count(
    pool,
    `
    UPDATE "Reminder" r SET status = ${of("s")}::"ReminderStatus",
      "sentAt" = CASE WHEN ${of("s")} = 'sent' THEN ${NOW} ELSE r."sentAt" END,
      "providerId" = COALESCE(${of("p")}, r."providerId"),
      error = ${of("e")}
    WHERE r.id = ANY($1::uuid[]) AND r."claimedBy" = $3::text AND r.${CLAIMED_BY_ID}`,
    [results.map((x) => x.id), JSON.stringify(outcomes), runId],
  );
}

/**
 * Splits the run's work into ranges of about `size` appointments (by id) for the fan-out: new
 * work of both kinds plus what is due for a retry. Returns each range's first id.
 */
export async function planRanges(pool: pg.Pool, w: Windows, o: RetryPolicy & { size: number }): Promise<string[]> {
  const p = new Params();
  const all: Range = { from: null, to: null };
  const sql = `
    WITH due AS (
      ${dueReminder(p, w, all)}
      UNION ALL ${dueAftercare(p, w, all)}
      UNION ALL SELECT r."appointmentId" AS aid, r.kind FROM "Reminder" r JOIN "Appointment" a ON a.id = r."appointmentId" WHERE ${retryable(p, w, o)}
    ), ids AS (SELECT DISTINCT aid FROM due)
    SELECT aid::text AS id FROM (SELECT aid, row_number() OVER (ORDER BY aid) AS rn FROM ids) n
    WHERE (rn - 1) % ${p.add(o.size, "int")} = 0 ORDER BY aid`;
  const starts = await rows<{ id: string }[]>(pool, sql, p.values);
  return starts.map((x) => x.id);
}
