// The production build (scripts/build-service.mjs → dist/): what `npm start`, `npm run worker`
// and the Vercel function run. Built when stale, then each entry is started as its own process
// on a real database and Redis and has to answer — not timed (bench/start.ts measures speed).
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pkg from "../../package.json" with { type: "json" };
import { ensureServiceBuild } from "../../scripts/build-service.mjs";
import { isolatedDatabaseUrl, REDIS_URL } from "../helpers/app.ts";
import { freePort } from "../helpers/net.ts";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tatu-built-"));
const running: ResultPromise[] = [];
let env: Record<string, string>;

beforeAll(async () => {
  await ensureServiceBuild({ quiet: true });
  env = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    DATABASE_URL: await isolatedDatabaseUrl(),
    REDIS_URL,
    TATU_REDIS_PREFIX: `tatu-test-built-${randomBytes(4).toString("hex")}`,
    TATU_DATA_DIR: dataDir,
    LOG_LEVEL: "info",
    STRIPE_WEBHOOK_SECRET: "whsec_built_test",
  };
}, 120_000);

afterAll(async () => {
  for (const p of running) p.kill("SIGTERM");
  await Promise.all(running.map((p) => p.catch(() => undefined)));
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function spawnNode(args: string[], extra: Record<string, string> = {}): ResultPromise {
  const p = execa(process.execPath, args, { env: { ...env, ...extra }, extendEnv: false, reject: false, all: true });
  running.push(p);
  return p;
}

async function until(p: ResultPromise, ok: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (await ok().catch(() => false)) return;
    if (p.exitCode !== null || Date.now() > deadline) throw new Error(`${what}:\n${(await p).all}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("the built service", () => {
  it("a second check finds the build fresh (npm start does not rebuild an unchanged tree)", async () => {
    expect(await ensureServiceBuild({ quiet: true })).toBe("fresh");
    for (const entry of ["main", "worker", "vercel"]) {
      expect(fs.existsSync(`dist/${entry}.js`)).toBe(true);
      expect(fs.existsSync(`dist/${entry}.js.map`)).toBe(true); // stack traces point at service/*.ts
    }
  });

  it("npm start's entry answers /api/health and is ready on the real database; lazily loaded SDKs resolve from dist/", async () => {
    expect(pkg.scripts.start).toContain("scripts/build-service.mjs");
    expect(pkg.scripts.start).toMatch(/node --enable-source-maps dist\/main\.js$/);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const proc = spawnNode(["--enable-source-maps", "dist/main.js"], { PORT: String(port) });
    await until(proc, async () => (await fetch(`${base}/api/health`)).status === 200, "dist/main.js gave no 200");
    const ready = await fetch(`${base}/api/health/ready`);
    expect(ready.status).toBe(200); // Prisma (bundled client, external runtime), migrations folder, Redis
    expect(await ready.json()).toEqual({ status: "ready" });
    // The Stripe SDK is required at the first webhook (from the bundle's folder): a forged
    // signature is refused with 400, not a 500 from a module that cannot be found.
    const forged = await fetch(`${base}/api/webhooks/stripe`, {
      method: "POST",
      headers: { "content-type": "application/json", "stripe-signature": "t=1,v1=00" },
      body: JSON.stringify({ id: "evt_built", type: "ping", object: "event" }),
    });
    expect(forged.status).toBe(400);
  });

  it("npm run worker's entry starts its queue worker", async () => {
    expect(pkg.scripts.worker).toMatch(/node --enable-source-maps dist\/worker\.js$/);
    const proc = spawnNode(["--enable-source-maps", "dist/worker.js"]);
    let out = "";
    proc.all!.on("data", (d) => (out += d));
    await until(proc, async () => out.includes("worker running"), "dist/worker.js did not start its worker");
  });

  it("the Vercel function entry serves the API through the build", async () => {
    const entry = fs.readFileSync("service/vercel-entry.mjs", "utf8");
    expect(entry).toContain("../dist/vercel.js");
    expect(pkg.scripts["vercel-build"]).toContain("npm run build");
    const port = await freePort();
    const serve = `import http from "node:http"; const { default: handler } = await import("./service/vercel-entry.mjs"); http.createServer(handler).listen(${port}, "127.0.0.1");`;
    const proc = spawnNode(["--enable-source-maps", "--input-type=module", "-e", serve], {
      IN_PROCESS_WORKER: "off",
      TATU_SCHEDULER: "off",
    });
    await until(
      proc,
      async () => (await fetch(`http://127.0.0.1:${port}/api/health`)).status === 200,
      "the Vercel entry gave no 200",
    );
  });
});
