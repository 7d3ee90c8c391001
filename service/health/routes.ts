// Liveness (/api/health) and readiness (/api/health/ready: database, migrations, Redis).
// Readiness answers everyone with its status and HTTP code (load balancers, uptime checks);
// the per-dependency details (error lines, pending migration names) describe the deployment,
// so only the bearer CRON_SECRET or an admin session sees them.
import { Router, type Request } from "express";
import type { AppContext } from "../context.ts";
import { loadSession } from "../auth/sessions.ts";
import { pendingMigrations } from "../db/migrations.ts";
import { hasCronSecret } from "../http/auth-middleware.ts";
import { pushStatus } from "../inbox/push/state.ts";

interface Check {
  ok: boolean;
  latencyMs?: number;
  error?: string;
  [k: string]: unknown;
}

async function timed(fn: () => Promise<Record<string, unknown> | void>, timeoutMs = 2000): Promise<Check> {
  const start = Date.now();
  try {
    const extra = await Promise.race([
      fn(),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref(),
      ),
    ]);
    return { ok: true, latencyMs: Date.now() - start, ...(extra ?? {}) };
  } catch (err) {
    return { ok: false, latencyMs: Date.now() - start, error: (err as Error).message.split("\n")[0]!.slice(0, 200) };
  }
}

export function healthRoutes(ctx: AppContext): Router {
  const r = Router();
  r.get("/", (_req, res) => {
    res.json({ status: "ok", uptimeSec: Math.round(process.uptime()) });
  });

  /** Mounted before the session middleware (a probe must not need a session): looked up here. */
  const mayReadDetails = async (req: Request) => {
    if (hasCronSecret(ctx, req)) return true;
    try {
      return (await loadSession(ctx, req))?.user.isAdmin === true;
    } catch {
      return false; // the database is down: the status says so, details need the bearer
    }
  };

  r.get("/ready", async (req, res) => {
    const [database, migrations, redis] = await Promise.all([
      timed(async () => void (await ctx.db.$queryRawUnsafe("SELECT 1"))),
      timed(async () => {
        const pending = await pendingMigrations(ctx.db);
        if (pending.length) throw new Error(`pending: ${pending.join(", ")} (run \`tatu migrate deploy\`)`);
        return {};
      }),
      ctx.redis
        ? timed(async () => void (await ctx.redis!.ping()))
        : Promise.resolve<Check>({ ok: true, configured: false, note: "no Redis: jobs run inline" }),
    ]);
    const checks = {
      database,
      migrations,
      redis,
      queue: { ok: true, mode: ctx.queue.mode, ...(ctx.queue.mode === "inline" ? { note: inlineJobsNote(ctx) } : {}) },
      rateLimits: { ok: true, backend: ctx.limits.backend },
      notificationReplies: notificationReplies(ctx),
      imapPush: await pushStatus(ctx),
    };
    const ready = database.ok && migrations.ok && redis.ok;
    const status = ready ? "ready" : "not_ready";
    res
      .status(ready ? 200 : 503)
      .set("Cache-Control", "no-store")
      .json((await mayReadDetails(req)) ? { status, checks } : { status });
  });
  return r;
}

/** Replies to notification emails: read into their threads only with both variables set. */
function notificationReplies(ctx: AppContext) {
  const { NOTIFY_REPLY_ADDRESS: address, NOTIFY_REPLY_IMAP_URL: imap } = ctx.config.env;
  if (address && imap) return { ok: true, configured: true };
  return {
    ok: true,
    configured: false,
    note: address
      ? "NOTIFY_REPLY_IMAP_URL is unset: notification mails carry a Reply-To, but nothing reads the replies"
      : "NOTIFY_REPLY_ADDRESS is unset: notification mails carry no Reply-To and replies are not read",
  };
}

/** Why jobs run inline, in words an operator acts on. */
function inlineJobsNote(ctx: AppContext): string {
  return ctx.config.upstash
    ? "jobs run inline in the request that triggers them: BullMQ needs a TCP Redis (REDIS_URL); the Upstash REST pair serves rate limits only"
    : "jobs run inline in the request that triggers them (no REDIS_URL)";
}
