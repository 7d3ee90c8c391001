// Reminder benchmark: 100,000 confirmed appointments due at once (90,000 reminders for
// tomorrow, 10,000 aftercare notes for sessions that ended today), seeded with set-based SQL
// into a scratch PostgreSQL database migrated with `prisma migrate deploy`. The real
// `appointment-reminders` cron runs (plan ranges → one batch job per range through the queue
// → claim → send → record) against the Twilio stand-in (official twilio SDK over HTTP; the
// stand-in in its own process, as the real Twilio would be) and the dev outbox for email.
// Modes (BENCH_REMINDERS_MODES, default both): `inline` — no Redis, the cron runs the batch
// jobs itself; `bullmq` — the cron enqueues them in Redis and BENCH_REMINDERS_WORKERS worker
// processes (default 2) share them. Timed: cron start → every batch done. Then exactly-once
// is verified by counting: Reminder rows by status/channel, texts the stand-in received (and
// distinct recipients), DevEmail rows (and distinct recipients); a second cron run must send
// nothing. Speed is never asserted. Exit: 0 ok; 1 a count is wrong; 2 setup failure.
// Writes bench/RESULTS-reminders.md and one line in bench/RESULTS.md.
//
//   npm run bench:reminders
//   BENCH_REMINDERS_COUNT=10000 BENCH_REMINDERS_MODES=inline npx tsx bench/reminders.ts   # quick
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import pg from "pg";
import type { AppContext } from "../service/context.ts";
import type { ScratchDatabase } from "./lib/database.ts";
import { DEFAULTS as REMINDER_DEFAULTS } from "../service/reminders/run.ts";
import { intEnv } from "./lib/run.ts";
import { pgCpu, pgCpuSince } from "./reminders-cpu.ts";
import { measureFloor, type Floor } from "./reminders-floor.ts";
import { seed } from "./reminders-data.ts";

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
const TARGET_SEC = 10;
/** RESULTS-reminders.md keeps everything from this line on across runs (hand-written history). */
const HISTORY = "<!-- reminders-history";

// ------------------------------------------------------------- stand-in process
// `tsx bench/reminders.ts --standin`: the Twilio stand-in alone, answering count requests
// over IPC, so its CPU is not the job runner's.
if (process.argv[2] === "--worker") {
  await workerMain();
} else if (process.argv[2] === "--standin") {
  const { startTwilioStandIn } = await import("../standins/twilio/index.ts");
  const t = await startTwilioStandIn();
  process.on("message", (m: { type: string }) => {
    if (m.type !== "counts") return;
    const sent = t.sent();
    const cpu = process.cpuUsage();
    process.send!({
      type: "counts",
      sent: sent.length,
      recipients: new Set(sent.map((x) => x.to)).size,
      cpuMs: (cpu.user + cpu.system) / 1000,
    });
  });
  process.on("disconnect", () => void t.close().then(() => process.exit(0)));
  process.send!({ type: "ready", env: t.env() });
} else {
  await main();
}

// ------------------------------------------------------------------- settings

// ---------------------------------------------------------------------- boot

/** The service context as `npm start` / `npm run worker` build it (the reminder job is in its catalog). */
async function bootService(env: Record<string, string>) {
  const { boot } = await import("../service/boot.ts");
  const { loadConfig } = await import("../service/config/load.ts");
  const { createLogger } = await import("../service/observability/logger.ts");
  const run = await import("../service/reminders/run.ts");
  const n = (k: string) => (env[k] ? Number(env[k]) : undefined);
  Object.assign(run.DEFAULTS, {
    ...(n("BENCH_REMINDERS_CONCURRENCY") ? { concurrency: n("BENCH_REMINDERS_CONCURRENCY") } : {}),
    ...(n("BENCH_REMINDERS_MAIL_CONCURRENCY") ? { mailConcurrency: n("BENCH_REMINDERS_MAIL_CONCURRENCY") } : {}),
    ...(n("BENCH_REMINDERS_BATCH") ? { batchSize: n("BENCH_REMINDERS_BATCH") } : {}),
    ...(n("BENCH_REMINDERS_RANGE") ? { rangeSize: n("BENCH_REMINDERS_RANGE") } : {}),
  });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tatu-bench-reminders-"));
  const config = loadConfig({
    NODE_ENV: "development",
    TATU_DATA_DIR: dataDir,
    TATU_SCHEDULER: "off",
    LOG_LEVEL: "silent",
    NEXTAUTH_URL: "http://127.0.0.1:3000",
    ...env,
  });
  return boot({ config, log: createLogger({ level: "silent" }) });
}

/** `tsx bench/reminders.ts --worker`: one queue worker process (env from the parent). */
async function workerMain(): Promise<void> {
  const booted = await bootService(JSON.parse(process.env.BENCH_SERVICE_ENV!));
  const stop = booted.ctx.queue.startWorker(booted.ctx, Number(process.env.BENCH_WORKER_JOBS ?? 2));
  const cpu0 = process.cpuUsage();
  process.on("message", async (m: { type: string }) => {
    if (m.type !== "stop") return;
    const cpu = process.cpuUsage(cpu0);
    await stop();
    await booted.close();
    process.send!({ type: "stopped", cpuMs: (cpu.user + cpu.system) / 1000 }, () => process.exit(0));
  });
  process.send!({ type: "ready" });
}

interface Child {
  send(m: object): void;
  next<T>(type: string): Promise<T>;
  close(): void;
}

function child(mode: "--standin" | "--worker", env: NodeJS.ProcessEnv = process.env): Promise<Child & { first: any }> {
  // BENCH_CPU_PROF_DIR=<dir>: each child writes a V8 CPU profile there (open in Chrome DevTools).
  const prof = process.env.BENCH_CPU_PROF_DIR ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`] : [];
  const proc: ChildProcess = spawn(process.execPath, [...prof, "--import", "tsx", SELF, mode], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env,
  });
  const next = <T>(type: string) =>
    new Promise<T>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`${mode} process exited (${code})`));
      proc.once("exit", onExit);
      const onMsg = (m: { type: string }) => {
        if (m.type !== type) return;
        proc.off("message", onMsg);
        proc.off("exit", onExit);
        resolve(m as T);
      };
      proc.on("message", onMsg);
    });
  return next<any>("ready").then((first) => ({
    first,
    send: (m: object) => void proc.send(m),
    next,
    close: () => {
      if (proc.connected) proc.disconnect();
    },
  }));
}

async function standInCounts(standIn: Child): Promise<{ sent: number; recipients: number; cpuMs: number }> {
  const answer = standIn.next<{ sent: number; recipients: number; cpuMs: number }>("counts");
  standIn.send({ type: "counts" });
  return answer;
}

// ----------------------------------------------------------------------- main

type Mode = "inline" | "bullmq";
interface ModeResult {
  mode: Mode;
  workers: number;
  wallMs: number;
  cpuMs: number;
  /** The Twilio stand-in's CPU during the run, and the database backends' (undefined: unknown). */
  standInCpuMs: number;
  pgCpuMs: number | undefined;
  /** The batch jobs' profile summed over the run (service/reminders/profile.ts), with their counts. */
  phases: Record<string, number>;
  jobs: number;
  planned: unknown;
  again: unknown;
  againMs: number;
  checks: [string, boolean, string][];
  byStatus: { status: string; channel: string; n: string }[];
}

async function main(): Promise<void> {
  const settings = {
    count: intEnv("BENCH_REMINDERS_COUNT", 100_000, 100),
    phonePct: intEnv("BENCH_REMINDERS_PHONE_PCT", 50, 0),
    optOutPct: intEnv("BENCH_REMINDERS_OPTOUT_PCT", 1, 0),
    concurrency: intEnv("BENCH_REMINDERS_CONCURRENCY", REMINDER_DEFAULTS.concurrency, 1),
    mailConcurrency: intEnv("BENCH_REMINDERS_MAIL_CONCURRENCY", REMINDER_DEFAULTS.mailConcurrency, 1),
    batchSize: intEnv("BENCH_REMINDERS_BATCH", REMINDER_DEFAULTS.batchSize, 1),
    rangeSize: intEnv("BENCH_REMINDERS_RANGE", REMINDER_DEFAULTS.rangeSize, 1),
    workers: intEnv("BENCH_REMINDERS_WORKERS", 2, 1),
    workerJobs: intEnv("BENCH_REMINDERS_WORKER_JOBS", 2, 1),
  };
  const modes = (process.env.BENCH_REMINDERS_MODES?.trim() || "inline,bullmq")
    .split(",")
    .map((m) => m.trim()) as Mode[];
  if (!modes.length || modes.some((m) => m !== "inline" && m !== "bullmq")) {
    console.error(
      `bench: BENCH_REMINDERS_MODES must list inline and/or bullmq (got "${process.env.BENCH_REMINDERS_MODES}")`,
    );
    process.exit(2);
  }
  const aftercare = Math.round(settings.count / 10);
  const reminders = settings.count - aftercare;
  const artists = Math.max(1, Math.ceil(reminders / 45)); // ≤ 45 slots of 20 min each (15 h of the 24 h window)
  const prefix = `tatu-bench-reminders-${randomBytes(4).toString("hex")}`;
  const log = (s: string) => console.log(`[reminders] ${s}`);

  const results: ModeResult[] = [];
  let floor: Floor | undefined;
  let seedMs = 0;
  let exitCode = 0;
  let scratch: ScratchDatabase | undefined;
  let db: pg.Client | undefined;
  try {
    const t0 = performance.now();
    const { scratchDatabase } = await import("./lib/database.ts");
    scratch = await scratchDatabase("reminders");
    log(`scratch database ${scratch.name} migrated (${Math.round(performance.now() - t0)} ms)`);
    db = new pg.Client(scratch.url);
    await db.connect();
    const asOfMs = Date.now();
    const ts = performance.now();
    await seed(db, {
      reminders,
      aftercare,
      artists,
      asOfMs,
      phonePct: settings.phonePct,
      optOutPct: settings.optOutPct,
    });
    seedMs = performance.now() - ts;
    log(
      `seeded ${settings.count.toLocaleString("en")} appointments (${reminders} reminders, ${aftercare} aftercare) for ${artists} artists in ${Math.round(seedMs)} ms`,
    );

    for (const mode of modes) {
      await db.query(`TRUNCATE "Reminder", "DevEmail", "JobRun"`);
      const r = await runMode(mode, { db, dbUrl: scratch.url, prefix: `${prefix}-${mode}`, settings, log });
      results.push(r);
      for (const [name, ok, detail] of r.checks) log(`${mode}: ${ok ? "✅" : "❌"} ${name}: ${detail}`);
      if (r.checks.some(([, ok]) => !ok)) exitCode = 1;
    }
    // After the modes: this process is as warm as it was for the later mode, the stand-in fresh.
    if (process.env.BENCH_REMINDERS_FLOOR !== "0") {
      floor = await runFloor(db, scratch.url, asOfMs, settings);
      log(
        `floor: ${floor.texts} texts + ${floor.emails} emails sent without claims or records in ${(floor.wallMs / 1000).toFixed(2)} s (${floor.failed} failed)`,
      );
      if (floor.failed) throw new Error(`the floor measurement had ${floor.failed} failed sends`);
    }
    if (process.env.BENCH_REMINDERS_WRITE !== "0")
      writeResults({
        date: new Date().toISOString(),
        node: process.version,
        cpu: `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? "?"}`,
        load: os
          .loadavg()
          .map((x) => x.toFixed(1))
          .join(" / "),
        settings,
        reminders,
        aftercare,
        artists,
        seedMs,
        floor,
        results,
      });
    log(
      process.env.BENCH_REMINDERS_WRITE !== "0"
        ? "wrote bench/RESULTS-reminders.md and its line in bench/RESULTS.md"
        : "results not written (BENCH_REMINDERS_WRITE=0)",
    );
  } catch (err) {
    console.error(`[reminders] setup failed: ${(err as Error).stack ?? err}`);
    exitCode = 2;
  } finally {
    await db?.end().catch(() => undefined);
    const dropped = scratch;
    await dropped
      ?.drop()
      .catch((e) => console.error(`[reminders] could not drop ${dropped.name}: ${(e as Error).message}`));
    const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis
      .connect()
      .then(async () => {
        const keys = await redis.keys(`${prefix}*`);
        if (keys.length) await redis.del(...keys);
      })
      .catch(() => undefined);
    redis.disconnect();
  }
  process.exit(exitCode);
}

/** The baseline (reminders-floor.ts): the same sends without claims or records, own stand-in. */
async function runFloor(db: pg.Client, dbUrl: string, asOfMs: number, settings: Settings): Promise<Floor> {
  const standIn = await child("--standin");
  try {
    const booted = await bootService({ DATABASE_URL: dbUrl, ...standIn.first.env });
    try {
      return await measureFloor(booted.ctx, db, {
        asOfMs,
        concurrency: settings.concurrency,
        mailConcurrency: settings.mailConcurrency,
      });
    } finally {
      await booted.close().catch(() => undefined);
    }
  } finally {
    standIn.close();
  }
}

async function runMode(
  mode: Mode,
  o: {
    db: pg.Client;
    dbUrl: string;
    prefix: string;
    settings: Settings;
    log: (s: string) => void;
  },
): Promise<ModeResult> {
  const standIn = await child("--standin");
  const env: Record<string, string> = {
    DATABASE_URL: o.dbUrl,
    ...standIn.first.env,
    BENCH_REMINDERS_CONCURRENCY: String(o.settings.concurrency),
    BENCH_REMINDERS_MAIL_CONCURRENCY: String(o.settings.mailConcurrency),
    BENCH_REMINDERS_BATCH: String(o.settings.batchSize),
    BENCH_REMINDERS_RANGE: String(o.settings.rangeSize),
    ...(mode === "bullmq" ? { REDIS_URL, TATU_REDIS_PREFIX: o.prefix } : {}),
  };
  const booted = await bootService(env);
  const workers: Child[] = [];
  try {
    const ctx: AppContext = booted.ctx;
    if (ctx.queue.mode !== mode || ctx.mailer.mode !== "dev-outbox")
      throw new Error(`expected ${mode} queue + dev outbox, got ${ctx.queue.mode} + ${ctx.mailer.mode}`);
    const { runCron } = await import("../service/jobs/crons.ts");
    const { BATCH_JOB } = await import("../service/reminders/run.ts");
    if (mode === "bullmq")
      for (let i = 0; i < o.settings.workers; i++)
        workers.push(
          await child("--worker", {
            ...process.env,
            BENCH_SERVICE_ENV: JSON.stringify(env),
            BENCH_WORKER_JOBS: String(o.settings.workerJobs),
          }),
        );

    // ---- the measured run: the cron as Vercel/the scheduler fires it, until every batch is done
    const standIn0 = await standInCounts(standIn);
    const pg0 = await pgCpu(o.db);
    const cpu0 = process.cpuUsage();
    const t1 = performance.now();
    const planned = await runCron(ctx, "appointment-reminders");
    if (mode === "bullmq") {
      for (;;) {
        const c = await ctx.queue.counts();
        if (c.waiting + c.active + c.delayed === 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const wallMs = performance.now() - t1;
    const cpu = process.cpuUsage(cpu0);
    let cpuMs = (cpu.user + cpu.system) / 1000;
    const pgCpuMs = pgCpuSince(pg0, await pgCpu(o.db));
    const standInCpuMs = (await standInCounts(standIn)).cpuMs - standIn0.cpuMs;
    o.log(`${mode}: cron + batches finished in ${(wallMs / 1000).toFixed(2)} s: ${JSON.stringify(planned)}`);
    const jobs = await ctx.db.jobRun.count({ where: { kind: "job", name: BATCH_JOB, status: "ok" } });
    // The batch jobs' own profile (claim → render → send → record), summed over the run.
    const [phaseRow] = await o.db
      .query<{ phases: Record<string, string> | null }>(
        `SELECT (SELECT jsonb_object_agg(k, s) FROM (SELECT k, sum(v::float8) s FROM "JobRun", jsonb_each_text(counts) e(k, v)
         WHERE kind = 'job' AND name = $1 AND status = 'ok' GROUP BY k) t) AS phases`,
        [BATCH_JOB],
      )
      .then((r) => r.rows);
    const phases = Object.fromEntries(Object.entries(phaseRow?.phases ?? {}).map(([k, v]) => [k, Number(v)]));
    o.log(`${mode}: phases ${JSON.stringify(phases)}`);

    // ---- exactly once, by counting
    const q = async <T>(sql: string) => (await o.db.query(sql)).rows as T[];
    const byStatus = await q<{ status: string; channel: string; n: string }>(
      `SELECT status::text, channel, count(*) n FROM "Reminder" GROUP BY 1, 2 ORDER BY 1, 2`,
    );
    const count = (status: string, channel?: string) =>
      byStatus
        .filter((r) => r.status === status && (!channel || r.channel === channel))
        .reduce((a, r) => a + Number(r.n), 0);
    const [rows] = await q<{ total: string; keys: string; retried: string }>(
      `SELECT count(*) total, count(DISTINCT ("appointmentId", kind)) keys, count(*) FILTER (WHERE attempts > 1) retried FROM "Reminder"`,
    );
    const [missing] = await q<{ n: string }>(
      `SELECT count(*) n FROM "Appointment" a WHERE NOT EXISTS (SELECT 1 FROM "Reminder" r WHERE r."appointmentId" = a.id)`,
    );
    const [mail] = await q<{ n: string; recipients: string }>(
      `SELECT count(*) n, count(DISTINCT "to") recipients FROM "DevEmail"`,
    );
    const [expected] = await q<{ sms: string; email: string; skipped: string }>(`
      SELECT count(*) FILTER (WHERE NOT u."remindersOptOut" AND u.phone IS NOT NULL) sms,
             count(*) FILTER (WHERE NOT u."remindersOptOut" AND u.phone IS NULL) email,
             count(*) FILTER (WHERE u."remindersOptOut") skipped
      FROM "Appointment" a JOIN "User" u ON u.id = a."customerId"`);
    const [claimers] = await q<{ n: string }>(`SELECT count(DISTINCT "claimedBy") n FROM "Reminder"`);
    // Why sends failed, if any did (the next run retries them; the check below still fails).
    const failures = await q<{ error: string; n: string }>(
      `SELECT COALESCE(error, '?') AS error, count(*) n FROM "Reminder" WHERE status = 'failed' GROUP BY 1 ORDER BY 2 DESC LIMIT 5`,
    );
    const twilio = await standInCounts(standIn);

    // ---- a second run finds nothing to do
    const t2 = performance.now();
    const again = await runCron(ctx, "appointment-reminders");
    const againMs = performance.now() - t2;
    const twilioAfter = await standInCounts(standIn);
    const [mailAfter] = await q<{ n: string }>(`SELECT count(*) n FROM "DevEmail"`);

    for (const w of workers) {
      const stopped = w.next<{ cpuMs: number }>("stopped");
      w.send({ type: "stop" });
      cpuMs += (await stopped).cpuMs;
    }
    o.log(
      `${mode}: CPU service ${(cpuMs / 1000).toFixed(1)} s, stand-in ${(standInCpuMs / 1000).toFixed(1)} s, PostgreSQL ${pgCpuMs === undefined ? "?" : (pgCpuMs / 1000).toFixed(1)} s`,
    );
    const n = o.settings.count;
    const checks: [string, boolean, string][] = [
      [
        "one Reminder row per appointment",
        Number(rows!.total) === n && Number(rows!.keys) === n && Number(missing!.n) === 0,
        `${rows!.total} rows, ${rows!.keys} distinct (appointment, kind), ${missing!.n} appointments without one; claimed by ${claimers!.n} batch runs`,
      ],
      [
        "texts: one per SMS customer",
        twilio.sent === Number(expected!.sms) &&
          twilio.recipients === twilio.sent &&
          count("sent", "sms") === twilio.sent,
        `stand-in received ${twilio.sent} (${twilio.recipients} distinct numbers); rows sent/sms ${count("sent", "sms")}; expected ${expected!.sms}`,
      ],
      [
        "emails: one per email customer",
        Number(mail!.n) === Number(expected!.email) &&
          Number(mail!.recipients) === Number(mail!.n) &&
          count("sent", "email") === Number(mail!.n),
        `DevEmail ${mail!.n} (${mail!.recipients} distinct addresses); rows sent/email ${count("sent", "email")}; expected ${expected!.email}`,
      ],
      [
        "opted-out customers skipped",
        count("skipped") === Number(expected!.skipped),
        `${count("skipped")} skipped; expected ${expected!.skipped}`,
      ],
      [
        "nothing failed or left claimed",
        count("failed") === 0 && count("claimed") === 0 && Number(rows!.retried) === 0,
        `failed ${count("failed")}, claimed ${count("claimed")}, attempts > 1: ${rows!.retried}${failures.length ? ` — errors: ${failures.map((f) => `${f.n}× ${f.error}`).join("; ")}` : ""}`,
      ],
      [
        "second run sends nothing",
        twilioAfter.sent === twilio.sent && Number(mailAfter!.n) === Number(mail!.n),
        `texts ${twilioAfter.sent}, emails ${mailAfter!.n} after it (${(againMs / 1000).toFixed(2)} s)`,
      ],
    ];
    return {
      mode,
      workers: mode === "bullmq" ? o.settings.workers : 0,
      wallMs,
      cpuMs,
      standInCpuMs,
      pgCpuMs,
      phases,
      jobs,
      planned,
      again,
      againMs,
      checks,
      byStatus,
    };
  } finally {
    for (const w of workers) w.close();
    await booted.close().catch(() => undefined);
    standIn.close();
  }
}

// --------------------------------------------------------------------- report

interface Settings {
  count: number;
  phonePct: number;
  optOutPct: number;
  concurrency: number;
  mailConcurrency: number;
  batchSize: number;
  rangeSize: number;
  workers: number;
  workerJobs: number;
}

interface Report {
  date: string;
  node: string;
  cpu: string;
  load: string;
  settings: Settings;
  reminders: number;
  aftercare: number;
  artists: number;
  seedMs: number;
  floor: Floor | undefined;
  results: ModeResult[];
}

/** One mode's profile (service/reminders/profile.ts) as a table row. */
function phaseRow(label: string, p: Record<string, number>, count: number): string {
  const s = (ms = 0) => `${(ms / 1000).toFixed(1)} s`;
  const us = (ms = 0) => `${Math.round((ms * 1000) / count)} µs`;
  return [
    label,
    `${p.claimStatements ?? 0} statements, ${s(p.claimMs)} (${us(p.claimMs)}/reminder); on the critical path ${s(p.claimWaitMs)}`,
    `${s(p.renderMs)} (${us(p.renderMs)}/reminder)`,
    `${(p.sends ?? 0).toLocaleString("en")} calls, ${((p.sendMs ?? 0) / Math.max(1, p.sends ?? 0)).toFixed(1)} ms each on average (several in flight)`,
    `${p.recordStatements ?? 0} statements, ${s(p.recordMs)} (${us(p.recordMs)}/reminder); on the critical path ${s(p.recordWaitMs)}`,
  ]
    .map((c) => ` ${c} `)
    .join("|")
    .replace(/^/, "|")
    .concat("|");
}

function writeResults(r: Report): void {
  const ok = r.results.every((m) => m.checks.every(([, pass]) => pass));
  const label = (m: ModeResult) =>
    m.mode === "inline"
      ? "inline (no Redis, cron runs the batches)"
      : `BullMQ, ${m.workers} worker processes × ${r.settings.workerJobs} jobs`;
  const secs = (m: ModeResult) => m.wallMs / 1000;
  const f = r.floor;
  const cpu = (ms: number | undefined) => (ms === undefined ? "?" : `${(ms / 1000).toFixed(1)} s`);
  const md = `# Reminder benchmark results

Generated by \`npm run bench:reminders\` (\`bench/reminders.ts\`) — overwritten on every run except the history at the end. Method in [README.md](README.md#reminder-benchmark).

- **Date:** ${r.date}
- **Node:** ${r.node} · **CPU:** ${r.cpu} · **load average at the end (1/5/15 min):** ${r.load}
- **Data:** ${r.settings.count.toLocaleString("en")} due appointments (${r.reminders.toLocaleString("en")} reminders 24–48 h ahead, ${r.aftercare.toLocaleString("en")} aftercare notes for sessions that ended in the last 24 h), ${r.artists.toLocaleString("en")} artists (Berlin / New York); ${r.settings.phonePct} % of customers have a phone (SMS), the others get email; ${r.settings.optOutPct} % opted out. Seeded with set-based SQL in ${(r.seedMs / 1000).toFixed(1)} s.
- **Run:** the \`appointment-reminders\` cron (\`runCron\`): plan ranges of ${r.settings.rangeSize.toLocaleString("en")} appointments → one batch job per range; each claims ${r.settings.batchSize} rows per statement ahead of the sends, with at most ${r.settings.concurrency} texts and ${r.settings.mailConcurrency} emails in flight, and records results in bulk. Twilio stand-in in its own process (official twilio SDK over HTTP), email into the dev outbox. Each mode starts from an empty "Reminder"/"DevEmail" and a fresh stand-in.
- **Floor** (same run, same machine): ${f ? `the same ${f.texts.toLocaleString("en")} texts and ${f.emails.toLocaleString("en")} emails rendered and sent through the same channels and concurrency, with nothing claimed or recorded: **${(f.wallMs / 1000).toFixed(1)} s**. The "÷ floor" column is what exactly-once costs on top of sending.` : "not measured (BENCH_REMINDERS_FLOOR=0)."}

| Mode | Wall time (target ≤ ${TARGET_SEC} s) | Reminders/s | ÷ floor | Batch jobs | CPU: service + workers · Twilio stand-in · PostgreSQL | Second run |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${r.results.map((m) => `| ${label(m)} | **${secs(m).toFixed(1)} s** ${secs(m) <= TARGET_SEC ? "✅" : "❌"} | ${Math.round(r.settings.count / secs(m)).toLocaleString("en")} | ${f ? `${(m.wallMs / f.wallMs).toFixed(2)}×` : "–"} | ${m.jobs} | ${cpu(m.cpuMs)} · ${cpu(m.standInCpuMs)} · ${cpu(m.pgCpuMs)} | ${(m.againMs / 1000).toFixed(2)} s, nothing sent |`).join("\n")}

### Where the time goes (per mode, summed over its batch jobs)

Claims run ahead of the sends and results are written while later sends go on, so the phases overlap and their sums exceed the wall time; "on the critical path" is the part nothing else overlapped.

| Mode | Claim | Render | Send | Record |
| --- | --- | --- | --- | --- |
${r.results.map((m) => phaseRow(label(m), m.phases, r.settings.count)).join("\n")}

${r.results
  .map(
    (
      m,
    ) => `### ${label(m)} — ${m.checks.every(([, p]) => p) ? "✅ exactly once, all counts exact" : "❌ a count is wrong"}

Cron answer: \`${JSON.stringify(m.planned)}\` · second run: \`${JSON.stringify(m.again)}\` · rows: ${m.byStatus.map((b) => `${b.status}/${b.channel} ${Number(b.n).toLocaleString("en")}`).join(", ")}

| Check | | Counts |
| --- | :---: | --- |
${m.checks.map(([name, pass, detail]) => `| ${name} | ${pass ? "✅" : "❌"} | ${detail} |`).join("\n")}
`,
  )
  .join("\n")}`;
  const out = path.join(benchDir, "RESULTS-reminders.md");
  const before = fs.existsSync(out) ? fs.readFileSync(out, "utf8") : "";
  const kept = before.indexOf(HISTORY);
  fs.writeFileSync(out, kept >= 0 ? `${md.trimEnd()}\n\n${before.slice(kept)}` : md);
  const times = r.results
    .map(
      (m) =>
        `${m.mode} ${secs(m).toFixed(1)} s ${secs(m) <= TARGET_SEC ? "✅" : "❌"}${f ? ` (${(m.wallMs / f.wallMs).toFixed(2)}× the floor)` : ""}`,
    )
    .join(", ");
  const line = `- Reminders (${r.date.slice(0, 10)}): ${r.settings.count.toLocaleString("en")} due appointments, ${r.settings.phonePct} % by SMS (Twilio stand-in): ${times} (target ≤ ${TARGET_SEC} s${f ? `; floor = the same sends without claims or records, ${(f.wallMs / 1000).toFixed(1)} s` : ""}; load average ${r.load.split(" / ")[0]}); exactly-once counts ${ok ? "exact ✅" : "WRONG ❌"} — details in [RESULTS-reminders.md](RESULTS-reminders.md) <!-- reminders-bench (one line, written by bench/reminders.ts) -->`;
  const file = path.join(benchDir, "RESULTS.md");
  const lines = (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "").split("\n");
  const at = lines.findIndex((l) => l.includes("<!-- reminders-bench"));
  if (at >= 0) lines[at] = line;
  else {
    while (lines.length && lines[lines.length - 1] === "") lines.pop();
    lines.push("", line, "");
  }
  fs.writeFileSync(file, lines.join("\n"));
}
