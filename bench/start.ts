// Cold start: from spawning the process to its first 200 on GET /api/health, and its resident
// memory once idle, for
//   - a bare node:http server answering 200 (the baseline, started the same way),
//   - the service built into dist/ (what `npm start`, `npm run worker` and the Vercel function run),
//   - the service's TypeScript through tsx (how `npm start` ran before the build; context),
// on every Node binary at hand (this one, and Node 24 when installed: scripts/node24.mjs), all
// in one run, round-robin, so that machine load hits every target alike. Speed is reported as
// the ratio to the bare server of the same round, never asserted.
//
//   npm run bench:start
//   BENCH_START_ROUNDS=11 npm run bench:start
//   BENCH_START_BEFORE=/path/to/older/checkout npm run bench:start   # its tsx start as "before"
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { ensureServiceBuild } from "../scripts/build-service.mjs";
import { findNode24 } from "../scripts/node24.mjs";
import { redactUrl, scratchDatabase } from "./lib/database.ts";
import { benchDir, runtimeLabel, writeSummaryLine } from "./lib/results.ts";
import { benchRun, intEnv } from "./lib/run.ts";

const ROUNDS = intEnv("BENCH_START_ROUNDS", 7, 1);
const IDLE_MS = intEnv("BENCH_START_IDLE_MS", 2000, 0);
const TIMEOUT_MS = intEnv("BENCH_START_TIMEOUT_MS", 30_000, 1000);
const REDIS_URL = process.env.BENCH_REDIS_URL?.trim() || "redis://127.0.0.1:6379";
const TARGET_RATIO = 6;
const TARGET_RSS_MB = 150;
const root = path.resolve(benchDir, "..");
/** A checkout whose tsx start is the "before" row (e.g. the commit before the build); default: this one. */
const BEFORE = process.env.BENCH_START_BEFORE?.trim() ? path.resolve(process.env.BENCH_START_BEFORE.trim()) : root;

const run = benchRun({ label: "bench:start", budgetSec: intEnv("BENCH_START_BUDGET_SEC", 900, 60) });

/** The baseline: an ES module file like the service's entry (\`node -e\` would skip the ESM loader). */
const BARE = `import http from "node:http";
http.createServer((q, s) => { s.setHeader("content-type", "application/json"); s.end('{"status":"ok"}'); }).listen(Number(process.env.PORT), "127.0.0.1");
`;

interface Target {
  id: string;
  label: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
}

interface Sample {
  ms: number;
  /** CPU time (user + system) the process had used at its first 200: what the start cost,
   *  whatever else the machine was doing (wall time stretches with load, CPU time much less). */
  cpuMs: number;
  rssMb: number;
}

/** The deployed API's shape: Postgres and Redis configured, no in-process worker, no scheduler
 *  (a Vercel function, or an API replica next to `npm run worker`). */
const apiShape = { IN_PROCESS_WORKER: "off", TATU_SCHEDULER: "off" };

function targetsFor(bareFile: string): Target[] {
  return [
    { id: "bare", label: "bare node:http (baseline, `node bare.mjs`)", args: [bareFile], env: {} },
    {
      id: "built-api",
      label: "built API (`node dist/main.js`, worker + scheduler off)",
      args: ["--enable-source-maps", "dist/main.js"],
      env: apiShape,
    },
    {
      id: "built-all",
      label: "built `npm start` (in-process worker + scheduler)",
      args: ["--enable-source-maps", "dist/main.js"],
      env: {},
    },
    {
      id: "tsx-api",
      label: `tsx API (\`node --import tsx service/main.ts\`${BEFORE === root ? "" : ` in ${path.basename(BEFORE)}`}, before)`,
      args: ["--import", "tsx", "service/main.ts"],
      env: apiShape,
      cwd: BEFORE,
    },
  ];
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = http.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });

const rssMbOf = (pid: number) => {
  const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : Number.NaN;
};

/** utime + stime of /proc/<pid>/stat, in ms (clock ticks of 10 ms). */
const cpuMsOf = (pid: number) => {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
};

const get200 = (port: number) =>
  new Promise<boolean>((resolve) => {
    const req = http.get({ host: "127.0.0.1", port, path: "/api/health", agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
    req.setTimeout(2000, () => req.destroy());
  });

/** One cold start: spawn, poll /api/health every 5 ms until a 200, wait idle, read VmRSS, stop. */
async function measure(node: string, t: Target, baseEnv: Record<string, string>): Promise<Sample> {
  const port = await freePort();
  let output = "";
  const t0 = performance.now();
  const child = spawn(node, t.args, {
    cwd: t.cwd ?? root,
    env: { ...baseEnv, ...t.env, PORT: String(port) },
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr!.on("data", (d) => (output = (output + d).slice(-4000)));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const stop = run.onCleanup(`${t.id} pid ${child.pid}`, async () => {
    if (child.exitCode === null) child.kill("SIGKILL");
    await exited;
  });
  try {
    let ms = Number.NaN;
    let cpuMs = Number.NaN;
    while (child.exitCode === null && performance.now() - t0 < TIMEOUT_MS) {
      if (await get200(port)) {
        ms = performance.now() - t0;
        cpuMs = cpuMsOf(child.pid!);
        break;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    if (Number.isNaN(ms)) throw new Error(`${t.label} gave no 200 within ${TIMEOUT_MS} ms:\n${output}`);
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const rssMb = rssMbOf(child.pid!);
    return { ms, cpuMs, rssMb };
  } finally {
    child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(killer);
    await stop();
  }
}

/** The commit a tree is at (with "+changes" when it has uncommitted ones), for the report. */
function commitOf(dir: string): string {
  try {
    const head = execFileSync("git", ["-C", dir, "rev-parse", "--short", "HEAD"], {
      encoding: "utf8",
      stdio: "pipe",
    }).trim();
    const dirty = execFileSync("git", ["-C", dir, "status", "--porcelain"], { encoding: "utf8", stdio: "pipe" }).trim();
    return dirty ? `${head}+changes` : head;
  } catch {
    return "not a git checkout";
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const spread = (xs: number[], digits = 0) =>
  `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;

interface Row {
  node: string;
  target: Target;
  samples: Sample[];
  ratios: number[];
  cpuRatios: number[];
}

async function main() {
  const loadBefore = os.loadavg()[0]!;
  const built = await ensureServiceBuild({ quiet: true });
  const node24 = findNode24();
  const nodes = [{ path: process.execPath, version: process.version }];
  if (node24 && node24.version !== process.version) nodes.push(node24);

  const db = await scratchDatabase("start");
  run.onCleanup("drop database", () => db.drop());
  const prefix = `tatu-bench-start-${randomBytes(3).toString("hex")}`;
  const baseEnv: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    DATABASE_URL: db.url,
    REDIS_URL,
    TATU_REDIS_PREFIX: prefix,
    TATU_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "tatu-bench-start-")),
    LOG_LEVEL: "warn",
  };
  run.onCleanup("data dir", async () => fs.rmSync(baseEnv.TATU_DATA_DIR!, { recursive: true, force: true }));

  const bareFile = path.join(baseEnv.TATU_DATA_DIR!, "bare.mjs");
  fs.writeFileSync(bareFile, BARE);
  const targets = targetsFor(bareFile);
  const rows: Row[] = nodes.flatMap((n) =>
    targets.map((target) => ({
      node: n.version,
      target,
      samples: [] as Sample[],
      ratios: [] as number[],
      cpuRatios: [] as number[],
    })),
  );
  console.log(
    `bench:start — ${ROUNDS} rounds × ${rows.length} cold starts (${nodes.map((n) => n.version).join(", ")}), database ${redactUrl(db.url)}, dist/ ${built}`,
  );
  if (!node24) console.log("  (no Node 24 installed: `node scripts/node24.mjs` installs one for the comparison)");

  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order each round: no target always follows another's shutdown.
    const order = rows.map((_, i) => rows[(i + round) % rows.length]!);
    for (const row of order) {
      const node = nodes.find((n) => n.version === row.node)!;
      row.samples.push(await measure(node.path, row.target, baseEnv));
    }
    for (const n of nodes) {
      const bare = rows.find((r) => r.node === n.version && r.target.id === "bare")!.samples[round]!;
      for (const r of rows.filter((r) => r.node === n.version)) {
        r.ratios.push(r.samples[round]!.ms / bare.ms);
        r.cpuRatios.push(r.samples[round]!.cpuMs / Math.max(bare.cpuMs, 10));
      }
    }
    process.stdout.write(`  round ${round + 1}/${ROUNDS} done\n`);
  }

  const lines: string[] = [];
  for (const n of nodes) {
    lines.push(
      "",
      `### ${runtimeLabel(n.version)}`,
      "",
      "| Target | first 200, ms: median (min–max) | × bare, same round: median (min–max) | CPU to the first 200, ms | CPU × bare | idle RSS, MB: median (min–max) |",
      "| --- | ---: | ---: | ---: | ---: | ---: |",
    );
    for (const r of rows.filter((r) => r.node === n.version))
      lines.push(
        `| ${r.target.label} | ${spread(r.samples.map((s) => s.ms))} | ${r.target.id === "bare" ? "1" : spread(r.ratios, 2)} | ${spread(r.samples.map((s) => s.cpuMs))} | ${r.target.id === "bare" ? "1" : spread(r.cpuRatios, 2)} | ${spread(r.samples.map((s) => s.rssMb))} |`,
      );
  }
  const verdicts = nodes.map((n) => {
    const r = rows.find((r) => r.node === n.version && r.target.id === "built-api")!;
    const ratio = median(r.ratios);
    const rss = median(r.samples.map((s) => s.rssMb));
    const cpu = median(r.cpuRatios);
    return { node: n.version, ratio, cpu, rss, ok: ratio <= TARGET_RATIO && rss <= TARGET_RSS_MB };
  });
  const before = rows.find((r) => r.node === process.version && r.target.id === "tsx-api")!;
  const date = new Date().toISOString();
  const load = `${loadBefore.toFixed(1)} at the start, ${os.loadavg()[0]!.toFixed(1)} at the end, on ${os.cpus().length} cores`;
  const md = [
    "# Start benchmark",
    "",
    `Generated by \`npm run bench:start\` (\`bench/start.ts\`) on ${date}: ${ROUNDS} rounds, each round one cold start of every target on every Node binary, in rotating order. A cold start is timed from \`spawn\` to the first 200 on \`GET /api/health\` (polled every 5 ms, a fresh connection each time); idle RSS is the process's VmRSS ${IDLE_MS} ms after that 200; CPU is the process's user + system time at that 200 (10 ms ticks). Ratios are to the bare \`node:http\` server of the same round on the same Node binary.`,
    "",
    `Machine load (1-minute load average): ${load}. Other processes competing for the cores stretch a CPU-bound start's wall time far more than the bare server's (mostly process creation), so on a busy machine the wall-time ratios grow while the CPU columns stay comparable.`,
    "",
    `Tree measured: ${commitOf(root)}${BEFORE === root ? "" : `; "before" row: ${BEFORE} (${commitOf(BEFORE)})`}.`,
    "",
    `Every service target runs against a real, migrated PostgreSQL database and Redis (\`DATABASE_URL\`, \`REDIS_URL\`, \`LOG_LEVEL=warn\`), as deployed. Targets: **${TARGET_RATIO}×** the bare server and **≤ ${TARGET_RSS_MB} MB** idle for the built API.`,
    ...lines,
    "",
    "## Verdict",
    "",
    ...verdicts.map(
      (v) =>
        `- Node ${v.node}: built API ${v.ratio.toFixed(2)}× bare (target ≤ ${TARGET_RATIO}×; CPU ${v.cpu.toFixed(2)}×), idle ${v.rss.toFixed(0)} MB (target ≤ ${TARGET_RSS_MB} MB): **${v.ok ? "met" : "not met"}**`,
    ),
    "",
  ].join("\n");
  fs.writeFileSync(path.join(benchDir, "RESULTS-start.md"), md);
  console.log(md);

  const nodeWords = verdicts
    .map(
      (v) =>
        `Node ${v.node} ${v.ratio.toFixed(2)}× bare node:http (CPU ${v.cpu.toFixed(2)}×), ${v.rss.toFixed(0)} MB idle`,
    )
    .join("; ");
  writeSummaryLine(
    "start-bench",
    `- **Start:** built API cold start to the first 200 — ${nodeWords} (targets ≤ ${TARGET_RATIO}×, ≤ ${TARGET_RSS_MB} MB; tsx before: ${median(before.ratios).toFixed(2)}×, ${median(before.samples.map((s) => s.rssMb)).toFixed(0)} MB). [RESULTS-start.md](RESULTS-start.md)`,
  );
  await run.cleanup();
}

main().catch(async (err) => {
  await run.abort((err as Error).message, 2);
});
