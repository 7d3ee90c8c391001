// Liveness, readiness per dependency, and the single error path.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { deadPort } from "../helpers/net.ts";
import { signedInUser } from "../helpers/accounts.ts";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { migrationNames } from "../../service/db/migrations.ts";

let app: TestApp;
const ADMIN = `health-admin-${randomBytes(4).toString("hex")}@example.test`;
beforeAll(async () => {
  app = await startTestApp({ redis: true, env: { ADMIN_EMAILS: ADMIN } });
});
const bearerOf = (a: TestApp) => ({ authorization: `Bearer ${a.ctx.config.cronSecret}` });
afterAll(async () => {
  await app?.close();
});

describe("health", () => {
  it("GET /api/health answers 200 (liveness)", async () => {
    const res = await app.client().get("/api/health");
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("ok");
  });

  it("GET /api/health/ready tells anonymous callers and non-admins only the status", async () => {
    // The status and its HTTP code, nothing else (a cold first check may still say not_ready).
    const onlyStatus = (res: { status: number; body: unknown }) => {
      expect(res.body).toEqual({ status: expect.stringMatching(/^(ready|not_ready)$/) });
      expect(res.status).toBe((res.body as { status: string }).status === "ready" ? 200 : 503);
    };
    onlyStatus(await app.client().get("/api/health/ready"));
    const { client } = await signedInUser(app);
    onlyStatus(await client.get("/api/health/ready"));
    onlyStatus(await app.client().get("/api/health/ready", { authorization: "Bearer not-the-cron-secret" }));
  });

  it("GET /api/health/ready shows an admin session the per-dependency details", async () => {
    const { client } = await signedInUser(app, { email: ADMIN });
    const res = await client.get("/api/health/ready");
    expect(res.status).toBe(200);
    expect(res.body.checks).toMatchObject({ database: { ok: true }, migrations: { ok: true }, redis: { ok: true } });
  });

  it("GET /api/health/ready reports database, migrations and Redis (bearer CRON_SECRET)", async () => {
    const res = await app.client().get("/api/health/ready", bearerOf(app));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: "ready",
      checks: { database: { ok: true }, migrations: { ok: true }, redis: { ok: true }, queue: { mode: "bullmq" } },
    });
  });

  it("is not ready (503) when migrations are missing, and names them", async () => {
    const admin = new pg.Client(inject("databaseUrl"));
    await admin.connect();
    const name = `tatu_empty_${randomBytes(4).toString("hex")}`;
    await admin.query(`CREATE DATABASE "${name}"`);
    const url = new URL(inject("databaseUrl"));
    url.pathname = `/${name}`;
    const bare = await startTestApp({ databaseUrl: url.toString() });
    try {
      // Anonymous: the status and code only; no migration names (they describe the deployment).
      const anonymous = await bare.client().get("/api/health/ready");
      expect([anonymous.status, anonymous.body]).toEqual([503, { status: "not_ready" }]);
      expect(JSON.stringify(anonymous.body)).not.toContain(migrationNames()[0]);
      const res = await bare.client().get("/api/health/ready", bearerOf(bare));
      expect(res.status).toBe(503);
      expect(res.body.status).toBe("not_ready");
      expect(res.body.checks.migrations.ok).toBe(false);
      expect(res.body.checks.migrations.error).toContain(migrationNames()[0]);
      expect((await bare.client().get("/api/health")).status).toBe(200);
    } finally {
      await bare.close();
      await admin.query(`DROP DATABASE "${name}" WITH (FORCE)`);
      await admin.end();
    }
  });

  it("is not ready (503) when the configured Redis is down, while the app keeps serving", async () => {
    const noRedis = await startTestApp({ env: { REDIS_URL: `redis://127.0.0.1:${await deadPort()}` } });
    try {
      const res = await noRedis.client().get("/api/health/ready", bearerOf(noRedis));
      expect(res.status).toBe(503);
      expect(res.body.checks.redis.ok).toBe(false);
      expect(res.body.checks.database.ok).toBe(true);
      expect((await noRedis.client().get("/api/health")).status).toBe(200);
    } finally {
      await noRedis.close();
    }
  });

  it("is not ready (503) when the database is unreachable, and other routes answer 503 rather than hang", async () => {
    const noDb = await startTestApp({ databaseUrl: `postgresql://postgres@127.0.0.1:${await deadPort()}/nope` });
    try {
      const ready = await noDb.client().get("/api/health/ready", bearerOf(noDb));
      expect(ready.status).toBe(503);
      expect(ready.body.checks.database.ok).toBe(false);
      const login = await noDb.client().post("/api/auth/login", { email: "a@b.co", password: "whatever-1" });
      expect(login.status).toBe(503);
      expect(login.body.error.code).toBe("UNAVAILABLE");
      expect(login.headers.get("retry-after")).toBeTruthy();
    } finally {
      await noDb.close();
    }
  });
});

describe("errors", () => {
  it("unknown API routes answer 404 JSON", async () => {
    const res = await app.client().get("/api/nope");
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: "NOT_FOUND", message: "No route for GET /api/nope." });
  });

  it("every response carries a request id (echoing a sane incoming one)", async () => {
    const res = await app.client().get("/api/health", { "x-request-id": "req-abc-123" });
    expect(res.headers.get("x-request-id")).toBe("req-abc-123");
    const fresh = await app.client().get("/api/health", { "x-request-id": "bad id with spaces" });
    expect(fresh.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});
