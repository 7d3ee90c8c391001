// Redis dies and comes back (a PRIVATE redis-server, so the machine's shared Redis is never
// touched) while signed Messenger webhooks keep arriving, and while the worker is in the
// middle of a webhook batch (events claimed, ingest transaction open). Webhooks are durable in Postgres
// before they are acknowledged, so the API keeps acknowledging (never hangs, never a 500),
// readiness reports Redis down, the worker survives, and once Redis is back the sweep on the
// sync-messages cron re-queues what the restart lost: every acknowledged webhook is processed
// exactly once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMetaStandIn, type MetaStandIn } from "../../standins/meta/index.ts";
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "../helpers/app.ts";
import { spawnWorker, type ServiceProcess } from "./helpers/processes.ts";
import { privateRedis, type PrivateRedis } from "./helpers/redis.ts";
import { cron, messageCounts, poll, workerEnv } from "./helpers/scenario.ts";
import { removeDataDir, sharedEnv, uniquePrefix } from "./helpers/secrets.ts";
import {
  connectedMessengerPage,
  errorMessage,
  exactlyOnce,
  holdMidBatch,
  signedMessengerWebhooks,
  startLoad,
  type MessengerPage,
} from "./helpers/webhooks.ts";

const knobs = { WORKER_STALLED_SECONDS: "5", WEBHOOK_SWEEP_AFTER_SECONDS: "3", WORKER_CONCURRENCY: "4" };
const shared = sharedEnv();
let redis: PrivateRedis;
let meta: MetaStandIn;
let app: TestApp;
let worker: ServiceProcess | undefined;
let accountId: string;
let page: MessengerPage;

beforeAll(async () => {
  redis = await privateRedis();
  meta = await startMetaStandIn();
  app = await startTestApp({
    env: { ...shared, ...meta.env(), ...knobs, REDIS_URL: redis.url, TATU_REDIS_PREFIX: uniquePrefix("redis") },
    databaseUrl: await isolatedDatabaseUrl(),
  });
  ({ page, accountId } = await connectedMessengerPage(app.ctx, meta, {
    email: "chaos-redis@example.test",
    pageName: "Chaos Redis Tattoo",
  }));
});

afterAll(async () => {
  await worker?.kill9();
  await app?.close();
  await meta?.close();
  await redis?.close();
  removeDataDir(shared);
});

const ready = async () => {
  const res = await app.client().get("/api/health/ready", { authorization: `Bearer ${app.ctx.config.cronSecret}` });
  return { status: res.status, body: res.body };
};

describe("Redis restarted under webhook load", () => {
  it("keeps acknowledging, reports Redis down, and processes every acknowledged webhook exactly once after", async () => {
    expect(app.ctx.queue.mode).toBe("bullmq");
    worker = await spawnWorker(workerEnv(app, { ...shared, ...meta.env() }, knobs));
    expect((await ready()).status).toBe(200);

    const load = startLoad(app.url, signedMessengerWebhooks(meta, page.id, 800, "redis"), {
      concurrency: 4,
      gapMs: 20,
      timeoutMs: 20_000,
    });
    await poll(async () => load.sent().length >= 50, { ms: 30_000, what: "some webhooks before the outage" });

    // Mid-batch: a batch has claimed its events and waits inside its transaction when Redis dies.
    const held = await holdMidBatch(app.ctx);
    expect(held.claimed.length, "events claimed by the batch in flight").toBeGreaterThan(0);
    await redis.kill();
    const down = Date.now();
    await held.release(); // the batch goes on without Redis: stored, but its job cannot complete
    // Readiness says so (bounded: the check itself times out after 2 s) while liveness holds.
    await poll(async () => (await ready()).status === 503, { ms: 10_000, what: "readiness to report Redis down" });
    const duringOutage = await ready();
    expect(duringOutage.body).toMatchObject({
      status: "not_ready",
      checks: { redis: { ok: false, error: expect.any(String) }, database: { ok: true } },
    });
    expect((await app.client().get("/api/health")).status).toBe(200);
    // Rate-limited routes (their counters live in Redis) still answer, quickly.
    for (const probe of [
      () =>
        app.client().post("/api/auth/signup", {
          email: `redis-down-${Date.now()}@example.test`,
          password: "correct-horse-9",
          name: "Chaos",
          role: "customer",
        }),
      () => app.client().get("/api/artists?lat=52.5&lng=13.4&radiusKm=10"),
    ]) {
      const start = Date.now();
      const res = await probe();
      expect(Date.now() - start).toBeLessThan(5000);
      if (res.status === 503) expect(res.body.error?.message, res.text).toEqual(expect.any(String));
      else expect(res.status, res.text).toBeLessThan(500);
    }
    // Webhooks keep coming for a few seconds of outage.
    await new Promise((r) => setTimeout(r, 4000));

    const restarting = Date.now();
    await redis.start();
    await poll(async () => (await ready()).status === 200, { ms: 20_000, what: "readiness to recover" });
    const outageMs = Date.now() - down;
    await new Promise((r) => setTimeout(r, 1000)); // a little load after the restart too
    const deliveries = await load.stop();

    // Nothing hung and nothing failed with a 500: each answer a 200, or a 503 with a message.
    const slow = deliveries.filter((d) => d.ms > 5000);
    expect(slow, `answers slower than 5 s during a ${outageMs} ms outage`).toEqual([]);
    const bad = deliveries.filter((d) => d.status !== 200 && !(d.status === 503 && errorMessage(d)));
    expect(bad).toEqual([]);
    // Stored in Postgres = safe to acknowledge: the API kept acknowledging while Redis was down.
    const ackedInOutage = deliveries.filter((d) => d.status === 200 && d.at >= down && d.at + d.ms <= restarting);
    expect(ackedInOutage.length, "webhooks acknowledged while Redis was down").toBeGreaterThan(0);
    const acked = deliveries.filter((d) => d.status === 200).map((d) => d.eventId);

    // Redis lost its queue (no persistence): the sweep re-enqueues what was stored but not processed.
    await poll(
      async () => {
        if ((await exactlyOnce(app.ctx, accountId, acked)).unprocessed.length === 0) return true;
        expect((await cron(app, "/api/cron/sync-messages")).status).toBe(200);
        return false;
      },
      { ms: 90_000, everyMs: 1000, what: "every acknowledged webhook to be processed" },
    );
    expect(await exactlyOnce(app.ctx, accountId, acked)).toEqual({ events: [], messages: [], unprocessed: [] });
    expect(held.claimed.filter((id) => !acked.includes(id))).toEqual([]);
    // No message stored twice either (the page's own sync on the cron reads the same Graph
    // conversations the webhooks announced: the overlap must collapse).
    const stored = await messageCounts(app.ctx, { accountId });
    expect(stored.distinct).toBe(stored.rows);
    expect(worker.child.exitCode, `the worker died:\n${worker.output().slice(-2000)}`).toBeNull();
  });
});
