// The job queue on the real Redis (BullMQ) and its inline fallback without Redis.
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { jobCatalog } from "../../service/jobs/catalog.ts";
import { defineJob, enqueue } from "../../service/jobs/define.ts";
import { LEGACY_QUEUE_NAME, QUEUE_NAME, redisConnection } from "../../service/jobs/queue.ts";
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "../helpers/app.ts";

// Test jobs: behaviour a real sync has — succeed, fail a few times then succeed, or keep failing.
const attemptsSeen = new Map<string, number>();
const testOk = defineJob("test-ok", z.object({ n: z.number().int().default(1) }), async (_ctx, data) => ({
  handled: data.n,
}));
const testFlaky = defineJob(
  "test-flaky",
  z.object({ key: z.string(), failTimes: z.number().int() }),
  async (_ctx, data) => {
    const n = (attemptsSeen.get(data.key) ?? 0) + 1;
    attemptsSeen.set(data.key, n);
    if (n <= data.failTimes) throw new Error(`provider timeout (attempt ${n})`);
    return { handled: 1 };
  },
);
const testBroken = defineJob("test-broken", z.object({}), async () => {
  throw new Error("provider says 500");
});
const jobs = jobCatalog.with({ jobs: [testOk, testFlaky, testBroken] });

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
  beforeAll(async () => {
    app = await startTestApp({
      redis: true,
      databaseUrl: await isolatedDatabaseUrl(),
      env: { WORKER_SYNC_BUDGET_MS: "3000" },
      jobs,
    });
  });
  afterAll(async () => {
    await app?.close();
  });
  const drain = () => app.client().get("/api/worker/sync", { authorization: `Bearer ${app.ctx.config.cronSecret}` });

  it("enqueue adds a job; /api/worker/sync drains the queue and reports what it processed", async () => {
    expect(app.ctx.queue.mode).toBe("bullmq");
    for (let n = 1; n <= 3; n++) expect((await enqueue(app.ctx, testOk.spec({ n }))).status).toBe("queued");
    expect((await app.ctx.queue.counts()).waiting).toBe(3);
    const res = await drain();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      cron: "worker-sync",
      mode: "bullmq",
      skipped: false,
      counts: { processed: 3, failed: 0, timedOut: 0 },
    });
    expect((await app.ctx.queue.counts()).waiting).toBe(0);
  });

  it("keeps one queued copy per job id (never two syncs of one account at once)", async () => {
    const first = await enqueue(app.ctx, testOk.spec({}, { jobId: "account-42" }));
    const second = await enqueue(app.ctx, testOk.spec({}, { jobId: "account-42" }));
    expect([first.status, second.status]).toEqual(["queued", "duplicate"]);
    await drain();
    // Once finished, the same account can be queued again.
    expect((await enqueue(app.ctx, testOk.spec({}, { jobId: "account-42" }))).status).toBe("queued");
    await drain();
  });

  it("retries a failing job with exponential backoff until it succeeds, recording every attempt", async () => {
    const { id } = await enqueue(app.ctx, testFlaky.spec({ key: "flaky-1", failTimes: 2 }), {
      attempts: 4,
      backoffMs: 100,
    });
    await waitFor(async () => {
      await drain();
      const job = await app.ctx.db.jobRun.findFirst({ where: { jobId: id, status: "ok" } });
      return job ?? false;
    });
    const runs = await app.ctx.db.jobRun.findMany({ where: { jobId: id }, orderBy: { startedAt: "asc" } });
    expect(runs.map((r) => [r.attempt, r.status])).toEqual([
      [1, "error"],
      [2, "error"],
      [3, "ok"],
    ]);
    expect(runs[0]!.error).toMatch(/provider timeout/);
    // Backoff: the second retry waited longer than the first.
    const gap1 = runs[1]!.startedAt.getTime() - runs[0]!.finishedAt!.getTime();
    expect(gap1).toBeGreaterThanOrEqual(90);
  });

  it("keeps jobs that exhausted their retries as failed, and countable", async () => {
    const before = (await app.ctx.queue.counts()).failed;
    const { id } = await enqueue(app.ctx, testBroken.spec({}), { attempts: 2, backoffMs: 50 });
    await waitFor(async () => {
      await drain();
      return (await app.ctx.queue.counts()).failed > before;
    });
    expect(await app.ctx.db.jobRun.count({ where: { jobId: id, status: "error" } })).toBe(2);
  });

  it("an in-process worker picks jobs up without any cron call", async () => {
    const stop = app.ctx.queue.startWorker(app.ctx, 2);
    try {
      const { id } = await enqueue(app.ctx, testOk.spec({ n: 7 }));
      const run = await waitFor(() =>
        app.ctx.db.jobRun.findFirst({ where: { jobId: id, status: "ok" } }).then((r) => r ?? false),
      );
      expect(run.counts).toEqual({ handled: 7 });
    } finally {
      await stop();
    }
  });
  /** Our own handle on a queue of the app's Redis prefix, to store jobs as another release would. */
  const rawQueue = (name: string) =>
    new Queue(name, { connection: redisConnection(app.ctx.config)!, prefix: `${app.ctx.config.redisPrefix}:bull` });

  it("checks the payload when enqueueing: a wrong one is a programming error and throws", () => {
    expect(() => testOk.spec({ n: "seven" } as never)).toThrow(/Job "test-ok" enqueued with an invalid payload/);
    expect(() => testFlaky.spec({ key: "k" } as never)).toThrow(/failTimes/);
  });

  it("fails a stored payload that no longer fits its schema once, for good, instead of retrying it", async () => {
    const raw = rawQueue(QUEUE_NAME);
    try {
      const job = await raw.add(
        "test-ok",
        { name: "test-ok", data: { n: "seven" } },
        { attempts: 3, backoff: { type: "fixed", delay: 10 } },
      );
      await waitFor(async () => {
        await drain();
        return (await job.getState()) === "failed";
      });
      const runs = await app.ctx.db.jobRun.findMany({ where: { jobId: job.id } });
      expect(runs.map((r) => r.status)).toEqual(["error"]);
      expect(runs[0]!.error).toMatch(/payload of job "test-ok" does not fit its schema, not retried/);
    } finally {
      await raw.close();
    }
  });

  it(`runs the jobs an earlier release left in the "${LEGACY_QUEUE_NAME}" queue (drain and worker)`, async () => {
    expect(QUEUE_NAME).not.toBe(LEGACY_QUEUE_NAME);
    const legacy = rawQueue(LEGACY_QUEUE_NAME);
    try {
      const viaDrain = await legacy.add("test-ok", { name: "test-ok", data: { n: 11 } });
      expect((await drain()).body.counts).toMatchObject({ processed: 1, failed: 0 });
      expect((await app.ctx.db.jobRun.findFirstOrThrow({ where: { jobId: viaDrain.id } })).counts).toEqual({
        handled: 11,
      });

      const viaWorker = await legacy.add("test-ok", { name: "test-ok", data: { n: 12 } });
      const stop = app.ctx.queue.startWorker(app.ctx, 1);
      try {
        const run = await waitFor(() =>
          app.ctx.db.jobRun.findFirst({ where: { jobId: viaWorker.id, status: "ok" } }).then((r) => r ?? false),
        );
        expect(run.counts).toEqual({ handled: 12 });
      } finally {
        await stop();
      }
      expect(await legacy.getJobCounts("waiting", "active", "delayed")).toEqual({ waiting: 0, active: 0, delayed: 0 });
    } finally {
      await legacy.close();
    }
  });
});

describe("without Redis (inline fallback)", () => {
  let app: TestApp;
  // Its own database: "nothing to drain" must not depend on what other test files left behind
  // (active accounts, stale webhooks, pending replies all feed the sync-messages fan-out).
  beforeAll(async () => {
    app = await startTestApp({ databaseUrl: await isolatedDatabaseUrl(), jobs });
  });
  afterAll(async () => {
    await app?.close();
  });

  it("runs the job at once and records the outcome", async () => {
    expect(app.ctx.queue.mode).toBe("inline");
    const ok = await enqueue(app.ctx, testOk.spec({ n: 2 }));
    expect(ok.status).toBe("done");
    expect((await app.ctx.db.jobRun.findFirstOrThrow({ where: { jobId: ok.id } })).counts).toEqual({ handled: 2 });

    const failed = await enqueue(app.ctx, testBroken.spec({}));
    expect(failed).toMatchObject({ status: "failed", error: "provider says 500" });
    expect((await app.ctx.db.jobRun.findFirstOrThrow({ where: { jobId: failed.id } })).status).toBe("error");
  });

  it("/api/worker/sync has nothing to drain and says so", async () => {
    const res = await app.client().get("/api/worker/sync", { authorization: `Bearer ${app.ctx.config.cronSecret}` });
    expect(res.body).toMatchObject({ mode: "inline", skipped: false, counts: { processed: 0, failed: 0 } });
  });
});
