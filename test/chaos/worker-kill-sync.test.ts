// kill -9 a queue worker (`npm run worker`, a real OS process) in the middle of a Gmail
// back-fill started by connecting the mailbox through the API; a new worker finishes it.
// Counted against the Google stand-in's mailbox: every message exactly once, nothing lost,
// and the killed run does not stay "running" forever.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGoogleStandIn, type GoogleStandIn } from "../../standins/google/index.ts";
import { signedInUser } from "../helpers/accounts.ts";
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "../helpers/app.ts";
import { until } from "../helpers/realtime.ts";
import { groundTruth, inboxMismatches, seedThreads } from "../inbox/fixtures/gmail.ts";
import { spawnWorker, type ServiceProcess } from "./helpers/processes.ts";
import { connectGmailThroughApi, cron, messageCounts, poll, workerEnv } from "./helpers/scenario.ts";
import { removeDataDir, sharedEnv } from "./helpers/secrets.ts";

const EMAIL = "chaos.sync@gmail.com";
const THREADS = 80,
  PER_THREAD = 5; // 400 messages: 4 pages of the worker's 100
const knobs = { SYNC_LEASE_SECONDS: "10", WORKER_STALLED_SECONDS: "5", WORKER_CONCURRENCY: "2" };

const shared = sharedEnv();
let google: GoogleStandIn;
let app: TestApp;
const workers: ServiceProcess[] = [];

beforeAll(async () => {
  google = await startGoogleStandIn();
  app = await startTestApp({
    env: { ...shared, ...google.env(), ...knobs },
    redis: true,
    databaseUrl: await isolatedDatabaseUrl(),
  });
  google.addMailbox(EMAIL, { name: "Chaos Artist" });
  await seedThreads(google, EMAIL, { threads: THREADS, perThread: PER_THREAD, tag: "chaos" });
});

afterAll(async () => {
  for (const w of workers) await w.kill9();
  await app?.close();
  await google?.close();
  removeDataDir(shared);
});

describe("kill -9 a worker in the middle of a mailbox sync", () => {
  it("a new worker resumes it: every message of the mailbox exactly once, the dead run closed", async () => {
    const env = workerEnv(app, { ...shared, ...google.env() }, knobs);
    const truth = groundTruth(google, EMAIL);
    expect(truth.size).toBe(THREADS * PER_THREAD);

    // A slow provider (every Gmail call +40 ms): a page takes about a second, so the kill
    // lands between some committed pages and the rest.
    google.setApiDelay(40);
    const first = await spawnWorker(env);
    workers.push(first);
    const user = await signedInUser(app);
    const accountId = await connectGmailThroughApi(app, user, google, EMAIL); // enqueues the first sync
    const stored = async () => (await messageCounts(app.ctx, { accountId })).rows;

    await until(async () => (await stored()) >= 100, 60_000, "the first worker to commit a page");
    await first.kill9();
    const atKill = await stored();
    expect(atKill, "the kill should land mid-sync; the sync finished first").toBeLessThan(truth.size);
    const orphan = await app.ctx.db.syncRun.findFirstOrThrow({ where: { accountId, status: "running" } });

    // Recovery: a new worker; the cron keeps asking (its job id dedupes while the killed job is
    // still "active" in Redis, until BullMQ declares it stalled and hands it to the new worker).
    google.setApiDelay(0);
    const second = await spawnWorker(env);
    workers.push(second);
    const finished = async () => {
      const account = await app.ctx.db.connectedAccount.findUniqueOrThrow({ where: { id: accountId } });
      const running = await app.ctx.db.syncRun.count({ where: { accountId, status: "running" } });
      const queue = await app.ctx.queue.counts(); // idle: no cron-queued sync still to start
      return (
        (await stored()) >= truth.size &&
        account.lastSuccessAt !== null &&
        account.syncLeaseOwner === null &&
        running === 0 &&
        queue.waiting + queue.active + queue.delayed === 0
      );
    };
    await poll(
      async () => {
        if (await finished()) return true;
        const res = await cron(app, "/api/cron/sync-messages");
        expect(res.status).toBe(200);
        return false;
      },
      { ms: 120_000, everyMs: 1000, what: "the new worker to finish the sync" },
    );

    // Ground truth: the stand-in's mailbox, each message once, threads and unread counts right.
    expect(await inboxMismatches(app.ctx, accountId, truth)).toEqual([]);
    expect(await messageCounts(app.ctx, { accountId })).toEqual({ rows: truth.size, distinct: truth.size });

    // Sync run state: the killed run was closed as interrupted, nothing is left "running",
    // and a run after it succeeded.
    const runs = await app.ctx.db.syncRun.findMany({ where: { accountId }, orderBy: { startedAt: "asc" } });
    expect(runs.filter((r) => r.status === "running")).toEqual([]);
    expect(runs.find((r) => r.id === orphan.id)).toMatchObject({
      status: "error",
      errorClass: "transient",
      finishedAt: expect.any(Date),
    });
    expect(runs.at(-1)).toMatchObject({ status: "ok" });
    const account = await app.ctx.db.connectedAccount.findUniqueOrThrow({ where: { id: accountId } });
    expect(account).toMatchObject({ status: "active", lastError: null, syncLeaseUntil: null });
    expect(second.child.exitCode).toBeNull(); // the new worker is still healthy
  });
});
