// What IMAP push keeps in Redis, and what others read from it:
// - lease:<account>  → the worker (owner id) holding that mailbox's IDLE connection (TTL, renewed);
// - ok:<account>     → present while the connection is up and idling (same TTL): push is healthy,
//                      so the sync cron only polls that account as a 10-minute catch-up;
// - workers (hash)   → owner → {at, held}: live IDLE workers, for fair shares and readiness.
import type { AppContext } from "../../context.ts";

export const keys = (ctx: AppContext) => {
  const base = `${ctx.config.redisPrefix}:imap-idle`;
  return {
    lease: (accountId: string) => `${base}:lease:${accountId}`,
    ok: (accountId: string) => `${base}:ok:${accountId}`,
    workers: `${base}:workers`,
  };
};

/** Push is on only where a long-running worker can hold connections: BullMQ on a TCP Redis. */
export const pushPossible = (ctx: AppContext) =>
  Boolean(ctx.redis) && ctx.queue.mode === "bullmq" && (ctx.config.env.IMAP_IDLE_MAX_PER_WORKER ?? 200) > 0;

/** Accounts (of `ids`) whose push connection is healthy right now. */
export async function healthyPush(ctx: AppContext, ids: string[]): Promise<Set<string>> {
  if (!ctx.redis || ids.length === 0) return new Set();
  const k = keys(ctx);
  try {
    const values = await ctx.redis.mget(...ids.map((id) => k.ok(id)));
    return new Set(ids.filter((_, i) => values[i] !== null));
  } catch {
    return new Set(); // Redis trouble: everyone is polled, as without push
  }
}

export interface WorkerBeat {
  at: number;
  held: number;
  ttlMs: number;
}

/** Live IDLE workers (stale entries of dead workers are dropped on the way). */
export async function liveWorkers(ctx: AppContext, now = Date.now()): Promise<Map<string, WorkerBeat>> {
  const live = new Map<string, WorkerBeat>();
  if (!ctx.redis) return live;
  const k = keys(ctx);
  const all = await ctx.redis.hgetall(k.workers);
  const stale: string[] = [];
  for (const [owner, raw] of Object.entries(all)) {
    try {
      const beat = JSON.parse(raw) as WorkerBeat;
      if (beat.at + beat.ttlMs > now) live.set(owner, beat);
      else stale.push(owner);
    } catch {
      stale.push(owner);
    }
  }
  if (stale.length) await ctx.redis.hdel(k.workers, ...stale);
  return live;
}

/** The readiness line: whether new IMAP mail arrives by push or only by polling. */
export async function pushStatus(ctx: AppContext): Promise<{ ok: true; mode: "on" | "off"; note: string }> {
  const off = { ok: true as const, mode: "off" as const, note: "IMAP push: off (no long-running worker)" };
  if (ctx.config.env.IMAP_IDLE_MAX_PER_WORKER === 0)
    return { ...off, note: "IMAP push: off (IMAP_IDLE_MAX_PER_WORKER=0)" };
  if (!pushPossible(ctx)) return off;
  const workers = await liveWorkers(ctx).catch(() => new Map<string, WorkerBeat>());
  if (workers.size === 0) return off;
  const mailboxes = [...workers.values()].reduce((n, w) => n + w.held, 0);
  return {
    ok: true,
    mode: "on",
    note: `IMAP push: on (${workers.size} worker${workers.size === 1 ? "" : "s"}, ${mailboxes} mailbox${mailboxes === 1 ? "" : "es"} in IDLE)`,
  };
}
