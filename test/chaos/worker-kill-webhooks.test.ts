// kill -9 the queue worker (a real `npm run worker` process) in the middle of a webhook batch —
// events claimed, their ingest transaction open — while it works through a burst of signed
// Messenger webhooks posted to an API replica (`npm start` with IN_PROCESS_WORKER=off, also its
// own process); a new worker and the sweep on the sync-messages cron finish the rest. Every
// webhook the API acknowledged with 200 ends as exactly one WebhookEvent and exactly one
// Message — counted by Meta message id, not by the service's own counters.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMetaStandIn, type MetaStandIn } from "../../standins/meta/index.ts";
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "../helpers/app.ts";
import { spawnApi, spawnWorker, type ServiceProcess } from "./helpers/processes.ts";
import { cron, messageCounts, poll, workerEnv } from "./helpers/scenario.ts";
import { removeDataDir, sharedEnv } from "./helpers/secrets.ts";
import {
  connectedMessengerPage,
  deliver,
  attemptsOf,
  exactlyOnce,
  holdMidBatch,
  signedMessengerWebhooks,
  type MessengerPage,
} from "./helpers/webhooks.ts";

const N = 300;
const knobs = { WORKER_STALLED_SECONDS: "5", WEBHOOK_SWEEP_AFTER_SECONDS: "3", WORKER_CONCURRENCY: "4" };
const shared = sharedEnv();
let meta: MetaStandIn;
let app: TestApp;
let accountId: string;
let page: MessengerPage;
const workers: ServiceProcess[] = [];

beforeAll(async () => {
  meta = await startMetaStandIn();
  app = await startTestApp({
    env: { ...shared, ...meta.env(), ...knobs },
    redis: true,
    databaseUrl: await isolatedDatabaseUrl(),
    publicUrl: true,
  });
  ({ page, accountId } = await connectedMessengerPage(app.ctx, meta, {
    email: "chaos-webhooks@example.test",
    pageName: "Chaos Tattoo",
  }));
});

afterAll(async () => {
  for (const w of workers) await w.kill9();
  await app?.close();
  await meta?.close();
  removeDataDir(shared);
});

describe("kill -9 a worker in the middle of a webhook batch", () => {
  it("every acknowledged webhook ends as exactly one event and one message", async () => {
    const env = workerEnv(app, { ...shared, ...meta.env() }, knobs);
    // The replica the webhooks reach; the in-process app (same database, Redis and secrets)
    // only sets up, calls the cron and reads the results.
    const [api, first] = await Promise.all([spawnApi({ ...env, LOG_LEVEL: "warn" }), spawnWorker(env)]);
    workers.push(api, first);
    const processed = () => app.ctx.db.webhookEvent.count({ where: { source: "facebook", status: "processed" } });

    const batch = signedMessengerWebhooks(meta, page.id, N, "kill9");
    const sending = deliver(api.url, batch, { concurrency: 6 });
    // Kill while the worker is busy: some events processed, most still queued or in flight.
    await poll(async () => (await processed()) >= 40, {
      ms: 60_000,
      everyMs: 10,
      what: "the worker to process some webhooks",
    });
    // Mid-batch for certain: a batch has claimed its events and waits inside its transaction.
    const held = await holdMidBatch(app.ctx);
    expect(held.claimed.length, "events claimed by the batch in flight").toBeGreaterThan(0);
    await first.kill9();
    await held.release(); // the dead worker's transaction is rolled back, never committed
    const atKill = await processed();

    const deliveries = await sending;
    // With no worker alive nothing processes them (the API replica runs no queue worker).
    const settled = await processed();
    await new Promise((r) => setTimeout(r, 1500));
    expect(await processed(), "webhooks were processed while no worker ran").toBe(settled);
    const acked = deliveries.filter((d) => d.status === 200).map((d) => d.eventId);
    // The API replica does not depend on the worker: every webhook is acknowledged.
    expect(deliveries.filter((d) => d.status !== 200)).toEqual([]);
    expect(atKill).toBeLessThan(acked.length);

    const second = await spawnWorker(env);
    workers.push(second);
    await poll(
      async () => {
        if ((await exactlyOnce(app.ctx, accountId, acked)).unprocessed.length === 0) return true;
        expect((await cron(app, "/api/cron/sync-messages")).status).toBe(200); // the sweep re-enqueues stale events
        return false;
      },
      { ms: 90_000, everyMs: 1000, what: "every acknowledged webhook to be processed" },
    );

    expect(await exactlyOnce(app.ctx, accountId, acked)).toEqual({ events: [], messages: [], unprocessed: [] });
    // The interrupted batch's events were acknowledged, claimed again by the new worker, and stored once.
    expect(held.claimed.filter((id) => !acked.includes(id))).toEqual([]);
    expect((await attemptsOf(app.ctx, held.claimed)).every((n) => n >= 2)).toBe(true);
    // Nothing beyond them either: as many messages on the page's inbox as webhooks acknowledged.
    expect(await messageCounts(app.ctx, { accountId })).toEqual({ rows: acked.length, distinct: acked.length });
    expect(second.child.exitCode).toBeNull();
  });
});
