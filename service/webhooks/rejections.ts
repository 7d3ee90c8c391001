// Rejected webhook deliveries as aggregated per-minute counters, never a row per request: an
// unauthenticated sender must not be able to grow the database by posting garbage.
//   - With Redis: one hash per minute (`<prefix>:wh-rej:<minute>`, field `<source>|<reason>`),
//     HINCRBY + EXPIRE 25 h in one round trip; shared by every replica.
//   - Without Redis (embedded / single-process installs): one upserted WebhookRejectionCount row
//     per source, reason and minute (pruned after two days by the sync-messages cron). Also
//     the fallback while a configured Redis is down; the metrics read both.
// Signature rejections from an address that delivered a correctly signed webhook for the same
// source in the last 24 h ("known senders") are counted apart: forgers cannot produce those, so
// hypercare's rejection-ratio trigger reads only them (a rotated secret on the provider's side).
import type { AppContext } from "../context.ts";
import type { WebhookSource } from "../providers/kit/webhook.ts";

export type RejectReason = "signature" | "malformed" | "content_type" | "too_large" | "unreadable";
/** Stored reasons: a signature rejection splits by sender; `rate_limited` never reached a check. */
export type CountedReason =
  | Exclude<RejectReason, "signature">
  | "signature_unknown"
  | "signature_known"
  | "rate_limited";

const MINUTE_MS = 60_000;
const REDIS_TTL_SEC = 25 * 3600;
const KNOWN_SENDER_TTL_SEC = 24 * 3600;
const minuteOf = (t = Date.now()) => Math.floor(t / MINUTE_MS);

/** Known senders without Redis: this process only (such installs run one process). */
const knownInMemory = new WeakMap<AppContext, Map<string, number>>();

function knownKey(ctx: AppContext, source: WebhookSource, ip: string) {
  return `${ctx.config.redisPrefix}:wh-known:${source}:${ip}`;
}

/** When this process last wrote each known sender to Redis: a provider posts from a few addresses,
 *  so refreshing the 24 h key every 5 minutes is enough, instead of one Redis write per delivery
 *  (5 minutes also bounds how long a restarted, empty Redis misses a sender). */
const refreshedInRedis = new WeakMap<AppContext, Map<string, number>>();
const REFRESH_EVERY_MS = 5 * 60_000;

function localMap(store: WeakMap<AppContext, Map<string, number>>, ctx: AppContext): Map<string, number> {
  let map = store.get(ctx);
  if (!map) store.set(ctx, (map = new Map()));
  if (map.size > 10_000) map.clear(); // bounded; refills from the next genuine deliveries
  return map;
}

/** Remembers the address a correctly signed delivery came from (best effort, off the ack path). */
export async function rememberSender(ctx: AppContext, source: WebhookSource, ip: string | undefined): Promise<void> {
  if (!ip) return;
  const field = `${source}|${ip}`,
    now = Date.now();
  try {
    if (ctx.redis) {
      const refreshed = localMap(refreshedInRedis, ctx);
      if ((refreshed.get(field) ?? 0) > now - REFRESH_EVERY_MS) return;
      await ctx.redis.set(knownKey(ctx, source, ip), "1", "EX", KNOWN_SENDER_TTL_SEC);
      refreshed.set(field, now);
    } else localMap(knownInMemory, ctx).set(field, now + KNOWN_SENDER_TTL_SEC * 1000);
  } catch (err) {
    ctx.log.debug({ err: (err as Error).message }, "could not remember a webhook sender");
  }
}

async function isKnownSender(ctx: AppContext, source: WebhookSource, ip: string | undefined): Promise<boolean> {
  if (!ip) return false;
  try {
    if (ctx.redis) return (await ctx.redis.exists(knownKey(ctx, source, ip))) === 1;
    return (knownInMemory.get(ctx)?.get(`${source}|${ip}`) ?? 0) > Date.now();
  } catch {
    return false;
  }
}

async function count(ctx: AppContext, source: WebhookSource, reason: CountedReason): Promise<void> {
  const minute = minuteOf();
  if (ctx.redis) {
    const key = `${ctx.config.redisPrefix}:wh-rej:${minute}`;
    try {
      const answers = await ctx.redis.multi().hincrby(key, `${source}|${reason}`, 1).expire(key, REDIS_TTL_SEC).exec();
      if (answers && !answers.some(([err]) => err)) return;
    } catch {
      /* Redis down: the Postgres bucket below (read together with Redis) */
    }
  }
  await ctx.db.$executeRaw`INSERT INTO "WebhookRejectionCount" (source, reason, minute, count)
    VALUES (${source}, ${reason}, ${new Date(minute * MINUTE_MS)}, 1)
    ON CONFLICT (source, reason, minute) DO UPDATE SET count = "WebhookRejectionCount".count + 1`;
}

/** Counts one rejected delivery (never throws: a counting failure must not change the answer). */
export async function recordRejected(
  ctx: AppContext,
  source: WebhookSource,
  reason: RejectReason | "rate_limited",
  detail: string,
  ip?: string,
): Promise<void> {
  try {
    const counted: CountedReason =
      reason === "signature"
        ? (await isKnownSender(ctx, source, ip))
          ? "signature_known"
          : "signature_unknown"
        : reason;
    await count(ctx, source, counted);
    // Debug only: at info level a flood of forgeries would become a flood of log lines.
    ctx.log.debug({ source, reason: counted, detail: detail.slice(0, 200), ip }, "webhook rejected");
  } catch (err) {
    ctx.log.warn({ err: (err as Error).message, source }, "could not count a rejected webhook");
  }
}

export interface RejectionWindows {
  w15: number;
  w60: number;
  w1440: number;
}
export type RejectionCounts = Map<string, Map<CountedReason, RejectionWindows>>;

/** Per source and reason: rejections in the last 15, 60 and 1440 minutes (current minute included). */
export async function rejectionCounts(ctx: AppContext): Promise<RejectionCounts> {
  const out: RejectionCounts = new Map();
  const now = minuteOf();
  const add = (source: string, reason: CountedReason, minute: number, n: number) => {
    const age = now - minute;
    if (age < 0 || age >= 1440 || !n) return;
    const bySource = out.get(source) ?? new Map<CountedReason, RejectionWindows>();
    out.set(source, bySource);
    const w = bySource.get(reason) ?? { w15: 0, w60: 0, w1440: 0 };
    bySource.set(reason, w);
    if (age < 15) w.w15 += n;
    if (age < 60) w.w60 += n;
    w.w1440 += n;
  };
  if (ctx.redis) {
    const pipeline = ctx.redis.pipeline();
    for (let age = 0; age < 1440; age++) pipeline.hgetall(`${ctx.config.redisPrefix}:wh-rej:${now - age}`);
    const answers = (await pipeline.exec()) ?? [];
    try {
      const answers = (await pipeline.exec()) ?? [];
      answers.forEach(([err, hash], age) => {
        if (err || !hash) return;
        for (const [field, value] of Object.entries(hash as Record<string, string>)) {
          const [source, reason] = field.split("|") as [string, CountedReason];
          add(source, reason, now - age, Number(value));
        }
      });
    } catch (err) {
      ctx.log.warn({ err: (err as Error).message }, "webhook rejection counters unavailable in Redis");
    }
  }
  // Postgres buckets: every rejection without Redis, and those counted while Redis was down.
  const rows = await ctx.db.webhookRejectionCount.findMany({
    where: { minute: { gt: new Date((now - 1440) * MINUTE_MS) } },
  });
  for (const r of rows) add(r.source, r.reason as CountedReason, minuteOf(r.minute.getTime()), r.count);
  return out;
}

/** Drops Postgres counter rows older than two days (called by the sync-messages cron). */
export async function pruneRejectionCounts(ctx: AppContext): Promise<void> {
  await ctx.db.webhookRejectionCount.deleteMany({ where: { minute: { lt: new Date(Date.now() - 2 * 86_400_000) } } });
}
