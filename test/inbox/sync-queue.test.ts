// The sync orchestration through the job queue: the sync-messages cron enqueues one job per
// account (deduped by job id), workers run them, a Gmail 429 is retried after Retry-After,
// a revoked grant fails once and tells the user, and a reply that met a 500 is sent exactly
// once by the cron's outbox sweep. Real Postgres, real Redis (BullMQ), the Google stand-in.
import { Queue, type Job } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncJob, syncJobId } from "../../service/inbox/jobs.ts";
import { enqueue } from "../../service/jobs/define.ts";
import { QUEUE_NAME, redisConnection } from "../../service/jobs/queue.ts";
import { startGoogleStandIn, type GoogleStandIn } from "../../standins/google/index.ts";
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "../helpers/app.ts";
import { signedInUser } from "../helpers/accounts.ts";
import type { HttpClient } from "../helpers/http.ts";
import { openSocket, until } from "../helpers/realtime.ts";
import { connectGmail, groundTruth, inboxMismatches, seedThreads } from "./fixtures/gmail.ts";

type User = { client: HttpClient; email: string; userId: string };
const cron = (app: TestApp, path: string) =>
  app.client().post(path, undefined, { authorization: `Bearer ${app.ctx.config.cronSecret}` });

describe("with Redis (BullMQ)", () => {
  let google: GoogleStandIn;
  let app: TestApp;
  let user: User;
  /** Our own handle on the app's BullMQ queue, to read job states, delays and timestamps. */
  let bull: Queue;
  const job = async (accountId: string) => (await bull.getJob(syncJobId(accountId))) as Job;

  beforeAll(async () => {
    google = await startGoogleStandIn();
    app = await startTestApp({
      env: { ...google.env(), WORKER_SYNC_BUDGET_MS: "20000" },
      redis: true,
      databaseUrl: await isolatedDatabaseUrl(),
    });
    expect(app.ctx.queue.mode).toBe("bullmq");
    bull = new Queue(QUEUE_NAME, {
      connection: redisConnection(app.ctx.config)!,
      prefix: `${app.ctx.config.redisPrefix}:bull`,
    });
    user = await signedInUser(app);
  });
  afterAll(async () => {
    await bull?.close();
    await app?.close();
    await google?.close();
  });

  it("the cron enqueues one job per active account, never a second while one waits, and a worker lands the mail", async () => {
    const emails = ["one.artist@gmail.com", "two.artist@gmail.com", "three.artist@gmail.com"];
    const ids: string[] = [];
    for (const [i, email] of emails.entries()) {
      ids.push(await connectGmail(app.ctx, google, user.userId, email));
      await seedThreads(google, email, { threads: 5 + i, perThread: 3, tag: `q${i}` });
    }

    const first = await cron(app, "/api/cron/sync-messages");
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      cron: "sync-messages",
      mode: "bullmq",
      skipped: false,
      counts: { enqueued: 3, duplicate: 0 },
    });
    for (const id of ids) expect(await (await job(id)).getState()).toBe("waiting");

    const again = await cron(app, "/api/cron/sync-messages");
    expect(again.body.counts).toMatchObject({ enqueued: 0, duplicate: 3 });
    expect((await app.ctx.queue.counts()).waiting).toBe(3);

    // The serverless worker route: fans out too (duplicates again), then drains.
    const worker = await cron(app, "/api/worker/sync");
    expect(worker.status).toBe(200);
    expect(worker.body.counts).toMatchObject({ enqueued: 0, duplicate: 3, processed: 3, failed: 0, timedOut: 0 });

    for (const [i, id] of ids.entries()) {
      const j = await job(id);
      expect(await j.getState()).toBe("completed");
      expect(j.returnvalue).toEqual({ fetched: (5 + i) * 3, inserted: (5 + i) * 3 });
      expect(await inboxMismatches(app.ctx, id, groundTruth(google, emails[i]!))).toEqual([]);
    }
    // Once finished, the next cron queues each account again (and the sync finds nothing new).
    expect((await cron(app, "/api/cron/sync-messages")).body.counts).toMatchObject({ enqueued: 3, duplicate: 0 });
    expect((await cron(app, "/api/worker/sync")).body.counts).toMatchObject({ processed: 3, failed: 0 });
    for (const id of ids) expect((await job(id)).returnvalue).toEqual({ fetched: 0, inserted: 0 });
  });

  it("a 429 with Retry-After: 3 fails the attempt, retries no sooner than 3 s later, then succeeds", async () => {
    const email = "busy.artist@gmail.com";
    const id = await connectGmail(app.ctx, google, user.userId, email);
    await seedThreads(google, email, { threads: 4, perThread: 3, tag: "rl" });
    google.failNext(1, { status: 429, retryAfter: 3 });

    const stop = app.ctx.queue.startWorker(app.ctx, 1);
    try {
      // The very job spec the cron enqueues for this account.
      expect((await enqueue(app.ctx, syncJob(id, "gmail", "cron"))).status).toBe("queued");
      await until(async () => (await (await job(id)).getState()) === "delayed", 10_000, "the first attempt to fail");

      const delayed = await job(id);
      expect(delayed.attemptsMade).toBe(1);
      expect(delayed.failedReason).toMatch(/rate limit/i);
      expect(delayed.delay).toBe(3000); // Retry-After, not the default 5 s exponential step
      // When BullMQ will run it again (delayed-set score = due time × 0x1000 + sequence).
      const score = Number(await app.ctx.redis!.zscore(bull.keys.delayed!, delayed.id!));
      const dueAt = Math.floor(score / 0x1000);
      expect(dueAt - delayed.processedOn!).toBeGreaterThanOrEqual(3000);
      // Meanwhile the account is healthy, only told to slow down.
      expect(await app.ctx.db.connectedAccount.findUniqueOrThrow({ where: { id } })).toMatchObject({
        status: "active",
        lastErrorClass: "rate_limit",
      });

      await until(async () => (await (await job(id)).getState()) === "completed", 15_000, "the retry to succeed");
      const done = await job(id);
      expect(done.processedOn!).toBeGreaterThanOrEqual(dueAt); // the second attempt started when due
      expect(done.returnvalue).toEqual({ fetched: 12, inserted: 12 });
    } finally {
      await stop();
    }

    const runs = await app.ctx.db.syncRun.findMany({ where: { accountId: id }, orderBy: { startedAt: "asc" } });
    expect(runs.map((r) => [r.status, r.errorClass])).toEqual([
      ["error", "rate_limit"],
      ["ok", null],
    ]);
    const attempts = await app.ctx.db.jobRun.findMany({
      where: { jobId: syncJobId(id) },
      orderBy: { startedAt: "asc" },
    });
    expect(attempts.map((r) => [r.attempt, r.status])).toEqual([
      [1, "error"],
      [2, "ok"],
    ]);
    expect(await app.ctx.db.connectedAccount.findUniqueOrThrow({ where: { id } })).toMatchObject({
      status: "active",
      lastError: null,
      lastErrorClass: null,
    });
    expect(await inboxMismatches(app.ctx, id, groundTruth(google, email))).toEqual([]);
  });

  it("a revoked grant fails the job once (no retries), marks the account reauth_required and tells the user live", async () => {
    const email = "revoked.artist@gmail.com";
    const id = await connectGmail(app.ctx, google, user.userId, email);
    await seedThreads(google, email, { threads: 2, perThread: 2, tag: "rv" });
    const socket = await openSocket(app.url, user.client);
    google.revokeRefreshTokens(email); // the user removed Tatu in their Google account

    const stop = app.ctx.queue.startWorker(app.ctx, 1);
    try {
      expect((await enqueue(app.ctx, syncJob(id, "gmail", "cron"))).status).toBe("queued");
      await until(async () => (await (await job(id)).getState()) === "failed", 10_000, "the job to fail");
      const event = await socket.waitFor((e) => e.type === "account.status" && e.accountId === id);
      expect(event).toMatchObject({ status: "reauth_required", message: expect.stringMatching(/reconnect/i) });
    } finally {
      socket.close();
      await stop();
    }
    const failed = await job(id);
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toMatch(/GOOGLE_INVALID_GRANT|GMAIL_UNAUTHENTICATED/);
    expect(await app.ctx.db.jobRun.count({ where: { jobId: syncJobId(id) } })).toBe(1);
    expect(
      await app.ctx.db.syncRun.findMany({ where: { accountId: id }, select: { status: true, errorClass: true } }),
    ).toEqual([{ status: "error", errorClass: "auth" }]);
    expect(await app.ctx.db.connectedAccount.findUniqueOrThrow({ where: { id } })).toMatchObject({
      status: "reauth_required",
      lastErrorClass: "auth",
    });
    expect(await app.ctx.db.message.count({ where: { accountId: id } })).toBe(0);

    // The cron leaves it alone until the user reconnects.
    await cron(app, "/api/cron/sync-messages");
    expect(await (await job(id)).getState()).toBe("failed");
  });
});

describe("without Redis: the outbox sweep", () => {
  let google: GoogleStandIn;
  let app: TestApp;
  let user: User;

  beforeAll(async () => {
    google = await startGoogleStandIn();
    app = await startTestApp({ env: google.env(), databaseUrl: await isolatedDatabaseUrl() });
    expect(app.ctx.queue.mode).toBe("inline");
    user = await signedInUser(app);
  });
  afterAll(async () => {
    await app?.close();
    await google?.close();
  });

  it("a reply that met a 500 stays pending, then the sync-messages cron sends it exactly once", async () => {
    const email = "outbox.artist@gmail.com";
    const id = await connectGmail(app.ctx, google, user.userId, email);
    const original = await google.deliver(email, {
      from: "Jo Customer <jo@example.test>",
      subject: "Koi sleeve",
      text: "Could you do a koi sleeve?",
    });
    expect((await user.client.post(`/api/integrations/${id}/sync`)).body).toMatchObject({ status: "ok", inserted: 1 });
    const conversationId: string = (await user.client.get("/api/inbox/conversations")).body.items[0].id;

    google.failNext(1, { status: 500, match: "/messages/send" });
    const reply = await user.client.post(`/api/inbox/conversations/${conversationId}/reply`, {
      text: "Yes! Let's book a consult.",
    });
    expect(reply.status).toBe(202);
    expect(reply.body).toMatchObject({ messageId: expect.any(String), status: "pending" });
    expect(
      google
        .requests()
        .filter((r) => r.path.includes("/messages/send"))
        .map((r) => r.status),
    ).toEqual([500]);
    expect(google.sent(email)).toHaveLength(0);

    // A reply younger than a minute is left to its own job: the sweep does not touch it.
    await cron(app, "/api/cron/sync-messages");
    expect(google.sent(email)).toHaveLength(0);
    expect(await app.ctx.db.message.findUniqueOrThrow({ where: { id: reply.body.messageId } })).toMatchObject({
      status: "pending",
    });

    // The sweep retries replies pending for over a minute; age this one instead of waiting.
    await app.ctx.db.message.update({
      where: { id: reply.body.messageId },
      data: { createdAt: new Date(Date.now() - 2 * 60_000) },
    });
    const swept = await cron(app, "/api/cron/sync-messages");
    expect(swept.body).toMatchObject({ mode: "inline", skipped: false });
    const sent = google.sent(email);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.parsed.text).toContain("book a consult");
    expect(sent[0]!.parsed.inReplyTo).toBe(original.messageId);
    expect(await app.ctx.db.message.findUniqueOrThrow({ where: { id: reply.body.messageId } })).toMatchObject({
      status: "sent",
      externalId: sent[0]!.id,
    });

    // Later runs neither send it again nor store Gmail's Sent copy as a second message.
    await cron(app, "/api/cron/sync-messages");
    await cron(app, "/api/cron/sync-messages");
    expect(google.sent(email)).toHaveLength(1);
    expect(await app.ctx.db.message.count({ where: { conversationId } })).toBe(2);
  });
});
