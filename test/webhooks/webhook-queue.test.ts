// Webhooks through the real BullMQ queue (Redis): a burst stored by one INSERT is queued as a
// few "process-webhooks" jobs instead of one job per event, every event still lands exactly
// once, and an event of a batch that cannot finish yet is retried on its own without holding
// up or repeating the others.
import { afterAll, beforeAll, expect, it } from "vitest";
import { newPsid, startMetaStandIn, type MetaStandIn } from "../../standins/meta/index.ts";
import { enqueueProcessing, WEBHOOK_BATCH_MAX } from "../../service/webhooks/jobs.ts";
import { storeItems } from "../../service/webhooks/store.ts";
import { webhookHandler } from "../../service/providers/registry.ts";
import { providerEnv } from "../../service/integrations/accounts.ts";
import { isolatedDatabaseUrl, startTestApp, type TestApp, webhooksProcessed } from "../helpers/app.ts";
import { signedInUser } from "../helpers/accounts.ts";
import type { HttpClient } from "../helpers/http.ts";
import { until } from "../helpers/realtime.ts";

let meta: MetaStandIn;
let app: TestApp;
let artist: { client: HttpClient };
let page: ReturnType<MetaStandIn["addPage"]>;
let stopWorker: () => Promise<void>;

beforeAll(async () => {
  meta = await startMetaStandIn();
  app = await startTestApp({ redis: true, databaseUrl: await isolatedDatabaseUrl(), env: meta.env() });
  expect(app.ctx.queue.mode).toBe("bullmq");
  stopWorker = app.ctx.queue.startWorker(app.ctx, 4); // as `npm run worker` does, concurrency 4
  artist = await signedInUser(app, { role: "artist" });
  const owner = meta.addUser({ name: "Queue Owner" });
  page = meta.addPage(owner.id, { name: "Queue Tattoo" });
  meta.consentAs(owner.id);
  const start = await artist.client.raw("GET", "/api/integrations/facebook/auth");
  const consent = await fetch(start.headers.get("location")!, { redirect: "manual" });
  const callback = new URL(consent.headers.get("location")!);
  expect((await artist.client.raw("GET", callback.pathname + callback.search)).status).toBe(303);
}, 60_000);
afterAll(async () => {
  await stopWorker?.();
  await app?.close();
  await meta?.close();
});

const post = (payload: unknown) => meta.postWebhook(`${app.url}/api/webhooks/facebook`, payload);
const jobRuns = (name: string) =>
  app.ctx.db.jobRun.findMany({ where: { kind: "job", name }, orderBy: { startedAt: "asc" } });

it("a burst is queued as a few batch jobs and every message lands exactly once", async () => {
  const before = (await jobRuns("process-webhook")).length;
  const burst = Array.from({ length: 60 }, (_, i) =>
    meta.customerMessage(page.id, { psid: newPsid(), name: `Fan ${i}`, text: `burst ${i}` }),
  );
  const answers = await Promise.all(burst.map(post));
  expect(answers.map((a) => a.status)).toEqual(burst.map(() => 200));
  await until(
    async () => (await app.ctx.db.message.count({ where: { text: { startsWith: "burst " } } })) === 60,
    20_000,
    "all 60 messages",
  );
  await webhooksProcessed(app, "facebook", 20_000);

  const texts = (
    await app.ctx.db.message.findMany({ where: { text: { startsWith: "burst " } }, select: { text: true } })
  ).map((m) => m.text);
  expect(new Set(texts).size).toBe(60);
  const batches = await jobRuns("process-webhooks");
  const singles = (await jobRuns("process-webhook")).length - before;
  // Concurrent requests share INSERTs and queue adds: far fewer jobs than events, none over the cap.
  expect(batches.length).toBeGreaterThan(0);
  expect(batches.length + singles).toBeLessThan(60);
  const processed =
    batches.reduce((n, r) => n + Number((r.counts as Record<string, number>).processed ?? 0), 0) + singles;
  expect(processed).toBe(60);
  for (const r of batches)
    expect(Number((r.counts as Record<string, number>).processed)).toBeLessThanOrEqual(WEBHOOK_BATCH_MAX);
});

it("an event of a batch that has to wait is retried as its own job; the rest of the batch is done once", async () => {
  // A delivery receipt for a message Tatu has not recorded yet ("retry") rides in a burst of messages.
  const psid = newPsid();
  const receipt = meta.deliveryReceipt(page.id, { psid, mids: ["m_not_recorded_yet"] });
  const burst = [
    receipt,
    ...Array.from({ length: 20 }, (_, i) => meta.customerMessage(page.id, { psid: newPsid(), text: `mixed ${i}` })),
  ];
  expect((await Promise.all(burst.map(post))).every((a) => a.status === 200)).toBe(true);
  await until(
    async () => (await app.ctx.db.message.count({ where: { text: { startsWith: "mixed " } } })) === 20,
    20_000,
    "the 20 messages",
  );

  const receiptEvent = await app.ctx.db.webhookEvent.findFirstOrThrow({
    where: { source: "facebook", payload: { path: ["status", "kind"], equals: "message" } },
    orderBy: { receivedAt: "desc" },
  });
  // Its own job exists and keeps retrying it (with backoff) while the others are processed.
  await until(
    async () =>
      (await app.ctx.db.jobRun.count({ where: { name: "process-webhook", jobId: `webhook_${receiptEvent.id}` } })) >= 1,
    20_000,
    "the receipt's own job",
  );
  const fresh = await app.ctx.db.webhookEvent.findUniqueOrThrow({ where: { id: receiptEvent.id } });
  expect(fresh.status).toBe("received");
  expect(fresh.error).toMatch(/waiting for the message/);
  expect(await app.ctx.db.message.count({ where: { text: { startsWith: "mixed " } } })).toBe(20);
});

it("events handed to the queue within one gather window go out as one add of full batch jobs", async () => {
  // What the route does after each acknowledgement, for webhooks acknowledged at once.
  const handler = webhookHandler("facebook")!;
  // One full batch job and the rest in a second one.
  const n = WEBHOOK_BATCH_MAX + 10;
  const ids: string[][] = [];
  for (let i = 0; i < n; i++) {
    const body = Buffer.from(JSON.stringify(meta.customerMessage(page.id, { psid: newPsid(), text: `gathered ${i}` })));
    ids.push(
      await storeItems(
        app.ctx,
        "facebook",
        handler.parse(providerEnv(app.ctx), { rawBody: body, headers: {}, publicUrl: "" }),
      ),
    );
  }
  const before = new Set((await jobRuns("process-webhooks")).map((r) => r.jobId));
  // Acknowledgements a few event-loop turns apart still share the add (it waits ENQUEUE_GATHER_MS).
  const handed = ids.slice(0, 30).map((mine) => enqueueProcessing(app.ctx, "facebook", mine));
  await new Promise((resolve) => setImmediate(resolve));
  handed.push(...ids.slice(30).map((mine) => enqueueProcessing(app.ctx, "facebook", mine)));
  expect(new Set(handed).size).toBe(1); // one flush carries them all
  await Promise.all(handed);
  await until(
    async () => (await app.ctx.db.message.count({ where: { text: { startsWith: "gathered " } } })) === n,
    20_000,
    `all ${n} messages`,
  );
  await until(
    async () => (await jobRuns("process-webhooks")).filter((r) => !before.has(r.jobId) && r.finishedAt).length === 2,
    20_000,
    "two batch jobs",
  );
  const mine = (await jobRuns("process-webhooks")).filter((r) => !before.has(r.jobId));
  expect(mine.map((r) => Number((r.counts as Record<string, number>).processed)).sort((a, b) => a - b)).toEqual([
    10,
    WEBHOOK_BATCH_MAX,
  ]);
});
