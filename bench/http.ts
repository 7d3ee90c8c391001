// HTTP benchmark: measures a bare Node `http` handler, a bare Express 5 handler (THE baseline)
// and the real Tatu service (GET /api/health, POST /api/auth/login) with autocannon, in one
// run, on 127.0.0.1 only. Ratios are relative to the bare Express handler of the same run, so
// they compare across machines. Never asserts on speed; exits non-zero only when a target
// answered with errors / non-2xx responses (a broken bench must be noticed).
//
//   npm run bench                       # 5 s per target
//   BENCH_DURATION_SEC=3 npm run bench  # see bench/README.md for every knob
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import express from "express";
import { boot, type Booted } from "../service/boot.ts";
import { loadConfig } from "../service/config/load.ts";
import { redactUrl, scratchDatabase } from "./lib/database.ts";
import { markdownTable, textTable } from "./inbox-common.ts";
import { benchRun, intEnv } from "./lib/run.ts";
import { createLogger } from "../service/observability/logger.ts";
import { startHttpServer, type RunningServer } from "../service/server.ts";

const HOST = "127.0.0.1";
const benchDir = path.dirname(fileURLToPath(import.meta.url));

// ---------------------------------------------------------------- settings

const settings = {
  durationSec: intEnv("BENCH_DURATION_SEC", 5, 1),
  warmupSec: intEnv("BENCH_WARMUP_SEC", 1, 0),
  connections: intEnv("BENCH_CONNECTIONS", 10, 1),
  // 1: autocannon runs in its own worker thread, so the load generator does not share the
  // event loop with the server under test (all servers live in this process). 0: same thread.
  workers: intEnv("BENCH_WORKERS", 1, 0),
};

// ---------------------------------------------------------------- cleanup + time bound

// Whole-run budget: 4 targets × (warm-up + run + slack) + setup (create DB, migrate, boot).
const { onCleanup, cleanup, abort } = benchRun({
  budgetSec: 4 * (settings.warmupSec + settings.durationSec + 20) + 180,
});

// ---------------------------------------------------------------- servers

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, HOST, () => resolve(`http://${HOST}:${(server.address() as AddressInfo).port}`));
  });
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

async function startBareNode(): Promise<{ url: string; close(): Promise<void> }> {
  const body = JSON.stringify({ ok: true });
  const server = http.createServer((_req, res) => {
    res.writeHead(200, {
      "content-type": "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(body),
    });
    res.end(body);
  });
  return { url: await listen(server), close: () => closeServer(server) };
}

async function startBareExpress(): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  app.get("/", (_req, res) => {
    res.json({ ok: true });
  });
  const server = http.createServer(app);
  return { url: await listen(server), close: () => closeServer(server) };
}

// ---------------------------------------------------------------- database + Tatu service

async function createDatabase(): Promise<string> {
  const db = await scratchDatabase("http").catch((err: Error) => abort(err.message, 2));
  onCleanup("drop database", db.drop);
  return db.url;
}

async function startTatu(databaseUrl: string): Promise<RunningServer> {
  const config = loadConfig({
    NODE_ENV: "test",
    DATABASE_URL: databaseUrl,
    TATU_DATA_DIR: "/tmp/tatu-bench",
    TATU_SCHEDULER: "off",
    LOG_LEVEL: "silent",
    RATE_LIMIT_SIGNUP: "100000/1m",
  });
  const booted: Booted = await boot({ config, log: createLogger({ level: "silent" }) });
  onCleanup("stop Tatu", () => booted.close());
  const server = await startHttpServer(booted.ctx, 0, HOST);
  onCleanup("close Tatu http", () => server.close());
  return server;
}

async function call(method: string, url: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

function expect(cond: unknown, what: string, got: { status: number; json: unknown }): void {
  if (!cond) throw new Error(`${what}: HTTP ${got.status} ${JSON.stringify(got.json).slice(0, 300)}`);
}

/** A verified artist created through the public API (signup → dev outbox → verify → login). */
async function createVerifiedUser(base: string): Promise<{ email: string; password: string }> {
  const email = `bench-${Date.now()}@example.test`;
  const password = "Bench-passw0rd!";
  const signup = await call("POST", `${base}/api/auth/signup`, {
    email,
    password,
    name: "Bench Artist",
    role: "artist",
  });
  expect(signup.status === 201, "signup", signup);
  const outbox = await call("GET", `${base}/api/dev/outbox?to=${encodeURIComponent(email)}`);
  const links: string[] = outbox.json?.emails?.flatMap((e: { links?: string[] }) => e.links ?? []) ?? [];
  const link = links.find((l) => l.includes("/verify-email?token="));
  expect(outbox.status === 200 && link, "dev outbox has no verification link", outbox);
  const token = new URL(link!).searchParams.get("token")!;
  const verify = await call("GET", `${base}/api/auth/verify-email?token=${encodeURIComponent(token)}`);
  expect(verify.status === 200 && verify.json?.verified === true, "verify email", verify);
  const login = await call("POST", `${base}/api/auth/login`, { email, password });
  expect(login.status === 200 && typeof login.json?.csrfToken === "string", "login smoke check", login);
  return { email, password };
}

// ---------------------------------------------------------------- measuring

interface Target {
  name: string;
  what: string;
  url: string;
  method?: "GET" | "POST";
  body?: string;
  headers?: Record<string, string>;
}

interface Row {
  target: Target;
  rps: number;
  p50: number;
  p99: number;
  total: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statuses: Record<string, number>;
  warmupProblems: number;
}

function run(target: Target, durationSec: number): Promise<autocannon.Result> {
  return autocannon({
    url: target.url,
    method: target.method ?? "GET",
    body: target.body,
    headers: target.headers,
    connections: settings.connections,
    pipelining: 1,
    duration: durationSec,
    timeout: 10,
    ...(settings.workers > 0 ? { workers: settings.workers } : {}),
  });
}

function statuses(r: autocannon.Result): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [code, s] of Object.entries(r.statusCodeStats ?? {})) out[code] = s.count ?? 0;
  return out;
}

async function measure(target: Target): Promise<Row> {
  process.stdout.write(
    `bench: ${target.name.padEnd(26)} warm-up ${settings.warmupSec} s, run ${settings.durationSec} s … `,
  );
  let warmupProblems = 0;
  if (settings.warmupSec > 0) {
    const w = await run(target, settings.warmupSec);
    warmupProblems = w.errors + w.non2xx;
  }
  const r = await run(target, settings.durationSec);
  const row: Row = {
    target,
    rps: r.requests.mean,
    p50: r.latency.p50,
    p99: r.latency.p99,
    total: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    statuses: statuses(r),
    warmupProblems,
  };
  console.log(`${fmtNum(row.rps)} req/s, p99 ${row.p99} ms${failed(row) ? "  ← FAILED" : ""}`);
  return row;
}

function failed(row: Row): boolean {
  return row.errors > 0 || row.timeouts > 0 || row.non2xx > 0 || row.warmupProblems > 0 || row.total === 0;
}

// ---------------------------------------------------------------- reporting

function fmtNum(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString("en-US") : n.toFixed(1);
}

function fmtRatio(value: number, baseline: number): string {
  if (!(baseline > 0) || !Number.isFinite(value)) return "n/a";
  const fmt = (x: number) => `${x >= 0.1 ? x.toFixed(2) : x.toPrecision(2)}×`;
  // Latencies have 1 ms resolution: a 0 ms value only says "below 1 ms".
  return value === 0 ? `<${fmt(1 / baseline)}` : fmt(value / baseline);
}

const columns = [
  "Target",
  "req/s (mean)",
  "× baseline req/s",
  "p50 ms",
  "p99 ms",
  "× baseline p99",
  "requests",
  "non-2xx",
  "errors",
];

function tableRows(rows: Row[], baseline: Row): string[][] {
  return rows.map((r) => [
    r.target.name + (r === baseline ? " (baseline)" : ""),
    fmtNum(r.rps),
    fmtRatio(r.rps, baseline.rps),
    String(r.p50),
    String(r.p99),
    fmtRatio(r.p99, baseline.p99),
    r.total.toLocaleString("en-US"),
    String(r.non2xx),
    String(r.errors) + (r.timeouts ? ` (${r.timeouts} timeouts)` : ""),
  ]);
}

function markdown(rows: Row[], baseline: Row, started: Date, ok: boolean, problems: string[]): string {
  const cpus = os.cpus();
  return `# Tatu HTTP benchmark results

Generated by \`npm run bench\` (\`bench/http.ts\`) — overwritten on every run.

- **Status:** ${ok ? "OK (every target answered only 2xx, no connection errors)" : "FAILED — see problems below"}
- **Date:** ${started.toISOString()}
- **Node:** ${process.version} (${process.platform}/${process.arch})
- **CPU:** ${cpus.length} × ${cpus[0]?.model.trim() ?? "unknown"}
- **Load:** autocannon, ${settings.connections} connections, pipelining 1, ${settings.warmupSec} s warm-up (discarded) + ${settings.durationSec} s measured per target, targets run one after another, load generator ${settings.workers > 0 ? `in ${settings.workers} worker thread(s)` : "on the main thread"}, 127.0.0.1 only

${markdownTable(columns, tableRows(rows, baseline))}

| Target | What it is |
| --- | --- |
${rows.map((r) => `| ${r.target.name} | ${r.target.what} |`).join("\n")}

All ratios are relative to the bare Express 5 handler (\`app.get('/', (req, res) => res.json({ ok: true }))\`) measured in this same run on this same machine, so they cancel out most of the hardware and load-generator differences and can be compared across machines, whereas the absolute req/s and milliseconds cannot. "× baseline req/s" above 1 means faster than the baseline; "× baseline p99" above 1 means a slower tail. The raw Node \`http\` figure is context for what Express itself costs. The login row is dominated by the scrypt password KDF (N = 2^15, r = 8, memory-hard, run on libuv's thread pool) by design: each successful login costs one key derivation plus a session insert, so its throughput is bounded by CPU cores, not by the HTTP stack, and a low ratio there is expected, not a regression. Latencies come from autocannon's histogram, which has 1 ms resolution, so sub-millisecond values read as 0 (and a ratio against them as "<"). On a small or shared machine run-to-run noise of 10–30 % is normal; a longer \`BENCH_DURATION_SEC\` steadies the figures.
${problems.length ? `\n## Problems\n\n${problems.map((p) => `- ${p}`).join("\n")}\n` : ""}`;
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const started = new Date();
  console.log(
    `bench: node ${process.version}, ${os.cpus().length} CPU(s), ${settings.connections} connections, ` +
      `${settings.warmupSec} s warm-up + ${settings.durationSec} s per target`,
  );

  // Set the real service up first, so a setup failure shows before any time is spent measuring.
  const databaseUrl = await createDatabase();
  console.log(`bench: database ${redactUrl(databaseUrl)} created and migrated`);
  const tatu = await startTatu(databaseUrl);
  const user = await createVerifiedUser(tatu.url);
  console.log(`bench: Tatu listening on ${tatu.url}, verified user ${user.email} ready`);

  const rows: Row[] = [];

  const node = await startBareNode();
  rows.push(
    await measure({
      name: "bare node:http",
      what: '`http.createServer` answering 200 `{"ok":true}` (context only)',
      url: `${node.url}/`,
    }),
  );
  await node.close();

  const bare = await startBareExpress();
  const baseline = await measure({
    name: "bare Express 5",
    what: "one `app.get('/', …res.json({ok:true}))` handler — **the baseline**",
    url: `${bare.url}/`,
  });
  rows.push(baseline);
  await bare.close();

  rows.push(
    await measure({
      name: "Tatu GET /api/health",
      what: "liveness route of the real service (full middleware stack up to the health router)",
      url: `${tatu.url}/api/health`,
    }),
  );
  rows.push(
    await measure({
      name: "Tatu POST /api/auth/login",
      what: "correct credentials of a verified artist: zod parse, user lookup, scrypt verify, session insert, cookies",
      url: `${tatu.url}/api/auth/login`,
      method: "POST",
      body: JSON.stringify(user),
      headers: { "content-type": "application/json" },
    }),
  );

  const problems = rows.filter(failed).map((r) => {
    const codes =
      Object.entries(r.statuses)
        .map(([c, n]) => `${c}×${n}`)
        .join(", ") || "none";
    return `${r.target.name}: ${r.non2xx} non-2xx, ${r.errors} errors (${r.timeouts} timeouts), ${r.warmupProblems} problems during warm-up, ${r.total} requests; status codes: ${codes}`;
  });
  const ok = problems.length === 0;

  console.log(`\n${textTable(columns, tableRows(rows, baseline))}\n`);
  console.log(
    "Ratios are relative to the bare Express handler of this run; login is dominated by the scrypt KDF by design.",
  );
  const out = path.join(benchDir, "RESULTS.md");
  fs.writeFileSync(out, markdown(rows, baseline, started, ok, problems));
  console.log(`bench: wrote ${path.relative(process.cwd(), out) || out}`);

  await cleanup();
  if (!ok) {
    for (const p of problems) console.error(`bench: FAILED ${p}`);
    process.exit(1);
  }
  process.exit(0);
}

main().catch((err) => abort(`failed: ${(err as Error).stack ?? err}`, 2));
