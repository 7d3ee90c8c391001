// Forged webhooks as a lever (issue 15 item 6): a badly signed delivery costs no database row
// of its own (rejections are aggregated per source + minute: Redis counters, or one upserted
// Postgres row per source, reason and minute without Redis), the counters still show every one,
// and an address that keeps sending rejected deliveries is answered 429 before any signature
// work, while a genuine provider on another address is not affected.
import { randomBytes } from "node:crypto";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "../helpers/app.ts";

// Hundreds of requests on a loaded 2-core machine: generous, and no timing is asserted.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });

const STRIPE_WEBHOOK_SECRET = `whsec_${randomBytes(16).toString("hex")}`;
const FACEBOOK_APP_SECRET = `fb-${randomBytes(16).toString("hex")}`;

const stripeEvent = () =>
  JSON.stringify({
    id: `evt_${randomBytes(12).toString("hex")}`,
    object: "event",
    type: "tatu.security_test",
    created: Math.floor(Date.now() / 1000),
    data: { object: { id: "obj_test" } },
  });
const signStripe = (body: string, secret = STRIPE_WEBHOOK_SECRET) =>
  Stripe.webhooks.generateTestHeaderString({ payload: body, secret });

function postStripe(app: TestApp, body: string, signature: string, ip: string) {
  return fetch(`${app.url}/api/webhooks/stripe`, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", "stripe-signature": signature, "x-forwarded-for": ip },
  });
}
function postForgedMeta(app: TestApp, ip: string) {
  return fetch(`${app.url}/api/webhooks/facebook`, {
    method: "POST",
    body: "{}",
    headers: {
      "content-type": "application/json",
      "x-hub-signature-256": `sha256=${"0".repeat(64)}`,
      "x-forwarded-for": ip,
    },
  });
}

/** Rows in every table of the app's schema: a forged request must not grow this by one each. */
/** Rows in every table but the per-minute request counter (one row per minute whatever comes
 *  in: counted on its own below). */
async function totalRows(app: TestApp): Promise<number> {
  const tables = await app.ctx.db.$queryRawUnsafe<{ t: string }[]>(
    `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'RequestCount'`,
  );
  let total = 0;
  for (const { t } of tables)
    total += Number((await app.ctx.db.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM "${t}"`))[0]!.n);
  return total;
}

async function metrics15m(
  app: TestApp,
): Promise<Record<string, { webhooksRejectedSignature: number; webhooksRateLimited: number }>> {
  const res = await fetch(`${app.url}/api/admin/metrics`, {
    headers: { authorization: `Bearer ${app.ctx.config.cronSecret}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()).windows["15m"].providers;
}

describe.each([
  ["without Redis (Postgres counters)", false],
  ["with Redis (Redis counters)", true],
] as const)("%s", (_name, redis) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({
      redis,
      databaseUrl: await isolatedDatabaseUrl(),
      env: { STRIPE_WEBHOOK_SECRET, FACEBOOK_APP_SECRET, WEBHOOK_REJECTIONS_PER_IP: "100000/1m" },
    });
  });
  afterAll(async () => {
    await app?.close();
  });

  it("500 forged posts cost at most one row per source and minute, and the counters show all 500", async () => {
    const before = await metrics15m(app);
    const rowsBefore = await totalRows(app);
    const countsBefore = await app.ctx.db.requestCount.count();
    const startedMinute = Math.floor(Date.now() / 60_000);
    const answers: number[] = [];
    for (let batch = 0; batch < 10; batch++) {
      answers.push(
        ...(await Promise.all(
          Array.from({ length: 50 }, (_, i) => {
            const ip = `203.0.113.${((batch * 50 + i) % 200) + 1}`;
            return i % 2
              ? postForgedMeta(app, ip).then((r) => r.status)
              : postStripe(app, stripeEvent(), signStripe("tampered"), ip).then((r) => r.status);
          }),
        )),
      );
    }
    expect(answers.filter((s) => s === 401)).toHaveLength(250);
    expect(answers.filter((s) => s === 400)).toHaveLength(250);
    // One row per source and minute (Postgres counters; none with Redis), for every minute the
    // run spanned — on a loaded machine the 500 posts can cross a minute boundary or two.
    const minutes = Math.floor(Date.now() / 60_000) - startedMinute + 1;
    expect((await totalRows(app)) - rowsBefore).toBeLessThanOrEqual(redis ? 0 : 2 * minutes);
    expect((await app.ctx.db.requestCount.count()) - countsBefore).toBeLessThanOrEqual(minutes);
    const after = await metrics15m(app);
    expect(after.stripe!.webhooksRejectedSignature - before.stripe!.webhooksRejectedSignature).toBe(250);
    expect(after.facebook!.webhooksRejectedSignature - before.facebook!.webhooksRejectedSignature).toBe(250);
    expect(await app.ctx.db.webhookEvent.count()).toBe(0);
  });
});

describe("rejections per address", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({
      redis: true,
      env: { STRIPE_WEBHOOK_SECRET, FACEBOOK_APP_SECRET, WEBHOOK_REJECTIONS_PER_IP: "20/1m" },
    });
  });
  afterAll(async () => {
    await app?.close();
  });

  it("after N rejected deliveries an address gets 429 without signature checks; a genuine provider elsewhere is unaffected", async () => {
    const attacker = `198.51.100.${Math.floor(Math.random() * 200) + 1}`;
    const provider = `192.0.2.${Math.floor(Math.random() * 200) + 1}`;
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++)
      statuses.push((await postStripe(app, stripeEvent(), signStripe("forged", "whsec_wrong"), attacker)).status);
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(400));
    expect(statuses.slice(20)).toEqual(Array(10).fill(429));

    const limited = await postForgedMeta(app, attacker);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await limited.json()).error).toMatchObject({
      code: "RATE_LIMITED",
      message: expect.stringMatching(/rejected webhook/i),
    });
    // Even a correctly signed delivery from that address is refused before its signature is looked at.
    const signedFromAttacker = stripeEvent();
    expect((await postStripe(app, signedFromAttacker, signStripe(signedFromAttacker), attacker)).status).toBe(429);

    // The real provider, on its own address, keeps delivering.
    for (let i = 0; i < 3; i++) {
      const body = stripeEvent();
      const res = await postStripe(app, body, signStripe(body), provider);
      expect(res.status).toBe(200);
      expect(await app.ctx.db.webhookEvent.count({ where: { eventId: JSON.parse(body).id } })).toBe(1);
    }
    const m = await metrics15m(app);
    expect(m.stripe!.webhooksRejectedSignature).toBe(20);
    expect(m.stripe!.webhooksRateLimited).toBe(11);
    expect(m.facebook!.webhooksRateLimited).toBe(1);
  });
});
