// Liveness (/api/health) and readiness (/api/health/ready: database, migrations, Redis).
import { Router } from "express";
import type { AppContext } from "../context.ts";
import { pendingMigrations } from "../db/migrations.ts";

interface Check { ok: boolean; latencyMs?: number; error?: string; [k: string]: unknown }

async function timed(fn: () => Promise<Record<string, unknown> | void>, timeoutMs = 2000): Promise<Check> {
  const start = Date.now();
  try {
    const extra = await Promise.race([
      fn(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref()),
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

  r.get("/ready", async (_req, res) => {
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
    const checks = { database, migrations, redis, queue: { ok: true, mode: ctx.queue.mode } };
    const ready = database.ok && migrations.ok && redis.ok;
    res.status(ready ? 200 : 503).set("Cache-Control", "no-store").json({ status: ready ? "ready" : "not_ready", checks });
  });
  return r;
}
