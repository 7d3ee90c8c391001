#!/usr/bin/env node
// `npm test`: makes sure what the tests need is there (Prisma client, PostgreSQL, Redis,
// Chromium, Dovecot, Radicale),
// starting local services when they are down, then type-checks and runs the suite.
// When something cannot be provided it stops with one line saying what is missing.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";

const root = new URL("..", import.meta.url).pathname;
process.chdir(root);

function reachable(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok) => { s.destroy(); resolve(ok); };
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
  console.error(`✗ Missing: ${name} on ${host}:${port} (could not start it; install/start it, or point ${name === "PostgreSQL" ? "TEST_PG_ADMIN_URL" : "TEST_REDIS_URL"} at one)`);
  process.exit(1);
}

const pgUrl = new URL(process.env.TEST_PG_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres");
const redisUrl = new URL(process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379");

if (!fs.existsSync("node_modules")) {
  console.error("✗ Missing: node_modules (run `npm ci` first)");
  process.exit(1);
}
if (!fs.existsSync("service/db/generated/client.ts")) {
  console.log("· generating the Prisma client");
  if (!run(process.execPath, ["scripts/prisma.mjs", "generate"])) { console.error("✗ Missing: Prisma client (`node scripts/prisma.mjs generate` failed)"); process.exit(1); }
}

await ensureService("PostgreSQL", pgUrl.hostname, Number(pgUrl.port || 5432), () => {
  const versions = fs.existsSync("/etc/postgresql") ? fs.readdirSync("/etc/postgresql") : [];
  for (const v of versions) run("pg_ctlcluster", ["--skip-systemctl-redirect", v, "main", "start"]);
});
await ensureService("Redis", redisUrl.hostname, Number(redisUrl.port || 6379), () => {
  fs.mkdirSync("/var/lib/redis", { recursive: true });
  fs.mkdirSync("/var/log/redis", { recursive: true });
  run("redis-server", ["--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", String(redisUrl.port || 6379), "--save", "", "--appendonly", "no", "--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log"]);
});

/** apt-get install, with one `apt-get update` retry when the package lists are stale. */
function aptInstall(packages) {
  process.env.DEBIAN_FRONTEND ??= "noninteractive";
  const apt = (args) => run("apt-get", ["-y", "-q", ...args]);
  return apt(["install", ...packages]) || (apt(["update"]) && apt(["install", ...packages]));
}

// Browser tests drive Debian's Chromium (never a downloaded browser).
const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
if (!fs.existsSync(chromium)) {
  console.log("· Chromium is missing; installing Debian's chromium package");
  if (!aptInstall(["chromium"]) || !fs.existsSync(chromium)) {
    console.error(`✗ Missing: Chromium at ${chromium} (install Debian's package: apt-get install -y chromium, or set CHROMIUM_PATH)`);
    process.exit(1);
  }
}

// The IMAP/SMTP (Yahoo) provider tests run a real Dovecot per test file (standins/peers/dovecot.ts).
const dovecotPackages = ["dovecot-imapd", "dovecot-lmtpd", "dovecot-submissiond"];
const dovecot = process.env.DOVECOT_PATH ?? "/usr/sbin/dovecot";
if (!fs.existsSync(dovecot)) {
  console.log(`· Dovecot is missing; installing Debian's ${dovecotPackages.join(", ")}`);
  if (!aptInstall(dovecotPackages) || !fs.existsSync(dovecot)) {
    console.error(`✗ Missing: Dovecot at ${dovecot} (install Debian's packages: apt-get install -y ${dovecotPackages.join(" ")}, or set DOVECOT_PATH)`);
    process.exit(1);
  }
}

// The Apple (CalDAV) calendar provider tests run a real Radicale per test file
// (standins/peers/radicale.ts), as a module of Debian's python3 (not whatever python3 is on PATH).
const radicalePython = process.env.RADICALE_PYTHON ?? "/usr/bin/python3";
// With RADICALE_PYTHON set (another interpreter with the module), only the module counts.
const hasRadicale = () => (!!process.env.RADICALE_PYTHON || fs.existsSync("/usr/bin/radicale")) && run(radicalePython, ["-c", "import radicale"]);
if (!hasRadicale()) {
  console.log("· Radicale is missing; installing Debian's radicale package");
  if (!aptInstall(["radicale"]) || !hasRadicale()) {
    console.error(`✗ Missing: Radicale (/usr/bin/radicale and the radicale module of ${radicalePython}; install Debian's package: apt-get install -y radicale, or set RADICALE_PYTHON)`);
    process.exit(1);
  }
}

console.log("· type-checking");
let r = spawnSync(process.execPath, ["node_modules/typescript/bin/tsc", "--noEmit"], { stdio: "inherit" });
if (r.status !== 0) process.exit(r.status ?? 1);
r = spawnSync(process.execPath, ["node_modules/typescript/bin/tsc", "--noEmit", "-p", "web/tsconfig.json"], { stdio: "inherit" });
if (r.status !== 0) process.exit(r.status ?? 1);

// The browser tests drive the built web app: rebuild web/dist whenever its inputs changed.
r = spawnSync(process.execPath, ["scripts/ensure-web-build.mjs"], { stdio: "inherit" });
if (r.status !== 0) { console.error("✗ Missing: the web app build (web/dist); `npm run build:web` failed"); process.exit(1); }

// Every log line and response of the main suite is captured there and scanned for secret values
// by the global teardown (test/helpers/capture.ts); the directory is removed afterwards.
const captureDir = fs.mkdtempSync(`${(await import("node:os")).tmpdir()}/tatu-capture-`);
const vitest = (args, extraEnv = {}) => spawnSync(process.execPath, ["node_modules/vitest/vitest.mjs", "run", ...args], { stdio: "inherit", env: { ...process.env, CHECKPOINT_DISABLE: "1", ...extraEnv } });
const filters = process.argv.slice(2);
console.log("· running the test suite");
r = vitest(filters, { TATU_TEST_CAPTURE_DIR: captureDir });
if (r.status === 0 && !filters.length)
  r = spawnSync(process.execPath, ["--import", "tsx", "scripts/scan-captured-secrets.ts", captureDir], { stdio: "inherit" });
fs.rmSync(captureDir, { recursive: true, force: true });
if (r.status !== 0) process.exit(r.status ?? 1);
// The chaos suite kills workers and restarts its own private Redis/PostgreSQL: it runs alone,
// after the main suite (skipped only when the caller picked specific test files).
if (!filters.length) {
  console.log("· running the chaos suite (faults: kill -9, Redis/PostgreSQL restarts, provider failures)");
  r = vitest(["--config", "vitest.chaos.config.ts"]);
}
process.exit(r.status ?? 1);
