// /api/cron/sync-calendars with Redis (BullMQ): one sync job per active calendar connection,
// never a second one for a connection while one is queued (also when the cron fires twice at
// once), and a provider auth failure marks the connection for reconnect without retries.
// Real Postgres, real Redis, the Square stand-in (its tokens can be revoked like a real one).
import { Queue, type Job } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calendarSyncJobId } from "../../service/calendars/jobs.ts";
import { QUEUE_NAME, redisConnection } from "../../service/jobs/queue.ts";
import { startSquareStandIn, type MerchantHandle, type SquareStandIn } from "../../standins/square/index.ts";
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "../helpers/app.ts";
import { signedInUser } from "../helpers/accounts.ts";
import { offeredRequest } from "../helpers/booking-requests.ts";
import type { HttpClient } from "../helpers/http.ts";
import { until } from "../helpers/realtime.ts";

type User = { client: HttpClient; userId: string };
let square: SquareStandIn;
let app: TestApp;
let bull: Queue;
let jo: User, kai: User;
let studioA: MerchantHandle, studioB: MerchantHandle, studioC: MerchantHandle;
const connections: Record<string, string> = {}; // studio name → connection id

const cron = (path: string, secret = app.ctx.config.cronSecret) =>
  app.client().post(path, undefined, { authorization: `Bearer ${secret}` });
const jobOf = async (connectionId: string) => (await bull.getJob(calendarSyncJobId(connectionId))) as Job | undefined;
const runsOf = (connectionId: string) =>
  app.ctx.db.jobRun.findMany({ where: { kind: "job", name: "sync-calendar", jobId: calendarSyncJobId(connectionId) } });
const drain = async () => {
  const res = await cron("/api/worker/sync");
  expect(res.status).toBe(200);
  return res.body.counts as { processed: number; failed: number };
};

async function connectSquare(user: User, studio: MerchantHandle): Promise<string> {
  const res = await user.client.post("/api/calendars/square/connect", { accessToken: studio.token });
  expect(res.status).toBe(201);
  expect(res.body.items).toHaveLength(1);
  return res.body.items[0].id;
}

beforeAll(async () => {
  square = await startSquareStandIn();
  studioA = square.addMerchant({ businessName: "Studio A" });
  studioB = square.addMerchant({ businessName: "Studio B" });
  studioC = square.addMerchant({ businessName: "Studio C" });
  app = await startTestApp({
    env: { SQUARE_API_BASE_URL: square.url, WORKER_SYNC_BUDGET_MS: "20000", CALENDAR_SYNC_DAYS: "60" },
    redis: true,
    databaseUrl: await isolatedDatabaseUrl(),
  });
  expect(app.ctx.queue.mode).toBe("bullmq");
  bull = new Queue(QUEUE_NAME, {
    connection: redisConnection(app.ctx.config)!,
    prefix: `${app.ctx.config.redisPrefix}:bull`,
  });
  jo = await signedInUser(app, { role: "artist" });
  kai = await signedInUser(app, { role: "artist" });
});
afterAll(async () => {
  await bull?.close();
  await app?.close();
  await square?.close();
});

describe("/api/cron/sync-calendars with Redis", () => {
  it("needs the cron secret", async () => {
    expect((await app.client().post("/api/cron/sync-calendars")).status).toBe(401);
    expect((await cron("/api/cron/sync-calendars", "wrong-secret")).status).toBe(401);
  });

  it("connecting queues the first sync; the cron then queues one job per active connection, never two", async () => {
    connections.A = await connectSquare(jo, studioA);
    connections.B = await connectSquare(jo, studioB);
    connections.C = await connectSquare(kai, studioC);
    // A connection that waits for a reconnect is not synced by the cron.
    const stale = await app.ctx.db.calendarConnection.create({
      data: {
        userId: kai.userId,
        accountId: (await app.ctx.db.calendarConnection.findUniqueOrThrow({ where: { id: connections.C } })).accountId,
        provider: "square",
        calendarExternalId: "TM-gone",
        name: "Gone",
        status: "reauth_required",
      },
    });

    // Each connect queued its first sync; the cron finds them all queued already.
    for (const id of Object.values(connections)) expect(await (await jobOf(id))!.getState()).toBe("waiting");
    const whileQueued = await cron("/api/cron/sync-calendars");
    expect(whileQueued.body).toMatchObject({
      cron: "sync-calendars",
      mode: "bullmq",
      skipped: false,
      counts: { enqueued: 0, duplicate: 3 },
    });
    expect((await drain()).processed).toBe(3);
    for (const id of Object.values(connections)) expect(await (await jobOf(id))!.getState()).toBe("completed");

    // Twice in a row: the second run finds every job still queued.
    const first = await cron("/api/cron/sync-calendars");
    expect(first.body.counts).toMatchObject({ enqueued: 3, duplicate: 0 });
    const second = await cron("/api/cron/sync-calendars");
    expect(second.body.counts).toMatchObject({ enqueued: 0, duplicate: 3 });
    expect((await app.ctx.queue.counts()).waiting).toBe(3);
    expect(await jobOf(stale.id)).toBeUndefined();
    const before = Object.fromEntries(
      await Promise.all(Object.values(connections).map(async (id) => [id, (await runsOf(id)).length] as const)),
    );
    expect((await drain()).processed).toBe(3);
    for (const id of Object.values(connections)) expect((await runsOf(id)).length).toBe(before[id]! + 1);

    // Twice at the same moment: still one job per connection, one run each.
    await Promise.all([cron("/api/cron/sync-calendars"), cron("/api/cron/sync-calendars")]);
    expect((await app.ctx.queue.counts()).waiting).toBe(3);
    expect((await drain()).processed).toBe(3);
    for (const id of Object.values(connections)) {
      const runs = await runsOf(id);
      expect(runs).toHaveLength(before[id]! + 2);
      expect(runs.every((r) => r.status === "ok")).toBe(true);
    }
    expect(await runsOf(stale.id)).toEqual([]);

    const list = (await jo.client.get("/api/calendars")).body.items;
    expect(
      list.map((c: { lastSuccessAt: string | null; needsReconnect: boolean }) => [
        Boolean(c.lastSuccessAt),
        c.needsReconnect,
      ]),
    ).toEqual([
      [true, false],
      [true, false],
    ]);
  });

  it("an auth failure from the provider marks the connection for reconnect, without retries", async () => {
    square.revokeToken(studioB.token);
    expect((await cron("/api/cron/sync-calendars")).body.counts).toMatchObject({ enqueued: 3 });
    const runsBefore = (await runsOf(connections.B!)).length;
    const counts = await drain();
    expect(counts).toMatchObject({ processed: 2, failed: 1 });

    const job = (await jobOf(connections.B!))!;
    expect(await job.getState()).toBe("failed"); // not "delayed": no retry is scheduled
    expect(job.attemptsMade).toBe(1);
    const runs = await runsOf(connections.B!);
    expect(runs).toHaveLength(runsBefore + 1);
    expect(runs.at(-1)).toMatchObject({ status: "error", attempt: 1 });

    const list = (await jo.client.get("/api/calendars")).body.items as {
      id: string;
      needsReconnect: boolean;
      status: string;
      lastError: string | null;
    }[];
    const b = list.find((c) => c.id === connections.B)!;
    expect(b).toMatchObject({ needsReconnect: true, status: "reauth_required", lastError: expect.any(String) });
    expect(b.lastError).not.toContain(studioB.token);
    expect(list.find((c) => c.id === connections.A)).toMatchObject({ needsReconnect: false, lastError: null });
    // Syncing it by hand says what to do instead of failing again at Square.
    const manual = await jo.client.post(`/api/calendars/${connections.B}/sync`);
    expect([manual.status, manual.body.error.code]).toEqual([409, "CALENDAR_NEEDS_RECONNECT"]);

    // The next cron leaves it alone until the artist reconnects.
    expect((await cron("/api/cron/sync-calendars")).body.counts).toMatchObject({ enqueued: 2, duplicate: 0 });
    expect((await drain()).processed).toBe(2);
    expect(await runsOf(connections.B!)).toHaveLength(runsBefore + 1);
  });

  it("a calendar write whose answer was lost is retried by the queue without a second booking", async () => {
    // Kai takes bookings through Tatu; Square (studio C) is Kai's Tatu calendar.
    const week = Object.fromEntries(
      ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, [{ start: "10:00", end: "18:00" }]]),
    );
    await app.ctx.db.artistProfile.create({
      data: {
        userId: kai.userId,
        displayName: "Kai",
        timeZone: "Europe/Berlin",
        workingHours: week,
        bufferMinutes: 0,
        visible: true,
      },
    });
    const serviceId = (
      await app.ctx.db.service.create({
        data: { artistId: kai.userId, kind: "session", name: "Session", durationMinutes: 60 },
      })
    ).id;
    const start = new Date(Date.now() + 3 * 86_400_000);
    start.setUTCHours(12, 0, 0, 0);

    // Square creates the booking, but its answer never reaches Tatu.
    square.failNext(1, { status: 503, match: "POST /v2/bookings", afterHandling: true });
    const stop = app.ctx.queue.startWorker(app.ctx, 1);
    try {
      const { customer, requestId } = await offeredRequest(app, kai, serviceId, start.toISOString(), {
        idea: "Lighthouse",
        placement: "shin",
        size: "10 cm",
      });
      const { appointmentId } = (
        await customer.client.post(`/api/bookings/requests/${requestId}/accept`, { start: start.toISOString() })
      ).body;
      await until(
        async () =>
          (await app.ctx.db.appointment.findUniqueOrThrow({ where: { id: appointmentId } })).calendarState === "synced",
        20_000,
        "the retried write",
      );
      const ours = square.bookings(studioC.merchantId).filter((b) => b.seller_note.includes(appointmentId));
      expect(ours).toHaveLength(1);
      expect((await app.ctx.db.appointment.findUniqueOrThrow({ where: { id: appointmentId } })).calendarEventId).toBe(
        ours[0]!.id,
      );
      // The only appointment in this database: its write ran twice, the retry succeeded.
      // (The appointment is updated inside the job, so its run row may still be finishing.)
      const writes = () =>
        app.ctx.db.jobRun.findMany({ where: { kind: "job", name: "calendar-write" }, orderBy: { startedAt: "asc" } });
      await until(async () => (await writes()).every((w) => w.status !== "running"), 5000, "the write's run record");
      expect((await writes()).map((w) => [w.attempt, w.status])).toEqual([
        [1, "error"],
        [2, "ok"],
      ]);
    } finally {
      await stop();
    }
  }, 30_000);
});
