// Inbox benchmark: the three performance targets of the unified inbox, measured in one run on
// 127.0.0.1 against the real PostgreSQL, the real service context (boot()) and, for sync, the
// Google stand-in through the Gmail provider:
//   1. incremental sync of 10 new messages, 50,000- vs 100-message mailbox (ratio ≤ 1.5)
//   2. initial back-fill into Postgres (≥ 5,000 messages/s, batched writes)
//   3. conversation list page at 100,000 conversations / 1,000,000 messages (p95 ≤ 15 ms, ≤ 2× raw SQL)
// Every figure is paired with a baseline measured in the same run (ratios compare across
// machines; absolute numbers do not). Speed is never asserted: exit 1 only when the bench
// itself broke (a sync failed, a count is wrong, a request was not 200), 2 on setup failure,
// 3 when the run overran its time budget. Writes bench/RESULTS-inbox.md and links it from
// bench/RESULTS.md (see bench/README.md).
//
//   npm run bench:inbox                                  # everything, ~3–5 min on 2 cores
//   BENCH_INBOX_ONLY=list npm run bench:inbox            # one measurement (backfill, sync, list)
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { boot, type Booted } from "../service/boot.ts";
import { loadConfig } from "../service/config/load.ts";
import { migrateDeploy } from "../service/db/migrations.ts";
import { createLogger } from "../service/observability/logger.ts";
import { startGoogleStandIn } from "../service/sandbox/google/index.ts";
import { startHttpServer } from "../service/server.ts";
import { benchBackfill } from "./inbox-backfill.ts";
import { type BenchEnv, BenchCheckError, intEnv, markdownTable, type Section, textTable } from "./inbox-common.ts";
import { benchList } from "./inbox-list.ts";
import { benchSync } from "./inbox-sync.ts";

const HOST = "127.0.0.1";
const benchDir = path.dirname(fileURLToPath(import.meta.url));
const MEASUREMENTS = ["backfill", "sync", "list"] as const;
type Measurement = (typeof MEASUREMENTS)[number];

const only = (process.env.BENCH_INBOX_ONLY?.trim() || MEASUREMENTS.join(",")).split(",").map((s) => s.trim()).filter(Boolean);
for (const o of only) if (!MEASUREMENTS.includes(o as Measurement)) { console.error(`bench: BENCH_INBOX_ONLY: unknown "${o}" (use ${MEASUREMENTS.join(", ")})`); process.exit(2); }
const settings = {
  only: new Set(only as Measurement[]),
  budgetSec: intEnv("BENCH_INBOX_BUDGET_SEC", 1_200, 60),
  pgAdminUrl: process.env.BENCH_PG_ADMIN_URL?.trim() || "postgresql://postgres@127.0.0.1:5432/postgres",
};

// ---------------------------------------------------------------- cleanup + time bound

const cleanups: Array<{ name: string; fn: () => Promise<void> }> = [];
let cleaning: Promise<void> | undefined;
const onCleanup = (name: string, fn: () => Promise<void>) => void cleanups.push({ name, fn });

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const { name, fn } of cleanups.reverse()) {
      try {
        await Promise.race([fn(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timed out after 30 s")), 30_000).unref())]);
      } catch (err) {
        console.error(`bench: cleanup "${name}" failed: ${(err as Error).message}`);
      }
    }
  })();
  return cleaning;
}

async function abort(message: string, code: number): Promise<never> {
  console.error(`bench: ${message}`);
  await cleanup();
  process.exit(code);
}

setTimeout(() => void abort(`run exceeded its time budget of ${settings.budgetSec} s (BENCH_INBOX_BUDGET_SEC); aborted`, 3), settings.budgetSec * 1000).unref();
for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => void abort(`interrupted (${sig})`, 130));

// ---------------------------------------------------------------- setup

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = "***";
  return u.toString();
}

async function createDatabase(): Promise<string> {
  const name = `tatu_bench_inbox_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: settings.pgAdminUrl, connectionTimeoutMillis: 10_000 });
  try {
    await admin.connect();
  } catch (err) {
    return abort(`cannot connect to PostgreSQL at ${redact(settings.pgAdminUrl)} (set BENCH_PG_ADMIN_URL): ${(err as Error).message}`, 2);
  }
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  if (process.env.BENCH_INBOX_KEEP_DB === "1") {
    console.log(`bench: BENCH_INBOX_KEEP_DB=1: database "${name}" is kept (drop it yourself)`);
  } else onCleanup("drop database", async () => {
    const c = new pg.Client({ connectionString: settings.pgAdminUrl, connectionTimeoutMillis: 10_000 });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } finally {
      await c.end();
    }
  });
  const url = new URL(settings.pgAdminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

// ---------------------------------------------------------------- reporting

const loadAtStart = os.loadavg()[0]!;
const MARK_START = "<!-- inbox-bench:start (written by bench/inbox.ts) -->";
const MARK_END = "<!-- inbox-bench:end -->";

function markdown(sections: Section[], problems: string[], started: Date, seconds: number): string {
  const cpus = os.cpus();
  return `# Tatu inbox benchmark results

Generated by \`npm run bench:inbox\` (\`bench/inbox.ts\`, also the second half of \`npm run bench\`) — overwritten on every run. See [bench/README.md](README.md) for the method and the knobs.

- **Status:** ${problems.length ? "BROKEN — see problems below (figures of the failed measurement are missing)" : "OK (every check passed)"}
- **Date:** ${started.toISOString()} (run took ${Math.round(seconds)} s)
- **Node:** ${process.version} (${process.platform}/${process.arch})
- **CPU:** ${cpus.length} × ${cpus[0]?.model.trim() ?? "unknown"}; PostgreSQL on 127.0.0.1 (server defaults of this machine)
- **Load average** (1 min) at start / end: ${loadAtStart.toFixed(2)} / ${os.loadavg()[0]!.toFixed(2)}${Math.max(loadAtStart, os.loadavg()[0]!) > cpus.length ? " — above the CPU count: other work shared the machine, absolute figures and p95s suffered (ratios less so)" : ""}

| Target | Result |
| --- | --- |
${sections.map((s) => `| ${s.title} | ${s.targetMet ? "met" : "**missed**"}: ${s.summary.replace(/^[^:]+: /, "")} |`).join("\n")}

${sections.map((s) => `## ${s.title}\n\n${markdownTable(s.columns, s.rows)}\n\n${s.notes.join("\n\n")}\n`).join("\n")}
Absolute times depend on the machine and on what else runs on it; the ratios are against a baseline measured in the same run and are what to compare across machines. On a small shared machine run-to-run noise of 10–30 % is normal.
${problems.length ? `\n## Problems\n\n${problems.map((p) => `- ${p}`).join("\n")}\n` : ""}`;
}

/** Replaces (or appends) the inbox block of bench/RESULTS.md, which bench/http.ts rewrites. */
function linkFromResults(sections: Section[], problems: string[], started: Date): void {
  const file = path.join(benchDir, "RESULTS.md");
  const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "# Tatu benchmark results\n";
  const block = `${MARK_START}
## Inbox benchmarks

${problems.length ? "**BROKEN run** — " : ""}Run of ${started.toISOString()}, details and method in [RESULTS-inbox.md](RESULTS-inbox.md):

${sections.map((s) => `- ${s.targetMet ? "✅" : "❌"} ${s.summary}`).join("\n")}
${MARK_END}
`;
  const re = new RegExp(`${MARK_START.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}[\\s\\S]*?${MARK_END}\\n?`);
  const next = re.test(current) ? current.replace(re, block) : `${current.trimEnd()}\n\n${block}`;
  fs.writeFileSync(file, next);
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const started = new Date();
  const t0 = Date.now();
  const log = (line: string) => console.log(`bench: ${line}`);
  log(`node ${process.version}, ${os.cpus().length} CPU(s), load average ${loadAtStart.toFixed(2)}; measurements: ${[...settings.only].join(", ")}`);

  let env: BenchEnv;
  let google: Awaited<ReturnType<typeof startGoogleStandIn>>;
  try {
    const databaseUrl = await createDatabase();
    log(`database ${redact(databaseUrl)} created; migrating …`);
    await migrateDeploy(databaseUrl);
    google = await startGoogleStandIn();
    onCleanup("close Google stand-in", () => google.close());
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tatu-bench-inbox-"));
    onCleanup("remove data dir", async () => fs.rmSync(dataDir, { recursive: true, force: true }));
    const config = loadConfig({
      NODE_ENV: "test",
      DATABASE_URL: databaseUrl,
      TATU_DATA_DIR: dataDir,
      TATU_SCHEDULER: "off",
      LOG_LEVEL: "silent",
      ...google.env(),
    });
    const booted: Booted = await boot({ config, log: createLogger({ level: "silent" }) });
    onCleanup("stop Tatu", () => booted.close());
    const server = await startHttpServer(booted.ctx, 0, HOST);
    onCleanup("close Tatu http", () => server.close());
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
    onCleanup("close pg pool", () => pool.end());
    env = { ctx: booted.ctx, pool, databaseUrl, tatuUrl: server.url, log };
    log(`Tatu on ${server.url}, Google stand-in on ${google.url}`);
  } catch (err) {
    return abort(`setup failed: ${(err as Error).stack ?? err}`, 2);
  }

  const sections: Section[] = [];
  const problems: string[] = [];
  const steps: Array<[Measurement, () => Promise<Section>]> = [
    ["backfill", () => benchBackfill(env)],
    ["sync", () => benchSync(env, google)],
    ["list", () => benchList(env)],
  ];
  for (const [name, run] of steps) {
    if (!settings.only.has(name)) continue;
    try {
      sections.push(await run());
    } catch (err) {
      const what = err instanceof BenchCheckError ? `check failed: ${err.message}` : `failed: ${(err as Error).stack ?? err}`;
      problems.push(`${name}: ${what.split("\n").slice(0, 4).join(" ")}`);
      console.error(`bench: ${name} ${what}`);
    }
  }

  for (const s of sections) console.log(`\n${s.title}\n${textTable(s.columns, s.rows)}`);
  console.log("");
  for (const s of sections) console.log(`${s.targetMet ? "MET   " : "MISSED"}  ${s.summary}`);
  const seconds = (Date.now() - t0) / 1000;
  fs.writeFileSync(path.join(benchDir, "RESULTS-inbox.md"), markdown(sections, problems, started, seconds));
  linkFromResults(sections, problems, started);
  log(`wrote bench/RESULTS-inbox.md and the inbox block of bench/RESULTS.md (${Math.round(seconds)} s)`);

  await cleanup();
  if (problems.length) {
    for (const p of problems) console.error(`bench: BROKEN ${p}`);
    process.exit(1);
  }
  process.exit(0);
}

main().catch((err) => abort(`failed: ${(err as Error).stack ?? err}`, 2));
