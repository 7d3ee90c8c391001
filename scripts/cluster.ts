// A scaled-out Tatu on one machine: N API replicas (`npm start` with IN_PROCESS_WORKER=off)
// and M queue workers (`npm run worker`), all on one PostgreSQL and one Redis — the
// production topology in miniature. Used by test/scale and bench/scale, and by hand:
//
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/tatu_cluster REDIS_URL=redis://127.0.0.1:6379 \
//     npx tsx scripts/cluster.ts --replicas 2 --workers 2
//
// Processes run the built service (dist/, built first when stale), as `npm start` does.
// Every process gets the same secrets (sessions, token encryption, cron bearer), so any
// replica accepts any session and any worker can decrypt any account's tokens.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureServiceBuild } from "./build-service.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export interface ClusterProcess {
  readonly name: string;
  readonly proc: ChildProcess;
  /** Output so far (stdout + stderr), for diagnostics when something fails. */
  output(): string;
  /** SIGKILL (crash) or SIGTERM (graceful), resolving once the process has exited. */
  stop(signal?: "SIGKILL" | "SIGTERM"): Promise<void>;
}
export interface Replica extends ClusterProcess {
  readonly url: string;
  readonly port: number;
}

export interface Cluster {
  replicas: Replica[];
  workers: ClusterProcess[];
  /** Environment every process shares (secrets included: never print it). */
  env: Record<string, string>;
  startWorker(): Promise<ClusterProcess>;
  startReplica(): Promise<Replica>;
  close(): Promise<void>;
}

export interface ClusterOptions {
  databaseUrl: string;
  redisUrl: string;
  replicas?: number;
  workers?: number;
  /** Extra environment (stand-in base URLs, provider credentials, rate limits…). */
  env?: Record<string, string>;
  /** Workers log at info by default (their readiness line); "warn" is not allowed: it hides it. */
  workerLogLevel?: "info" | "debug";
  /** Redis key prefix shared by the cluster (default: unique per cluster). */
  redisPrefix?: string;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.once("error", reject);
  });
}

/** entry: a built entry point of dist/ ("main" or "worker"). */
function launch(name: string, entry: "main" | "worker", env: Record<string, string>): ClusterProcess {
  const proc = spawn(process.execPath, ["--enable-source-maps", `dist/${entry}.js`], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-20_000);
  };
  proc.stdout!.on("data", keep);
  proc.stderr!.on("data", keep);
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  return {
    name,
    proc,
    output: () => out,
    async stop(signal = "SIGTERM") {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      await exited;
    },
  };
}

async function waitFor(p: ClusterProcess, ready: () => Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ready().catch(() => false))) {
    if (p.proc.exitCode !== null || Date.now() > deadline)
      throw new Error(`${p.name} did not become ${what}:\n${p.output()}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  await ensureServiceBuild({ quiet: true });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tatu-cluster-"));
  const firstPort = await freePort();
  const env: Record<string, string> = {
    NODE_ENV: "development",
    DATABASE_URL: opts.databaseUrl,
    REDIS_URL: opts.redisUrl,
    TATU_REDIS_PREFIX: opts.redisPrefix ?? `tatu-cluster-${randomBytes(4).toString("hex")}`,
    TATU_DATA_DIR: dataDir,
    TATU_SCHEDULER: "off", // crons come from outside (Vercel Cron / the test), as in production
    IN_PROCESS_WORKER: "off",
    LOG_LEVEL: "warn", // replicas: no per-request lines (workers log at info: "worker running")
    // One public URL for the whole cluster (a load balancer would own it): replica 0's address.
    NEXTAUTH_URL: `http://127.0.0.1:${firstPort}`,
    NEXTAUTH_SECRET: randomBytes(48).toString("base64"),
    CRON_SECRET: randomBytes(24).toString("hex"),
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    ...opts.env,
  };
  const replicas: Replica[] = [];
  const workers: ClusterProcess[] = [];

  const startReplica = async (port?: number): Promise<Replica> => {
    const p = port ?? (await freePort());
    const proc = launch(`replica-${replicas.length}`, "main", { ...env, PORT: String(p) });
    const url = `http://127.0.0.1:${p}`;
    await waitFor(proc, async () => (await fetch(`${url}/api/health/ready`)).status === 200, "ready");
    const replica = Object.assign(proc, { url, port: p });
    replicas.push(replica);
    return replica;
  };
  const startWorker = async (): Promise<ClusterProcess> => {
    const proc = launch(`worker-${workers.length}`, "worker", {
      ...env,
      LOG_LEVEL: opts.workerLogLevel ?? "info",
    });
    await waitFor(proc, async () => proc.output().includes("worker running"), "running");
    workers.push(proc);
    return proc;
  };

  const cluster: Cluster = {
    replicas,
    workers,
    env,
    startWorker,
    startReplica: () => startReplica(),
    async close() {
      await Promise.all([...replicas, ...workers].map((p) => p.stop("SIGTERM")));
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  try {
    await startReplica(firstPort);
    await Promise.all([
      ...Array.from({ length: (opts.replicas ?? 2) - 1 }, () => startReplica()),
      ...Array.from({ length: opts.workers ?? 2 }, () => startWorker()),
    ]);
  } catch (err) {
    await cluster.close();
    throw err;
  }
  return cluster;
}

// Run by hand: start, print where everything is, stop on Ctrl-C.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const databaseUrl = process.env.DATABASE_URL,
    redisUrl = process.env.REDIS_URL;
  if (!databaseUrl || !redisUrl) {
    console.error("scripts/cluster.ts needs DATABASE_URL (migrated: npm run db:migrate) and REDIS_URL");
    process.exit(2);
  }
  const cluster = await startCluster({
    databaseUrl,
    redisUrl,
    replicas: arg("replicas", 2),
    workers: arg("workers", 2),
  });
  for (const r of cluster.replicas) console.log(`${r.name}: ${r.url}`);
  for (const w of cluster.workers) console.log(`${w.name}: pid ${w.proc.pid}`);
  console.log("Ctrl-C stops the cluster.");
  process.on("SIGINT", () => void cluster.close().then(() => process.exit(0)));
}
