// `npm start` from nothing: no DATABASE_URL, no REDIS_URL, no SMTP — embedded Postgres
// under TATU_DATA_DIR, dev outbox, inline jobs. Sign up, verify, log in, restart, log in again.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterAll, expect, it } from "vitest";
import { freePort } from "../helpers/net.ts";
import { HttpClient } from "../helpers/http.ts";
import pkg from "../../package.json" with { type: "json" };

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tatu-embedded-"));
let proc: ResultPromise | undefined;

async function start(port: number): Promise<HttpClient> {
  // Only what a fresh shell has: PATH and HOME. Nothing from this test run leaks in.
  // Exactly what `npm start` runs, without npm in between (npm does not pass SIGTERM on):
  // its last command is the service; the ones before it (the web build check) run first.
  const commands = pkg.scripts.start.split(" && ").map((c) => c.split(" "));
  for (const [cmd, ...args] of commands.slice(0, -1)) await execa(cmd!, args, { preferLocal: true });
  const [cmd, ...args] = commands.at(-1)!;
  proc = execa(cmd!, args, {
    preferLocal: true,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      TATU_DATA_DIR: dataDir,
      LOG_LEVEL: "warn",
    },
    extendEnv: false,
    reject: false,
    all: true,
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${base}/api/health/ready`)).status === 200) return new HttpClient(base);
    } catch {
      /* not listening yet */
    }
    if (proc.exitCode !== null || Date.now() > deadline)
      throw new Error(`service did not become ready:\n${(await proc).all}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stop() {
  proc!.kill("SIGTERM");
  const res = await proc!;
  proc = undefined;
  return res;
}

afterAll(async () => {
  if (proc) await stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it("boots on embedded defaults, keeps accounts across a restart", async () => {
  const port = await freePort();
  let client = await start(port);
  // The details need the bearer: the dev CRON_SECRET the first start generated under the data dir.
  const { CRON_SECRET } = JSON.parse(fs.readFileSync(path.join(dataDir, "dev-secrets.json"), "utf8"));
  const ready = await client.get("/api/health/ready", { authorization: `Bearer ${CRON_SECRET}` });
  expect(ready.body.checks).toMatchObject({
    database: { ok: true },
    migrations: { ok: true },
    redis: { configured: false },
    queue: { mode: "inline" },
  });

  const email = "first-try@example.test";
  const password = "tattoo-ink-42";
  const signup = await client.post("/api/auth/signup", { email, password, name: "First Try", role: "artist" });
  expect(signup.status).toBe(201);
  expect(signup.body.verificationEmailSent).toBe(true);

  const outbox = await client.get(`/api/dev/outbox?to=${email}`);
  const link: string = outbox.body.emails[0].links[0];
  expect(link).toMatch(new RegExp(`^http://localhost:${port}/verify-email\\?token=`));
  const verify = await client.get(`/api/auth/verify-email?token=${new URL(link).searchParams.get("token")}`);
  expect(verify.status).toBe(200);
  expect((await client.post("/api/auth/login", { email, password })).status).toBe(200);
  expect((await client.get("/api/auth/me")).body.user.email).toBe(email);
  expect((await client.get("/")).text).toContain("<main");

  const stopped = await stop();
  expect(stopped.exitCode).toBe(0); // graceful shutdown on SIGTERM
  expect(fs.existsSync(path.join(dataDir, "pgdata"))).toBe(true);

  client = await start(port);
  const again = await client.post("/api/auth/login", { email, password });
  expect(again.status).toBe(200);
  expect(again.body.user).toMatchObject({ email, role: "artist" });
}, 180_000);
