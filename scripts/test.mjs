#!/usr/bin/env node
// `npm test`: checks lint, formatting and the layer rules, makes sure what the tests need is
// there (Prisma client, PostgreSQL, Redis, Chromium, Dovecot, Radicale), starting local services
// when they are down, then type-checks and runs the suite.
// When something cannot be provided it stops with one line saying what is missing.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import { provision } from "./provision.mjs";

const root = new URL("..", import.meta.url).pathname;
process.chdir(root);

const filters = process.argv.slice(2);
if (filters.includes("--help") || filters.includes("-h")) {
  console.log(`Usage: npm test [-- <test files or vitest filters>]

Without arguments: npm run lint (Biome lint + format check), npm run check:layers
(dependency-cruiser), provisioning, tsc (service and web), the web build, the main suite,
the secret scan and the chaos suite. With arguments: provisioning, tsc, the web build and
vitest run <arguments> only.`);
  process.exit(0);
}

function reachable(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once("connect", () => done(true));
    s.once("error", () => done(false));
  });
}

function run(cmd, args) {
  try {
    execFileSync(cmd, args, { stdio: "ignore", shell: false });
    return true;
  } catch {
    return false;
  }
}

async function ensureService(name, host, port, start) {
  if (await reachable(host, port)) return;
  console.log(`· ${name} is not answering on ${host}:${port}; starting it`);
  start();
  for (let i = 0; i < 40; i++) {
    if (await reachable(host, port)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  console.error(
    `✗ Missing: ${name} on ${host}:${port} (could not start it; install/start it, or point ${name === "PostgreSQL" ? "TEST_PG_ADMIN_URL" : "TEST_REDIS_URL"} at one)`,
  );
  process.exit(1);
}

const pgUrl = new URL(process.env.TEST_PG_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres");
const redisUrl = new URL(process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379");

if (!fs.existsSync("node_modules")) {
  console.error("✗ Missing: node_modules (run `npm ci` first)");
  process.exit(1);
}

// Lint/format and layers need nothing but node_modules, so they fail fast, before any service starts.
// Skipped when the caller picked specific test files (like the secret scan and the chaos suite).
if (!filters.length) {
  console.log("· lint and format check (npm run lint)");
  let c = spawnSync("npm", ["run", "--silent", "lint"], { stdio: "inherit" });
  if (c.status !== 0) {
    console.error(
      "✗ Lint or format check failed: `npm run format` rewrites the formatting; lint errors above name the rule and the line (`npx biome lint --write .` applies the safe fixes)",
    );
    process.exit(c.status ?? 1);
  }
  console.log("· layer check (npm run check:layers)");
  c = spawnSync("npm", ["run", "--silent", "check:layers"], { stdio: "inherit" });
  if (c.status !== 0) {
    console.error(
      '✗ Layer check failed: an import above crosses a layer rule (.dependency-cruiser.cjs; README "Lint, format and layers" says how to fix it)',
    );
    process.exit(c.status ?? 1);
  }
}
if (!fs.existsSync("service/db/generated/client.ts")) {
  console.log("· generating the Prisma client");
  if (!run(process.execPath, ["scripts/prisma.mjs", "generate"])) {
    console.error("✗ Missing: Prisma client (`node scripts/prisma.mjs generate` failed)");
    process.exit(1);
  }
}

await ensureService("PostgreSQL", pgUrl.hostname, Number(pgUrl.port || 5432), () => {
  const versions = fs.existsSync("/etc/postgresql") ? fs.readdirSync("/etc/postgresql") : [];
  for (const v of versions) run("pg_ctlcluster", ["--skip-systemctl-redirect", v, "main", "start"]);
});
await ensureService("Redis", redisUrl.hostname, Number(redisUrl.port || 6379), () => {
  fs.mkdirSync("/var/lib/redis", { recursive: true });
  fs.mkdirSync("/var/log/redis", { recursive: true });
  run("redis-server", [
    "--daemonize",
    "yes",
    "--bind",
    "127.0.0.1",
    "-::1",
    "--port",
    String(redisUrl.port || 6379),
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    "/var/lib/redis",
    "--logfile",
    "/var/log/redis/ci.log",
  ]);
});

// Chromium, Dovecot (each service the tests use) and Radicale: installed when missing.
if (!provision()) process.exit(1);

console.log("· type-checking");
let r = spawnSync(process.execPath, ["node_modules/typescript/bin/tsc", "--noEmit"], { stdio: "inherit" });
if (r.status !== 0) process.exit(r.status ?? 1);
r = spawnSync(process.execPath, ["node_modules/typescript/bin/tsc", "--noEmit", "-p", "web/tsconfig.json"], {
  stdio: "inherit",
});
if (r.status !== 0) process.exit(r.status ?? 1);

// The browser tests drive the built web app: rebuild web/dist whenever its inputs changed.
r = spawnSync(process.execPath, ["scripts/ensure-web-build.mjs"], { stdio: "inherit" });
if (r.status !== 0) {
  console.error("✗ Missing: the web app build (web/dist); `npm run build:web` failed");
  process.exit(1);
}
// The built-service tests and the cluster run dist/ (what `npm start` runs): rebuild it when stale.
r = spawnSync(process.execPath, ["scripts/build-service.mjs"], { stdio: "inherit" });
if (r.status !== 0) {
  console.error("✗ Missing: the service build (dist/); `npm run build` failed");
  process.exit(1);
}

// Every log line and response of the main suite is captured there and scanned for secret values
// by the global teardown (test/helpers/capture.ts); the directory is removed afterwards.
const captureDir = fs.mkdtempSync(`${(await import("node:os")).tmpdir()}/tatu-capture-`);
const vitest = (args, extraEnv = {}) =>
  spawnSync(process.execPath, ["node_modules/vitest/vitest.mjs", "run", ...args], {
    stdio: "inherit",
    env: { ...process.env, CHECKPOINT_DISABLE: "1", ...extraEnv },
  });
console.log("· running the test suite");
r = vitest(filters, { TATU_TEST_CAPTURE_DIR: captureDir });
if (r.status === 0 && !filters.length)
  r = spawnSync(process.execPath, ["--import", "tsx", "scripts/scan-captured-secrets.ts", captureDir], {
    stdio: "inherit",
  });
fs.rmSync(captureDir, { recursive: true, force: true });
if (r.status !== 0) process.exit(r.status ?? 1);
// The chaos suite kills workers and restarts its own private Redis/PostgreSQL: it runs alone,
// after the main suite (skipped only when the caller picked specific test files).
if (!filters.length) {
  console.log("· running the chaos suite (faults: kill -9, Redis/PostgreSQL restarts, provider failures)");
  r = vitest(["--config", "vitest.chaos.config.ts"]);
}
process.exit(r.status ?? 1);
