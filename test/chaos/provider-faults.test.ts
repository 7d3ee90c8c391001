// The Google stand-in misbehaving in each of the ways real providers do — 429 with Retry-After,
// 500, a request that never answers, a 200 with a truncated JSON body — while a `npm run worker`
// process syncs a Gmail account connected through the API. Each time: the sync job fails one
// attempt and is retried after its backoff (the Retry-After when given), the account is never
// marked for reauth, the failure shows in /api/admin/metrics, and the mail delivered meanwhile
// arrives once the stand-in is healthy again (checked against the stand-in's mailbox).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncJobId } from "../../service/inbox/jobs.ts";
import { startGoogleStandIn, type FailOptions, type GoogleStandIn } from "../../standins/google/index.ts";
import { signedInUser } from "../helpers/accounts.ts";
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "../helpers/app.ts";
import { groundTruth, inboxMismatches, seedThreads } from "../inbox/fixtures/gmail.ts";
import { spawnWorker, type ServiceProcess } from "./helpers/processes.ts";
import { adminMetrics, connectGmailThroughApi, cron, poll, workerEnv } from "./helpers/scenario.ts";
import { removeDataDir, sharedEnv } from "./helpers/secrets.ts";

const EMAIL = "chaos.faults@gmail.com";
const TIMEOUT_MS = 1500; // PROVIDER_TIMEOUT_MS: a hung Gmail call fails after this
const BACKOFF_MS = 5000; // the queue's first exponential step (DEFAULT_BACKOFF_MS)
const knobs = { PROVIDER_TIMEOUT_MS: String(TIMEOUT_MS), WORKER_CONCURRENCY: "2" };
const shared = sharedEnv();
let google: GoogleStandIn;
let app: TestApp;
let worker: ServiceProcess | undefined;
let accountId: string;

beforeAll(async () => {
  google = await startGoogleStandIn();
  app = await startTestApp({
    env: { ...shared, ...google.env(), ...knobs },
    redis: true,
    databaseUrl: await isolatedDatabaseUrl(),
  });
  google.addMailbox(EMAIL, { name: "Faulty Artist" });
  await seedThreads(google, EMAIL, { threads: 3, perThread: 2, tag: "f0" });
  worker = await spawnWorker(workerEnv(app, { ...shared, ...google.env() }, knobs));
  const user = await signedInUser(app);
  accountId = await connectGmailThroughApi(app, user, google, EMAIL); // enqueues the first sync
  await poll(async () => (await app.ctx.db.syncRun.count({ where: { accountId, status: "ok" } })) === 1, {
    ms: 30_000,
    what: "the first sync",
  });
});

afterAll(async () => {
  await worker?.kill9();
  await app?.close();
  await google?.close();
  removeDataDir(shared);
});

const runs = () => app.ctx.db.syncRun.findMany({ where: { accountId }, orderBy: { startedAt: "asc" } });
const account = () => app.ctx.db.connectedAccount.findUniqueOrThrow({ where: { id: accountId } });

interface Case {
  name: string;
  fault: FailOptions;
  errorClass: "rate_limit" | "transient";
  minDelayMs: number;
}
const cases: Case[] = [
  {
    name: "429 with Retry-After: 2",
    fault: { status: 429, retryAfter: 2 },
    errorClass: "rate_limit",
    minDelayMs: 2000,
  },
  { name: "500", fault: { status: 500 }, errorClass: "transient", minDelayMs: BACKOFF_MS },
  {
    name: "a hang (no answer until the client's timeout)",
    fault: { mode: "hang" },
    errorClass: "transient",
    minDelayMs: BACKOFF_MS,
  },
  { name: "a malformed JSON body", fault: { mode: "malformed" }, errorClass: "transient", minDelayMs: BACKOFF_MS },
];

describe("provider faults during a queued Gmail sync", () => {
  for (const [i, c] of cases.entries()) {
    it(`${c.name}: one failed attempt, a retry after its backoff, the account stays active, the mail arrives`, async () => {
      const before = (await runs()).length;
      await seedThreads(google, EMAIL, { threads: 1, perThread: 2, tag: `f${i + 1}` });
      google.failNext(1, { ...c.fault, match: "/history" });
      expect((await cron(app, "/api/cron/sync-messages")).body.counts).toMatchObject({ enqueued: 1 });

      // The failed attempt: recorded, classified, and not an auth problem.
      await poll(async () => (await runs()).some((r, k) => k >= before && r.status === "error"), {
        ms: TIMEOUT_MS + 15_000,
        what: "the failed attempt",
      });
      expect(await account()).toMatchObject({ status: "active", lastErrorClass: c.errorClass });

      // The retry, after the backoff, succeeds.
      await poll(async () => (await runs()).length === before + 2 && (await runs()).at(-1)!.status === "ok", {
        ms: c.minDelayMs + 20_000,
        what: "the retry to succeed",
      });
      const [failed, ok] = (await runs()).slice(before);
      expect(failed).toMatchObject({ status: "error", errorClass: c.errorClass });
      expect(ok).toMatchObject({ status: "ok", inserted: 2 });
      const waited = ok!.startedAt.getTime() - failed!.finishedAt!.getTime();
      expect(waited, "the retry waited for its backoff / Retry-After").toBeGreaterThanOrEqual(c.minDelayMs - 250);
      // The job's run record closes just after the sync run it wraps: wait for it to close.
      const jobRuns = () =>
        app.ctx.db.jobRun.findMany({ where: { jobId: syncJobId(accountId) }, orderBy: { startedAt: "asc" } });
      await poll(async () => (await jobRuns()).at(-1)?.status !== "running", {
        ms: 10_000,
        what: "the retry's job run to close",
      });
      const attempts = await jobRuns();
      expect(attempts.slice(-2).map((a) => [a.attempt, a.status])).toEqual([
        [1, "error"],
        [2, "ok"],
      ]);

      expect(await account()).toMatchObject({ status: "active", lastError: null, lastErrorClass: null });
      expect(await inboxMismatches(app.ctx, accountId, groundTruth(google, EMAIL))).toEqual([]);
    });
  }

  it("the failures are visible in /api/admin/metrics", async () => {
    const gmail = (await adminMetrics(app)).windows["15m"].providers.gmail;
    expect(gmail).toMatchObject({ syncRunsError: cases.length, jobsRetried: cases.length });
    expect(gmail.syncRunsOk).toBe(cases.length + 1);
    expect(worker!.child.exitCode).toBeNull();
  });
});
