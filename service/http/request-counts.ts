// Requests answered per minute, for the hypercare per-minute series (5xx over requests). Cheap:
// each replica counts in memory and upserts one row per minute into "RequestCount" at most every
// FLUSH_EVERY_MS (and before the metrics are read), so a request costs no database write.
// Best effort: a replica that stops between flushes loses its last few seconds of counts.
import { Prisma } from "../db/client.ts";
import type { AppContext } from "../context.ts";

const MINUTE_MS = 60_000;
const FLUSH_EVERY_MS = 5_000;
const PRUNE_EVERY_MS = 3_600_000;
const KEEP = "2 days";

interface Pending {
  counts: Map<number, number>;
  lastFlush: number;
  lastPrune: number;
  flushing?: Promise<void>;
}
const pendingOf = new WeakMap<AppContext, Pending>();

export const minuteOf = (t = Date.now()) => Math.floor(t / MINUTE_MS);

function pending(ctx: AppContext): Pending {
  let p = pendingOf.get(ctx);
  if (!p) pendingOf.set(ctx, (p = { counts: new Map(), lastFlush: Date.now(), lastPrune: 0 }));
  return p;
}

/** Counts one answered request (never throws, never waits for the database). */
export function countRequest(ctx: AppContext): void {
  const p = pending(ctx);
  const minute = minuteOf();
  p.counts.set(minute, (p.counts.get(minute) ?? 0) + 1);
  if (Date.now() - p.lastFlush >= FLUSH_EVERY_MS)
    flushRequestCounts(ctx).catch((err) =>
      ctx.log.debug({ err: (err as Error).message }, "could not store the request counters"),
    );
}

/** Writes this replica's buffered counts (one upserted row per minute). */
export function flushRequestCounts(ctx: AppContext): Promise<void> {
  const p = pending(ctx);
  if (p.flushing) return p.flushing;
  p.lastFlush = Date.now();
  const rows = [...p.counts];
  p.counts.clear();
  if (!rows.length) return Promise.resolve();
  p.flushing = (async () => {
    try {
      await ctx.db.$executeRaw`INSERT INTO "RequestCount" (minute, count)
        VALUES ${Prisma.join(rows.map(([m, n]) => Prisma.sql`(${new Date(m * MINUTE_MS)}, ${n})`))}
        ON CONFLICT (minute) DO UPDATE SET count = "RequestCount".count + EXCLUDED.count`;
    } catch (err) {
      for (const [m, n] of rows) p.counts.set(m, (p.counts.get(m) ?? 0) + n); // retried with the next flush
      throw err;
    } finally {
      p.flushing = undefined;
    }
    if (Date.now() - p.lastPrune >= PRUNE_EVERY_MS) {
      p.lastPrune = Date.now();
      await ctx.db.$executeRawUnsafe(`DELETE FROM "RequestCount" WHERE minute < now() - interval '${KEEP}'`);
    }
  })();
  return p.flushing;
}

export interface MinuteCounts {
  /** Start of the minute (UTC, ISO-8601). */
  minute: string;
  requests: number;
  serverErrors: number;
}

/** The last `minutes` minutes, oldest first, the current (partial) minute last; zeros included. */
export async function perMinuteSeries(ctx: AppContext, minutes: number): Promise<MinuteCounts[]> {
  await flushRequestCounts(ctx).catch(() => undefined);
  const now = minuteOf();
  const since = new Date((now - minutes + 1) * MINUTE_MS);
  type Row = { m: string; n: number };
  const [requests, errors] = await Promise.all([
    ctx.db.$queryRaw<Row[]>`SELECT floor(extract(epoch from minute) / 60)::bigint::text AS m, sum(count)::int AS n
      FROM "RequestCount" WHERE minute >= ${since} GROUP BY 1`,
    ctx.db.$queryRaw<Row[]>`SELECT floor(extract(epoch from at) / 60)::bigint::text AS m, count(*)::int AS n
      FROM "ServerErrorEvent" WHERE at >= ${since} GROUP BY 1`,
  ]);
  const byMinute = (rows: Row[]) => new Map(rows.map((r) => [Number(r.m), r.n]));
  const req = byMinute(requests),
    err = byMinute(errors);
  return Array.from({ length: minutes }, (_, i) => {
    const m = now - minutes + 1 + i;
    return { minute: new Date(m * MINUTE_MS).toISOString(), requests: req.get(m) ?? 0, serverErrors: err.get(m) ?? 0 };
  });
}
