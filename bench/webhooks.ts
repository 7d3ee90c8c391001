// Signed-webhook benchmark: Meta (Messenger) and Twilio (inbound SMS) webhooks under bounded
// load on 127.0.0.1, through the real HTTP stack and webhook layer (raw body → signature →
// parse → store once → ack → process), in both queue modes: inline (no Redis: processed in this
// process after the ack) and BullMQ (Redis: stored before the ack, enqueued right after it, processed by a worker in
// this same process). Every request is a distinct, correctly signed provider event.
//
// Reported: ack throughput as a ratio to a bare Express 200 handler measured in the same run
// with the same requests and load generator (target ≥ 0.25), p50/p99 of the acknowledgement,
// how long processing took to catch up, a per-stage cost breakdown (verify, parse, store,
// enqueue / process), and the ground truth from PostgreSQL: every accepted webhook present
// exactly once as a WebhookEvent and as a Message, no duplicates, and a replay of already
// accepted bodies changing nothing. Speed is never asserted. Exit: 0 ok; 1 the bench broke
// (non-2xx, connection errors, a wrong count, processing not finished in time); 2 setup
// failure; 3 time budget exceeded. Writes bench/RESULTS-webhooks.md + one line in RESULTS.md.
//
//   npm run bench:webhooks
//   BENCH_WEBHOOKS_COUNT=1000 BENCH_WEBHOOKS_MODES=inline npx tsx bench/webhooks.ts   # quick
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import express from "express";
import { Redis } from "ioredis";
import { boot, type Booted } from "../service/boot.ts";
import { channelProvider } from "../service/providers/registry.ts";
import { loadConfig } from "../service/config/load.ts";
import { redactUrl, scratchDatabase } from "./lib/database.ts";
import { benchRun, intEnv } from "./lib/run.ts";
import { providerEnv, upsertAccount } from "../service/integrations/accounts.ts";
import { createLogger } from "../service/observability/logger.ts";
import { startMetaStandIn, type MetaStandIn } from "../standins/meta/index.ts";
import { startTwilioStandIn, type TwilioStandIn } from "../standins/twilio/index.ts";
import { startHttpServer } from "../service/server.ts";
import { enqueueProcessing } from "../service/webhooks/jobs.ts";
import { processWebhookEvent } from "../service/webhooks/process.ts";
import { webhookHandler } from "../service/providers/registry.ts";
import { storeItems } from "../service/webhooks/store.ts";
import type { AppContext } from "../service/context.ts";
import { Checker, type GlobalCounts, type SourceCounts } from "./webhooks-checks.ts";
import { metaBatch, pick, slice, twilioBatch, type BenchSource, type SignedBatch } from "./webhooks-data.ts";
import { closeLoadGenerators, runLoad, type LoadRequest, type LoadResult } from "./webhooks-load.ts";
import { startProfile, StoreFloor, summarise, type ProfileSummary } from "./webhooks-profile.ts";
import { writeResults, printSummary, type Report } from "./webhooks-report.ts";
import { flowStats, openInbox, type FlowStats, type Inbox } from "./webhooks-delivery.ts";
import { startWorkerProcess, type WorkerProcess } from "./webhooks-worker.ts";

const HOST = "127.0.0.1";
const benchDir = path.dirname(fileURLToPath(import.meta.url));

// ---------------------------------------------------------------- settings

/** api: the production topology's API host — BullMQ, its worker on another host (here: paused
 *  while the acks are measured, processing the backlog after). bullmq: `npm start`, the worker
 *  in the same process. inline: no Redis, processed in the same process after the ack. */
export type Mode = "api" | "bullmq" | "inline";
const modesRaw = (process.env.BENCH_WEBHOOKS_MODES?.trim() || "api,bullmq,inline")
  .split(",")
  .map((s) => s.trim())
  .filter(Boolean);
if (!modesRaw.length || modesRaw.some((m) => m !== "inline" && m !== "bullmq" && m !== "api")) {
  console.error(
    `bench: BENCH_WEBHOOKS_MODES must list inline and/or bullmq (got "${process.env.BENCH_WEBHOOKS_MODES}")`,
  );
  process.exit(2);
}

export const settings = {
  count: intEnv("BENCH_WEBHOOKS_COUNT", 10_000, 10),
  // 3,000 unmeasured requests first. Measured in blocks of 1,000 from a cold start, the server's
  // busy time per webhook went 320 → 227 → 220 → 190 µs and then stayed at 180–200 µs up to
  // 12,000: the JIT settles over the first ~3,000 (1,000 had left the ratio ~25 % low).
  warmup: intEnv("BENCH_WEBHOOKS_WARMUP", 3000, 0),
  perSender: intEnv("BENCH_WEBHOOKS_PER_SENDER", 4, 1),
  replay: intEnv("BENCH_WEBHOOKS_REPLAY", 200, 0),
  profile: intEnv("BENCH_WEBHOOKS_PROFILE", 100, 0),
  baselineSec: intEnv("BENCH_WEBHOOKS_BASELINE_SEC", 3, 1),
  maxSec: intEnv("BENCH_WEBHOOKS_MAX_SEC", 30, 1),
  // The delivery run: webhooks sent at a steady rate (not as fast as acknowledged), the latency
  // from each request to its message.created on the WebSocket.
  pacedCount: intEnv("BENCH_WEBHOOKS_PACED_COUNT", 3000, 0),
  pacedRate: intEnv("BENCH_WEBHOOKS_PACED_RATE", 1000, 1),
  settleSec: intEnv("BENCH_WEBHOOKS_SETTLE_SEC", 90, 1),
  workerConcurrency: intEnv("BENCH_WEBHOOKS_WORKER_CONCURRENCY", 4, 1),
  workerDuringLoad: process.env.BENCH_WEBHOOKS_WORKER_DURING_LOAD?.trim() !== "0",
  budgetSec: intEnv("BENCH_WEBHOOKS_BUDGET_SEC", 900, 30),
  connections: intEnv("BENCH_CONNECTIONS", 10, 1),
  modes: [...new Set(modesRaw)] as Mode[],
  cpuProfile: process.env.BENCH_WEBHOOKS_CPUPROF?.trim() === "1",
  cpuProfileDir: path.join(os.tmpdir(), "tatu-bench-webhooks-prof"),
  redisUrl: process.env.BENCH_REDIS_URL?.trim() || "redis://127.0.0.1:6379",
};

// ---------------------------------------------------------------- cleanup + time bound

const run = benchRun({ budgetSec: settings.budgetSec, budgetEnv: "BENCH_WEBHOOKS_BUDGET_SEC" });
const { onCleanup, cleanup, abort } = run;

const log = (msg: string) => console.log(`bench: ${msg}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- setup helpers

async function createDatabase(): Promise<string> {
  const db = await scratchDatabase("webhooks").catch((err: Error) => abort(err.message, 2));
  onCleanup("drop database", db.drop);
  return db.url;
}

/** A loopback port that was free a moment ago: Tatu must know its public URL (Twilio signs it) before it boots. */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, HOST, () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function redisReachable(url: string): Promise<string | undefined> {
  const r = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 3000,
    retryStrategy: () => null,
  });
  r.on("error", () => undefined);
  try {
    await r.connect();
    await r.ping();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  } finally {
    r.disconnect();
  }
}

/** Deletes this run's keys (and only them: the prefix is unique to the run). */
async function dropRedisPrefix(url: string, prefix: string): Promise<number> {
  const r = new Redis(url, { maxRetriesPerRequest: 1 });
  r.on("error", () => undefined);
  let n = 0;
  try {
    let cursor = "0";
    do {
      const [next, keys] = await r.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      if (keys.length) n += await r.del(...keys);
    } while (cursor !== "0");
  } finally {
    r.disconnect();
  }
  return n;
}

async function startBareExpress(): Promise<{ url: string; close(): Promise<void> }> {
  // The baseline: a bare Express 5 app answering 200 to the same POSTs (body not read).
  const app = express();
  app.post("/api/webhooks/:source", (_req, res) => {
    res.status(200).send("EVENT_RECEIVED");
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, HOST, () => resolve());
  });
  return {
    url: `http://${HOST}:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------- measuring

export interface Row {
  name: string;
  what: string;
  mode?: Mode;
  source?: BenchSource;
  r: LoadResult;
  /** Share of the measured run the server's event loop (this process's main thread) was busy. */
  elu: number;
  warmupProblems: number;
  profile?: ProfileSummary;
  /** The baseline row this one is compared with (the one measured right before its mode). */
  base?: Row;
  isBaseline?: boolean;
}

function loadProblems(row: Row): string | undefined {
  const { r } = row;
  // A run stopped by its time bound is expected (the bound); connections cut then are not errors.
  if (
    (r.errors && !r.stoppedByTimeBound) ||
    r.errors > settings.connections ||
    r.timeouts ||
    r.non2xx ||
    row.warmupProblems ||
    !r.total
  ) {
    const codes =
      Object.entries(r.statusCounts)
        .map(([c, n]) => `${c}×${n}`)
        .join(", ") || "none";
    return `${row.name}: ${r.non2xx} non-2xx, ${r.errors} errors (${r.timeouts} timeouts), ${row.warmupProblems} problems during warm-up, ${r.total} responses; status codes: ${codes}`;
  }
  return undefined;
}

/** One measured load; the server shares this thread, so its event-loop utilisation is measured too. */
async function timed(
  name: string,
  run: () => Promise<LoadResult>,
  profileName?: string,
): Promise<{ r: LoadResult; elu: number; profile?: ProfileSummary }> {
  process.stdout.write(`bench: ${name.padEnd(34)} … `);
  const stopProfile = profileName && settings.cpuProfile ? await startProfile() : undefined;
  const elu0 = performance.eventLoopUtilization();
  const r = await run();
  const eluDelta = performance.eventLoopUtilization(elu0);
  const elu = eluDelta.utilization;
  const profile = stopProfile ? summarise(await stopProfile(), settings.cpuProfileDir, profileName!) : undefined;
  console.log(
    `${Math.round(r.rps).toLocaleString("en-US")} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, ${r.total} responses, server loop ${Math.round(elu * 100)} % busy (${Math.round((eluDelta.active * 1000) / (r.total || 1))} µs per request)${r.non2xx || r.errors ? `, ${r.non2xx} non-2xx, ${r.errors} errors  ← FAILED` : ""}`,
  );
  return { r, elu, profile };
}

const lowerHeaders = (h: Record<string, string>) =>
  Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));

// ---------------------------------------------------------------- one mode

export interface StageStats {
  mean: number;
  p50: number;
  p99: number;
  n: number /** Mean CPU time of this process per call, ms. */;
  cpu: number;
}
export interface SourceResult {
  mode: Mode;
  source: BenchSource;
  row: Row;
  sent: number;
  accepted: number;
  unanswered: number;
  profiled: number;
  /** Seconds from the last ack of the measured run until every item was processed. */
  catchUpSec: number;
  /** Items processed per second from the start of the measured run until processing caught up. */
  processedPerSec: number;
  settled: boolean;
  /** Event ids by fate: answered 200 (plus the profiled ones), sent but unanswered, never sent / refused. */
  ids: { accepted: string[]; unanswered: string[]; unsent: string[] };
  counts?: SourceCounts;
  countsAfterReplay?: SourceCounts;
  stages: Record<string, StageStats>;
  /** The measured run: ack vs end-to-end throughput, delivery, backlog age. */
  flow?: FlowStats;
  /** The paced run (BENCH_WEBHOOKS_PACED_RATE): delivery latency at a steady rate. */
  paced?: FlowStats;
}
export interface ModeResult {
  mode: Mode;
  skipped?: string;
  sources: SourceResult[];
  replay?: { sent: number; ok: number; statuses: Record<string, number>; before: GlobalCounts; after: GlobalCounts };
  global?: GlobalCounts;
  failures: string[];
}

interface Shared {
  databaseUrl: string;
  port: number;
  publicBase: string;
  meta: MetaStandIn;
  twilio: TwilioStandIn;
  page: { id: string; name: string; accessToken: string };
  twilioNumber: string;
  checker: Checker;
  floor: StoreFloor;
  baselineUrl: string;
  baselineRequests: LoadRequest[];
  problems: string[];
  rows: Row[];
}

function stats(samples: { wall: number; cpu: number }[]): StageStats {
  const s = samples.map((x) => x.wall).sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] ?? 0;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / (xs.length || 1);
  return { mean: mean(s), p50: q(0.5), p99: q(0.99), n: s.length, cpu: mean(samples.map((x) => x.cpu)) };
}

/** Waits until none of these items is waiting for processing (and the queue is idle), bounded. */
async function settle(
  ctx: AppContext,
  checker: Checker,
  sets: { source: BenchSource; ids: string[] }[],
  boundSec: number,
): Promise<{ settled: boolean; atMs: number }> {
  const deadline = Date.now() + boundSec * 1000;
  for (;;) {
    let received = 0;
    for (const s of sets) received += (await checker.unfinished(s.source, s.ids)).received;
    let busy = 0;
    if (ctx.queue.mode === "bullmq") {
      const c = await ctx.queue.counts();
      busy = c.waiting + c.active + c.delayed;
    }
    if (received === 0 && busy === 0) return { settled: true, atMs: performance.now() };
    if (Date.now() > deadline) return { settled: false, atMs: performance.now() };
    await sleep(100);
  }
}

/** Sequential, in-process cost (wall and this process's CPU) of each stage of the webhook path
 *  for fresh items, plus the floor of the store step: the same row through plain `pg`. */
async function profileStages(
  ctx: AppContext,
  publicBase: string,
  batch: SignedBatch,
  floor: StoreFloor,
): Promise<Record<string, StageStats>> {
  const handler = webhookHandler(batch.source)!;
  const env = providerEnv(ctx);
  const after = ctx.queue.mode === "bullmq" ? "enqueue" : "process";
  const samples: Record<string, { wall: number; cpu: number }[]> = {
    verify: [],
    parse: [],
    store: [],
    floor: [],
    [after]: [],
  };
  for (const req of batch.requests) {
    const raw = {
      rawBody: Buffer.from(req.body ?? ""),
      headers: lowerHeaders(req.headers),
      publicUrl: `${publicBase}${req.path}`,
    };
    let t = performance.now();
    let c = process.cpuUsage();
    const lap = (stage: string) => {
      const now = performance.now(),
        cpu = process.cpuUsage(c);
      samples[stage]!.push({ wall: now - t, cpu: (cpu.user + cpu.system) / 1000 });
      t = performance.now();
      c = process.cpuUsage();
    };
    const v = await handler.verify(env, raw);
    if (!v.ok) throw new Error(`profile: ${batch.source} signature rejected: ${v.reason}`);
    lap("verify");
    const items = handler.parse(env, raw);
    lap("parse");
    const fresh = await storeItems(ctx, batch.source, items);
    lap("store");
    await floor.insert(batch.source, items);
    lap("floor");
    if (ctx.queue.mode === "bullmq") await enqueueProcessing(ctx, batch.source, fresh);
    else for (const id of fresh) await processWebhookEvent(ctx, id);
    lap(after);
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, stats(v)]));
}

function flowLine(f: FlowStats): string {
  const ms = (x: number) => (Number.isFinite(x) ? `${Math.round(x)} ms` : "n/a");
  return `${f.events} events: ack ${Math.round(f.ackRps)}/s, end to end ${Math.round(f.e2eRps)}/s (${f.ratio.toFixed(2)}×), backlog max age ${f.backlogMaxAgeSec.toFixed(2)} s, delivery p50 ${ms(f.delivery.p50)} p99 ${ms(f.delivery.p99)}, ${f.published}/${f.events} published`;
}

function idsOf(batch: SignedBatch, r: LoadResult | undefined) {
  const acceptedSentAt: number[] = [];
  const accepted: string[] = [],
    unanswered: string[] = [],
    unsent: string[] = [];
  batch.eventIds.forEach((id, i) => {
    if (!r) return unsent.push(id);
    const status = r.statusByIndex[i] ?? 0;
    if (status === 200) {
      accepted.push(id);
      acceptedSentAt.push(r.sentAtByIndex[i] ?? 0);
    } else if (r.sentByIndex[i] && status === 0) unanswered.push(id);
    else if (!r.sentByIndex[i]) unsent.push(id);
    // Answered with another status: refused, so it must not be stored (counted as unsent-like).
    else unsent.push(id);
  });
  return { accepted, unanswered, unsent, acceptedSentAt };
}

/** With BENCH_WEBHOOKS_WORKER_DURING_LOAD=0 the worker (in-process for bullmq, the worker
 *  process for api) sits out the measured acks and processes the backlog after them: the ack
 *  path measured alone, as the ≥ 0.25× target was first measured. */
const workerPausedDuringLoad = (mode: Mode) => mode !== "inline" && !settings.workerDuringLoad;

async function runMode(mode: Mode, shared: Shared, first: boolean): Promise<ModeResult> {
  const result: ModeResult = { mode, sources: [], failures: [] };
  const queue = mode === "inline" ? "inline" : "bullmq";
  const prefix = `tatu_bench_wh_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
  if (queue === "bullmq") {
    const why = await redisReachable(settings.redisUrl);
    if (why) {
      result.skipped = `no Redis at ${redactUrl(settings.redisUrl)} (${why}); set BENCH_REDIS_URL`;
      log(`BullMQ mode SKIPPED: ${result.skipped}`);
      return result;
    }
  }
  log(
    `— mode ${mode}${queue === "bullmq" ? ` (Redis ${redactUrl(settings.redisUrl)}, prefix ${prefix}, worker ${mode === "api" ? "in a process of its own (npm run worker)" : "in this process"}, concurrency ${settings.workerConcurrency}${workerPausedDuringLoad(mode) ? ", paused during the measured runs" : ""})` : " (no Redis: processed in this process after the ack)"} —`,
  );

  const env: Record<string, string> = {
    NODE_ENV: "test",
    DATABASE_URL: shared.databaseUrl,
    TATU_DATA_DIR: "/tmp/tatu-bench",
    TATU_SCHEDULER: "off",
    LOG_LEVEL: "silent",
    NEXTAUTH_URL: shared.publicBase,
    ...shared.meta.env(),
    ...shared.twilio.env(),
    ...(queue === "bullmq" ? { REDIS_URL: settings.redisUrl, TATU_REDIS_PREFIX: prefix } : {}),
  };
  const config = loadConfig(env);
  if (queue === "bullmq")
    onCleanup("drop Redis keys", async () => {
      await dropRedisPrefix(settings.redisUrl, prefix);
    });
  const booted: Booted = await boot({ config, log: createLogger({ level: "silent" }) });
  const stopBoot = onCleanup(`stop Tatu (${mode})`, () => booted.close());
  const { ctx } = booted;
  if (ctx.queue.mode !== queue) throw new Error(`booted in queue mode ${ctx.queue.mode}, expected ${queue}`);
  const server = await startHttpServer(ctx, shared.port, HOST);
  const stopServer = onCleanup(`close Tatu http (${mode})`, () => server.close());
  // BullMQ: the worker runs in this process, as `npm start` runs it (paused only while the
  // stages are timed one by one, so their CPU figures are not the worker's).
  let stopWorker: (() => Promise<void>) | undefined;
  const startWorker = () => {
    if (mode === "bullmq" && !stopWorker)
      stopWorker = onCleanup("stop queue worker", ctx.queue.startWorker(ctx, settings.workerConcurrency));
  };
  const pauseWorker = async () => {
    const stop = stopWorker;
    stopWorker = undefined;
    await stop?.();
  };
  startWorker();
  // api: the production topology — the worker is `npm run worker`, a process of its own.
  let workerProcess: WorkerProcess | undefined;
  const startApiWorker = async () => {
    if (mode === "api" && !workerProcess)
      workerProcess = await startWorkerProcess({ ...env, WORKER_CONCURRENCY: String(settings.workerConcurrency) });
  };
  const stopApiWorker = async () => {
    const w = workerProcess;
    workerProcess = undefined;
    await w?.stop();
  };
  onCleanup("stop the worker process", stopApiWorker);
  await startApiWorker();
  let inbox: Inbox | undefined;

  try {
    // The artist and the two connected accounts the webhooks belong to (idempotent per mode).
    const user = await ctx.db.user.upsert({
      where: { email: "webhook-bench@example.test" },
      create: {
        email: "webhook-bench@example.test",
        name: "Bench Artist",
        role: "artist",
        passwordHash: "!no-login",
        emailVerifiedAt: new Date(),
      },
      update: {},
    });
    await upsertAccount(ctx, user.id, channelProvider("facebook")!, {
      externalId: shared.page.id,
      address: shared.page.name,
      displayName: shared.page.name,
      credentials: { pageAccessToken: shared.page.accessToken, pageId: shared.page.id },
      scopes: ["pages_messaging"],
    });
    await upsertAccount(ctx, user.id, channelProvider("twilio")!, {
      externalId: shared.twilioNumber,
      address: shared.twilioNumber,
      credentials: { phoneNumber: shared.twilioNumber },
      scopes: [],
    });
    inbox = await openInbox(ctx, server.url, user.id);

    // The baseline, right before this mode's runs (the machine's load drifts over a run): a bare
    // Express app fed the same kind of signed POSTs, same connections, same load generator.
    await runLoad({
      url: shared.baselineUrl,
      requests: shared.baselineRequests,
      connections: settings.connections,
      mode: "cycle",
      durationSec: 1,
      maxSec: 10,
    });
    const bt = await timed(`bare Express 5 POST 200 (baseline)`, () =>
      runLoad({
        url: shared.baselineUrl,
        requests: shared.baselineRequests,
        connections: settings.connections,
        mode: "cycle",
        durationSec: settings.baselineSec,
        maxSec: settings.baselineSec + 10,
      }),
    );
    const base: Row = {
      name: `bare Express 5 POST → 200, before ${mode}`,
      what: "`app.post('/api/webhooks/:source', (req, res) => res.status(200).send(…))` in this process, fed the same signed Meta POSTs — **the baseline** of the rows below it",
      ...bt,
      warmupProblems: 0,
      isBaseline: true,
    };
    shared.rows.push(base);
    const bp = loadProblems(base);
    if (bp) shared.problems.push(bp);

    if (first) {
      // Context: the real middleware stack without webhook work.
      const health: LoadRequest[] = [{ method: "GET", path: "/api/health", headers: {} }];
      await runLoad({
        url: server.url,
        requests: health,
        connections: settings.connections,
        mode: "cycle",
        durationSec: 1,
        maxSec: 10,
      });
      const t = await timed("Tatu GET /api/health (context)", () =>
        runLoad({
          url: server.url,
          requests: health,
          connections: settings.connections,
          mode: "cycle",
          durationSec: settings.baselineSec,
          maxSec: settings.baselineSec + 10,
        }),
      );
      shared.rows.push({
        name: "Tatu GET /api/health",
        what: "liveness route through the real middleware stack (security headers, request log, error recorder): the HTTP cost without webhook work",
        ...t,
        warmupProblems: 0,
        base,
      });
    }

    // Pre-generate and sign every request of this mode before any load.
    const t0 = performance.now();
    const total = settings.warmup + settings.count + settings.pacedCount + settings.profile;
    const senders = Math.ceil(total / settings.perSender);
    const batches: SignedBatch[] = [
      metaBatch(shared.meta, shared.page.id, String(shared.meta.env().FACEBOOK_APP_SECRET), total, senders, `${mode}`),
      twilioBatch(shared.twilio, shared.publicBase, shared.twilioNumber, total, senders, `${mode}`),
    ];
    log(
      `generated and signed ${(2 * total).toLocaleString("en-US")} distinct webhooks in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    const sets: { source: BenchSource; ids: string[] }[] = [];
    for (const batch of batches) {
      const label = `${mode} · ${batch.source === "facebook" ? "Meta POST /api/webhooks/facebook" : "Twilio POST /api/webhooks/twilio"}`;
      const warm = slice(batch, 0, settings.warmup);
      const measured = slice(batch, settings.warmup, settings.warmup + settings.count);
      const pacedEnd = settings.warmup + settings.count + settings.pacedCount;
      const pacedSlice = slice(batch, settings.warmup + settings.count, pacedEnd);
      const profiled = slice(batch, pacedEnd);
      // BENCH_WEBHOOKS_WORKER_DURING_LOAD=0: the worker waits until the acks are measured (what
      // the web process does when `npm run worker` runs elsewhere); the backlog is processed after.
      if (workerPausedDuringLoad(mode)) {
        await pauseWorker();
        await stopApiWorker();
      }
      let warmR: LoadResult | undefined;
      if (warm.requests.length)
        warmR = await runLoad({
          url: server.url,
          requests: warm.requests,
          connections: settings.connections,
          mode: "once",
          maxSec: settings.maxSec,
        });
      // The measured run starts with no backlog of the warm-up's (unless the worker sits out the load).
      if (!workerPausedDuringLoad(mode))
        await settle(
          ctx,
          shared.checker,
          [{ source: batch.source, ids: idsOf(warm, warmR).accepted }],
          settings.settleSec,
        );
      const started = performance.now();
      const t = await timed(
        label,
        () =>
          runLoad({
            url: server.url,
            requests: measured.requests,
            connections: settings.connections,
            mode: "once",
            maxSec: settings.maxSec,
          }),
        `${mode}-${batch.source}`,
      );
      const r = t.r;
      const ackedAt = performance.now();
      startWorker();
      await startApiWorker();
      const w = idsOf(warm, warmR),
        m = idsOf(measured, r);
      const row: Row = {
        name: label,
        mode,
        source: batch.source,
        ...t,
        base,
        warmupProblems: warmR ? warmR.errors + warmR.non2xx : 0,
        what:
          batch.source === "facebook"
            ? "Messenger message webhooks (JSON, X-Hub-Signature-256), each a new `mid`"
            : "inbound-SMS webhooks (form-encoded, X-Twilio-Signature over NEXTAUTH_URL + path), each a new `MessageSid`",
      };
      shared.rows.push(row);
      const problem = loadProblems(row);
      if (problem) shared.problems.push(problem);

      const waitIds = [...w.accepted, ...w.unanswered, ...m.accepted, ...m.unanswered];
      const s = await settle(ctx, shared.checker, [{ source: batch.source, ids: waitIds }], settings.settleSec);
      const catchUpSec = (s.atMs - ackedAt) / 1000;
      log(
        `  processing ${s.settled ? "caught up" : "NOT finished"} ${catchUpSec.toFixed(1)} s after the last ack (${Math.round(m.accepted.length / ((s.atMs - started) / 1000))} items/s from the start of the run)`,
      );
      if (!s.settled)
        shared.problems.push(
          `${label}: processing had not finished ${settings.settleSec} s after the run (BENCH_WEBHOOKS_SETTLE_SEC)`,
        );
      const flow = await flowStats(ctx, inbox, {
        source: batch.source,
        eventIds: m.accepted,
        sentAt: m.acceptedSentAt,
        ackRps: r.rps,
      });
      log(`  ${flowLine(flow)}`);

      // Delivery at a steady rate: each webhook → its message.created on the WebSocket.
      let paced: FlowStats | undefined;
      let pacedIds: ReturnType<typeof idsOf> | undefined;
      if (pacedSlice.requests.length) {
        const pr = await runLoad({
          url: server.url,
          requests: pacedSlice.requests,
          // Enough connections that the rate, not the answer latency, sets the pace
          // (10 connections at 20 ms per answer top out at 500/s).
          connections: Math.max(settings.connections, 50),
          mode: "once",
          rate: settings.pacedRate,
          maxSec: Math.ceil((3 * pacedSlice.requests.length) / settings.pacedRate) + 10,
        });
        pacedIds = idsOf(pacedSlice, pr);
        const ps = await settle(
          ctx,
          shared.checker,
          [{ source: batch.source, ids: [...pacedIds.accepted, ...pacedIds.unanswered] }],
          settings.settleSec,
        );
        if (!ps.settled)
          shared.problems.push(
            `${label}: the paced run's processing had not finished ${settings.settleSec} s after it`,
          );
        if (pr.non2xx || pr.errors)
          shared.problems.push(`${label}: paced run — ${pr.non2xx} non-2xx, ${pr.errors} errors`);
        paced = await flowStats(ctx, inbox, {
          source: batch.source,
          eventIds: pacedIds.accepted,
          sentAt: pacedIds.acceptedSentAt,
          ackRps: pr.rps,
          rate: settings.pacedRate,
        });
        log(`  paced at ${settings.pacedRate}/s: ${flowLine(paced)}`);
      }

      // Where the time goes: the same path, stage by stage, sequentially, on fresh items.
      let stages: Record<string, StageStats> = {};
      if (profiled.requests.length) {
        await pauseWorker();
        stages = await profileStages(ctx, shared.publicBase, profiled, shared.floor);
        startWorker();
      }

      const ids = {
        accepted: [...w.accepted, ...m.accepted, ...(pacedIds?.accepted ?? []), ...profiled.eventIds],
        unanswered: [...w.unanswered, ...m.unanswered, ...(pacedIds?.unanswered ?? [])],
        unsent: [...w.unsent, ...m.unsent, ...(pacedIds?.unsent ?? [])],
      };
      sets.push({ source: batch.source, ids: ids.accepted });
      result.sources.push({
        mode,
        source: batch.source,
        row,
        sent:
          (warmR?.sentByIndex.filter(Boolean).length ?? 0) +
          r.sentByIndex.filter(Boolean).length +
          pacedSlice.requests.length +
          profiled.requests.length,
        accepted: ids.accepted.length,
        unanswered: ids.unanswered.length,
        profiled: profiled.requests.length,
        catchUpSec,
        processedPerSec: m.accepted.length / ((s.atMs - started) / 1000),
        settled: s.settled,
        stages,
        ids,
        flow,
        paced,
      });
    }

    // Everything (profile items included) processed, then the ground truth.
    const s = await settle(ctx, shared.checker, sets, settings.settleSec);
    if (!s.settled) shared.problems.push(`${mode}: profile items still unprocessed after ${settings.settleSec} s`);
    for (const sr of result.sources) sr.counts = await shared.checker.source(sr.source, sr.ids);
    result.global = await shared.checker.global();

    // Replay a sample of already-accepted bodies: all 200, nothing new stored or processed.
    if (settings.replay > 0) {
      const per = Math.ceil(settings.replay / batches.length);
      const sample: LoadRequest[] = [];
      for (const batch of batches) {
        const measured = slice(batch, settings.warmup, settings.warmup + settings.count);
        const acceptedIdx = measured.eventIds
          .map((_, i) => i)
          .filter((i) => result.sources.find((x) => x.source === batch.source)!.row.r.statusByIndex[i] === 200);
        const step = Math.max(1, Math.floor(acceptedIdx.length / per));
        sample.push(...pick(measured, acceptedIdx.filter((_, k) => k % step === 0).slice(0, per)).requests);
      }
      const before = await shared.checker.global();
      const rr = await runLoad({
        url: server.url,
        requests: sample,
        connections: Math.min(settings.connections, sample.length),
        mode: "once",
        maxSec: settings.maxSec,
      });
      await sleep(500); // anything (wrongly) enqueued or started in the background gets a chance to land
      await settle(ctx, shared.checker, sets, settings.settleSec);
      const after = await shared.checker.global();
      for (const sr of result.sources) sr.countsAfterReplay = await shared.checker.source(sr.source, sr.ids);
      result.replay = {
        sent: sample.length,
        ok: rr.statusByIndex.filter((x) => x === 200).length,
        statuses: rr.statusCounts,
        before,
        after,
      };
      log(
        `replayed ${sample.length} accepted webhooks: ${result.replay.ok} answered 200; WebhookEvent ${before.webhookEvents} → ${after.webhookEvents}, Message ${before.messages} → ${after.messages}`,
      );
    }
    result.failures = await shared.checker.failures();
  } finally {
    inbox?.close();
    await pauseWorker();
    await stopApiWorker();
    await stopServer();
    await stopBoot();
  }
  return result;
}

// ---------------------------------------------------------------- verdicts

function verify(results: ModeResult[], problems: string[]): void {
  for (const m of results) {
    if (m.skipped) continue;
    for (const s of m.sources) {
      const c = s.counts;
      const label = `${m.mode} · ${s.source}`;
      if (!c) {
        problems.push(`${label}: no counts`);
        continue;
      }
      if (c.eventRows !== s.accepted || c.eventDistinct !== s.accepted)
        problems.push(
          `${label}: ${s.accepted} accepted webhooks but ${c.eventRows} WebhookEvent rows (${c.eventDistinct} distinct)`,
        );
      if (c.messageRows !== s.accepted || c.messageDistinct !== s.accepted)
        problems.push(
          `${label}: ${s.accepted} accepted webhooks but ${c.messageRows} Message rows (${c.messageDistinct} distinct)`,
        );
      if (c.unansweredRows !== c.unansweredDistinct) problems.push(`${label}: an unanswered webhook is stored twice`);
      if (c.unsentRows)
        problems.push(`${label}: ${c.unsentRows} WebhookEvent rows for webhooks that were never sent or were refused`);
      const notProcessed = Object.entries(c.byStatus)
        .filter(([k]) => k !== "processed")
        .map(([k, n]) => `${n} ${k}`);
      if (notProcessed.length) problems.push(`${label}: not every item ended "processed": ${notProcessed.join(", ")}`);
      for (const f of [s.flow, s.paced])
        if (f && f.published !== f.events)
          problems.push(
            `${label}: ${f.events - f.published} of ${f.events} accepted webhooks never reached the WebSocket as message.created`,
          );
      const a = s.countsAfterReplay;
      if (a && JSON.stringify(a) !== JSON.stringify(c))
        problems.push(`${label}: counts changed after the replay: ${JSON.stringify(c)} → ${JSON.stringify(a)}`);
    }
    const g = m.global;
    if (g && (g.duplicateMessages || g.duplicateEvents))
      problems.push(
        `${m.mode}: duplicates — ${g.duplicateMessages} Message externalIds and ${g.duplicateEvents} (source, eventId) pairs appear more than once`,
      );
    if (g && g.rejected)
      problems.push(`${m.mode}: ${g.rejected} webhooks were rejected (bad signature / content type / body)`);
    if (m.replay) {
      const { before, after } = m.replay;
      if (m.replay.ok !== m.replay.sent)
        problems.push(
          `${m.mode}: replay — ${m.replay.sent - m.replay.ok} of ${m.replay.sent} replayed webhooks were not answered 200 (${JSON.stringify(m.replay.statuses)})`,
        );
      if (before.webhookEvents !== after.webhookEvents || before.messages !== after.messages)
        problems.push(
          `${m.mode}: replay changed the totals: WebhookEvent ${before.webhookEvents} → ${after.webhookEvents}, Message ${before.messages} → ${after.messages}`,
        );
    }
    for (const f of m.failures) problems.push(`${m.mode}: failed processing — ${f}`);
  }
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const started = new Date();
  const loadAtStart = os.loadavg()[0]!;
  log(
    `node ${process.version}, ${os.cpus().length} CPU(s), ${settings.connections} connections; ${settings.count} measured + ${settings.warmup} warm-up webhooks per source and mode; modes ${settings.modes.join(", ")}`,
  );

  const databaseUrl = await createDatabase();
  log(`database ${redactUrl(databaseUrl)} created and migrated`);
  const checker = new Checker(databaseUrl);
  onCleanup("close checker", () => checker.close());
  const floor = new StoreFloor(databaseUrl);
  await floor.init();
  onCleanup("close floor pool", () => floor.close());

  // Stand-ins: only their secrets, payload shapes and ids are used (they serve no traffic during the load).
  const meta = await startMetaStandIn();
  onCleanup("close Meta stand-in", () => meta.close());
  const twilio = await startTwilioStandIn();
  onCleanup("close Twilio stand-in", () => twilio.close());
  const owner = meta.addUser({ name: "Bench Artist" });
  const page = meta.addPage(owner.id, { name: "Bench Tattoo Studio" });
  const twilioNumber = twilio.env().TWILIO_PHONE_NUMBER!;

  const port = await freePort();
  const bare = await startBareExpress();
  onCleanup("close bare Express", () => bare.close());
  onCleanup("stop load generators", closeLoadGenerators);
  const shared: Shared = {
    databaseUrl,
    port,
    publicBase: `http://${HOST}:${port}`,
    meta,
    twilio,
    page,
    twilioNumber,
    checker,
    floor,
    baselineUrl: bare.url,
    problems: [],
    rows: [],
    baselineRequests: metaBatch(meta, page.id, String(meta.env().FACEBOOK_APP_SECRET), 500, 125, "baseline").requests,
  };

  const results: ModeResult[] = [];
  for (const [i, mode] of settings.modes.entries()) {
    try {
      results.push(await runMode(mode, shared, i === 0));
    } catch (err) {
      shared.problems.push(`${mode}: the run failed: ${(err as Error).stack ?? err}`);
      results.push({ mode, sources: [], failures: [] });
    }
  }
  if (run.aborting) return; // the budget ran out mid-run: abort() cleans up and exits with 3
  verify(results, shared.problems);

  const report: Report = {
    started,
    seconds: (Date.now() - started.getTime()) / 1000,
    loadAtStart,
    loadAtEnd: os.loadavg()[0]!,
    settings,
    rows: shared.rows,
    modes: results,
    problems: shared.problems,
  };
  printSummary(report);
  writeResults(benchDir, report);
  log(`wrote bench/RESULTS-webhooks.md and its line in bench/RESULTS.md (${Math.round(report.seconds)} s)`);

  await cleanup();
  if (shared.problems.length) {
    for (const p of shared.problems) console.error(`bench: BROKEN ${p}`);
    process.exit(1);
  }
  process.exit(0);
}

main().catch((err) => abort(`failed: ${(err as Error).stack ?? err}`, 2));
