// Upstash as the launch document uses it: with only UPSTASH_REDIS_REST_URL/TOKEN (no TCP Redis),
// rate limits are counted in Upstash through its REST API — shared by every replica — and
// readiness says so, and that jobs run inline. While Upstash is down the limit still holds
// (per process), never a 500 and never "no limit". The stand-in forwards to a real Redis.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backendsOf } from "../../cli/steps/env.ts";
import { startUpstashStandIn, type UpstashStandIn } from "../../standins/upstash/index.ts";
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "../helpers/app.ts";

let upstash: UpstashStandIn;
let replicaA: TestApp;
let replicaB: TestApp;
const CRON_SECRET = `cron-${randomBytes(16).toString("hex")}`;

beforeAll(async () => {
  upstash = await startUpstashStandIn();
  const databaseUrl = await isolatedDatabaseUrl();
  // Two replicas of one deployment: same database, same Upstash, same key prefix, no Redis.
  const env = {
    ...upstash.env(),
    CRON_SECRET,
    RATE_LIMIT_SEARCH: "4/1m",
    TATU_REDIS_PREFIX: `upstash-test-${randomBytes(4).toString("hex")}`,
  };
  [replicaA, replicaB] = await Promise.all([startTestApp({ databaseUrl, env }), startTestApp({ databaseUrl, env })]);
});
afterAll(async () => {
  await Promise.all([replicaA?.close(), replicaB?.close()]);
  await upstash?.close();
});

const search = (app: TestApp, ip: string) =>
  fetch(`${app.url}/api/artists?q=ink`, { headers: { "X-Forwarded-For": ip } }).then((r) => r.status);

describe("rate limits on Upstash (REST only)", () => {
  it("counts one budget across replicas through Upstash's REST API", async () => {
    const ip = "203.0.113.21";
    const statuses = [];
    for (const app of [replicaA, replicaB, replicaA, replicaB, replicaA]) statuses.push(await search(app, ip));
    // Per-process memory limits would allow 4 on each replica; the shared budget allows 4 in all.
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    expect(await search(replicaB, "198.51.100.9")).toBe(200);
    expect(upstash.commands().some((c) => c.startsWith("EVAL"))).toBe(true);
  });

  it("readiness reports Upstash as the rate-limit backend and says plainly that jobs run inline", async () => {
    const res = await fetch(`${replicaA.url}/api/health/ready`, {
      headers: { authorization: `Bearer ${CRON_SECRET}` },
    });
    const body = await res.json();
    expect(res.status).toBe(200);
    expect(body.checks.rateLimits).toEqual({ ok: true, backend: "upstash" });
    expect(body.checks.queue.mode).toBe("inline");
    expect(body.checks.queue.note).toMatch(/BullMQ needs a TCP Redis \(REDIS_URL\)/);
  });

  it("while Upstash is down the limit still holds per process, without a 500", async () => {
    upstash.setDown(true);
    try {
      const ip = "203.0.113.99";
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push(await search(replicaA, ip));
      expect(statuses).toEqual([200, 200, 200, 200, 429]);
    } finally {
      upstash.setDown(false);
    }
  });

  it("the env check tells which backend jobs and rate limits will use", () => {
    expect(backendsOf({ ...upstash.env() })).toMatchObject({ jobs: "inline", rateLimits: "upstash" });
    expect(backendsOf({ ...upstash.env() }).note).toMatch(/jobs will run inline \(BullMQ needs a TCP Redis/);
    expect(backendsOf({ REDIS_URL: "redis://127.0.0.1:6379", ...upstash.env() })).toMatchObject({
      jobs: "bullmq",
      rateLimits: "redis",
    });
    expect(backendsOf({})).toMatchObject({ jobs: "inline", rateLimits: "memory" });
  });
});
