// The sync queue on the real Redis (BullMQ) and its inline fallback without Redis.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addSyncJob } from "../../service/jobs/queue.ts";
import { defineJob } from "../../service/jobs/registry.ts";
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "../helpers/app.ts";

// Test jobs: behaviour a real sync has — succeed, fail a few times then succeed, or keep failing.
const attemptsSeen = new Map<string, number>();
defineJob("test-ok", async (_ctx, data) => ({ handled: Number(data.n ?? 1) }));
defineJob("test-flaky", async (_ctx, data) => {
  const key = String(data.key);
  const n = (attemptsSeen.get(key) ?? 0) + 1;
  attemptsSeen.set(key, n);
  if (n <= Number(data.failTimes)) throw new Error(`provider timeout (attempt ${n})`);
  return { handled: 1 };
});
defineJob("test-broken", async () => {
  throw new Error("provider says 500");
});

const waitFor = async <T>(fn: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe("with Redis (BullMQ)", () => {
  let app: TestApp;
  beforeAll(async () => { app = await startTestApp({ redis: true, databaseUrl: await isolatedDatabaseUrl(), env: { WORKER_SYNC_BUDGET_MS: "3000" } }); });
  afterAll(async () => { await app?.close(); });
  const drain = () => app.client().get("/api/worker/sync", { authorization: `Bearer ${app.ctx.config.cronSecret}` });

  it("addSyncJob enqueues; /api/worker/sync drains the queue and reports what it processed", async () => {
    expect(app.ctx.queue.mode).toBe("bullmq");
    for (let n = 1; n <= 3; n++) expect((await addSyncJob(app.ctx, { name: "test-ok", data: { n } })).status).toBe("queued");
    expect((await app.ctx.queue.counts()).waiting).toBe(3);
    const res = await drain();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ cron: "worker-sync", mode: "bullmq", skipped: false, counts: { processed: 3, failed: 0, timedOut: 0 } });
    expect((await app.ctx.queue.counts()).waiting).toBe(0);
  });

  it("keeps one queued copy per job id (never two syncs of one account at once)", async () => {
    const first = await addSyncJob(app.ctx, { name: "test-ok", data: {}, jobId: "account-42" });
    const second = await addSyncJob(app.ctx, { name: "test-ok", data: {}, jobId: "account-42" });
    expect([first.status, second.status]).toEqual(["queued", "duplicate"]);
    await drain();
    // Once finished, the same account can be queued again.
    expect((await addSyncJob(app.ctx, { name: "test-ok", data: {}, jobId: "account-42" })).status).toBe("queued");
    await drain();
  });

  it("retries a failing job with exponential backoff until it succeeds, recording every attempt", async () => {
    const { id } = await addSyncJob(app.ctx, { name: "test-flaky", data: { key: "flaky-1", failTimes: 2 } }, { attempts: 4, backoffMs: 100 });
    await waitFor(async () => {
      await drain();
      const job = await app.ctx.db.jobRun.findFirst({ where: { jobId: id, status: "ok" } });
      return job ?? false;
    });
    const runs = await app.ctx.db.jobRun.findMany({ where: { jobId: id }, orderBy: { startedAt: "asc" } });
    expect(runs.map((r) => [r.attempt, r.status])).toEqual([[1, "error"], [2, "error"], [3, "ok"]]);
    expect(runs[0]!.error).toMatch(/provider timeout/);
    // Backoff: the second retry waited longer than the first.
    const gap1 = runs[1]!.startedAt.getTime() - runs[0]!.finishedAt!.getTime();
    expect(gap1).toBeGreaterThanOrEqual(90);
  });

  it("keeps jobs that exhausted their retries as failed, and countable", async () => {
    const before = (await app.ctx.queue.counts()).failed;
    const { id } = await addSyncJob(app.ctx, { name: "test-broken", data: {} }, { attempts: 2, backoffMs: 50 });
    await waitFor(async () => {
      await drain();
      return (await app.ctx.queue.counts()).failed > before;
    });
    expect(await app.ctx.db.jobRun.count({ where: { jobId: id, status: "error" } })).toBe(2);
  });

  it("an in-process worker picks jobs up without any cron call", async () => {
    const stop = app.ctx.queue.startWorker(app.ctx, 2);
    try {
      const { id } = await addSyncJob(app.ctx, { name: "test-ok", data: { n: 7 } });
      const run = await waitFor(() => app.ctx.db.jobRun.findFirst({ where: { jobId: id, status: "ok" } }).then((r) => r ?? false));
      expect(run.counts).toEqual({ handled: 7 });
    } finally {
      await stop();
    }
  });
});

describe("without Redis (inline fallback)", () => {
  let app: TestApp;
  // Its own database: "nothing to drain" must not depend on what other test files left behind
  // (active accounts, stale webhooks, pending replies all feed the sync-messages fan-out).
  beforeAll(async () => { app = await startTestApp({ databaseUrl: await isolatedDatabaseUrl() }); });
  afterAll(async () => { await app?.close(); });

  it("runs the job at once and records the outcome", async () => {
    expect(app.ctx.queue.mode).toBe("inline");
    const ok = await addSyncJob(app.ctx, { name: "test-ok", data: { n: 2 } });
    expect(ok.status).toBe("done");
    expect((await app.ctx.db.jobRun.findFirstOrThrow({ where: { jobId: ok.id } })).counts).toEqual({ handled: 2 });

    const failed = await addSyncJob(app.ctx, { name: "test-broken", data: {} });
    expect(failed).toMatchObject({ status: "failed", error: "provider says 500" });
    expect((await app.ctx.db.jobRun.findFirstOrThrow({ where: { jobId: failed.id } })).status).toBe("error");
  });

  it("/api/worker/sync has nothing to drain and says so", async () => {
    const res = await app.client().get("/api/worker/sync", { authorization: `Bearer ${app.ctx.config.cronSecret}` });
    expect(res.body).toMatchObject({ mode: "inline", skipped: false, counts: { processed: 0, failed: 0 } });
  });
});
