// The shared webhook layer, driven through Stripe's endpoint with signatures made by the
// official stripe library (never by our code): verify on raw bytes, store once, process once,
// reject and count everything else; plus Meta's verification handshake.
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { onStripeEvent } from "../../service/providers/stripe/webhook.ts";
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "../helpers/app.ts";
import { until } from "../helpers/realtime.ts";

const SECRET = "whsec_test_tatu_layer_0123456789";
const VERIFY_TOKEN = "meta-verify-token-for-tests";
let app: TestApp;
const handled: string[] = [];
onStripeEvent("test.tatu_layer", async (_ctx, event) => {
  handled.push(event.id);
});

const event = (id: string) =>
  JSON.stringify({
    id,
    object: "event",
    type: "test.tatu_layer",
    created: Math.floor(Date.now() / 1000),
    data: { object: { id: "obj_1" } },
  });
const sign = (payload: string, opts: { secret?: string; timestamp?: number } = {}) =>
  Stripe.webhooks.generateTestHeaderString({ payload, secret: opts.secret ?? SECRET, timestamp: opts.timestamp });
const post = (body: string, headers: Record<string, string>) =>
  fetch(`${app.url}/api/webhooks/stripe`, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", ...headers },
  });
const metrics = async () => {
  const res = await fetch(`${app.url}/api/admin/metrics`, {
    headers: { authorization: `Bearer ${app.ctx.config.cronSecret}` },
  });
  expect(res.status).toBe(200);
  return res.json();
};

beforeAll(async () => {
  app = await startTestApp({
    databaseUrl: await isolatedDatabaseUrl(),
    env: { STRIPE_WEBHOOK_SECRET: SECRET, FACEBOOK_WEBHOOK_VERIFY_TOKEN: VERIFY_TOKEN, WEBHOOK_BODY_LIMIT_KB: "16" },
  });
});
afterAll(async () => {
  await app?.close();
});

describe("Stripe webhook endpoint", () => {
  it("accepts a signed event, stores it once and processes it once, however often it is replayed", async () => {
    const body = event("evt_layer_1");
    for (let i = 0; i < 3; i++) {
      const res = await post(body, { "stripe-signature": sign(body) });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ received: true });
    }
    await until(() => handled.includes("evt_layer_1"), 5000, "the handler");
    expect(await app.ctx.db.webhookEvent.count({ where: { source: "stripe", eventId: "evt_layer_1" } })).toBe(1);
    const row = await app.ctx.db.webhookEvent.findFirstOrThrow({ where: { eventId: "evt_layer_1" } });
    expect(row).toMatchObject({ status: "processed", signatureOk: true, attempts: 1 });
    expect(handled.filter((id) => id === "evt_layer_1")).toHaveLength(1);
  });

  it("rejects stale, wrongly signed and unsigned events with 400, storing none of them as events", async () => {
    const body = event("evt_layer_bad");
    const before = (await metrics()).windows["15m"].providers.stripe.webhooksRejectedSignature;
    const rowsBefore = await app.ctx.db.webhookEvent.count();
    const stale = await post(body, {
      "stripe-signature": sign(body, { timestamp: Math.floor(Date.now() / 1000) - 600 }),
    });
    const wrong = await post(body, { "stripe-signature": sign(body, { secret: "whsec_someone_else" }) });
    const tampered = await post(body.replace("obj_1", "obj_2"), { "stripe-signature": sign(body) });
    const missing = await post(body, {});
    for (const res of [stale, wrong, tampered, missing]) {
      expect(res.status).toBe(400);
      expect((await res.json()).error.code).toBe("WEBHOOK_SIGNATURE_INVALID");
    }
    expect(await app.ctx.db.webhookEvent.count({ where: { eventId: "evt_layer_bad" } })).toBe(0);
    // Counted (per minute, not a row each: test/webhooks/forged-rejections.test.ts), not stored.
    expect(await app.ctx.db.webhookEvent.count()).toBe(rowsBefore);
    expect((await metrics()).windows["15m"].providers.stripe.webhooksRejectedSignature - before).toBe(4);
    expect(handled).not.toContain("evt_layer_bad");
  });

  it("answers malformed, oversized and wrongly typed bodies with 400/413/415 — never a 500", async () => {
    const garbage = "{not json";
    const malformed = await post(garbage, { "stripe-signature": sign(garbage) });
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).error.code).toBe("WEBHOOK_MALFORMED");
    const notAnEvent = JSON.stringify({ hello: "world" });
    expect((await post(notAnEvent, { "stripe-signature": sign(notAnEvent) })).status).toBe(400);
    const huge = JSON.stringify({ id: "evt_huge", object: "event", type: "x", pad: "x".repeat(17 * 1024) });
    const tooBig = await post(huge, { "stripe-signature": sign(huge) });
    expect(tooBig.status).toBe(413);
    const form = await fetch(`${app.url}/api/webhooks/stripe`, {
      method: "POST",
      body: "a=b",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(form.status).toBe(415);
    expect(
      (
        await fetch(`${app.url}/api/webhooks/nope`, {
          method: "POST",
          body: "{}",
          headers: { "content-type": "application/json" },
        })
      ).status,
    ).toBe(404);
  });

  it("counts accepted and rejected webhooks per provider in /api/admin/metrics", async () => {
    const m = await metrics();
    const stripe = m.windows["15m"].providers.stripe;
    expect(stripe).toMatchObject({ webhooksAccepted: 1, webhooksRejectedSignature: 4, webhooksFailedProcessing: 0 });
    expect(stripe.webhooksRejectedOther).toBe(4); // malformed ×2, too large, content type
    expect(m.windows["24h"].providers.stripe.webhooksAccepted).toBe(1);
    expect(m.queue).toMatchObject({ mode: "inline" });
    expect((await fetch(`${app.url}/api/admin/metrics`)).status).toBe(401);
  });
});

describe("Meta verification handshake", () => {
  for (const source of ["facebook", "instagram"]) {
    it(`GET /api/webhooks/${source} echoes hub.challenge only for the right verify token`, async () => {
      const ok = await fetch(
        `${app.url}/api/webhooks/${source}?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1158201444`,
      );
      expect(ok.status).toBe(200);
      expect(ok.headers.get("content-type")).toMatch(/^text\/plain/);
      expect(await ok.text()).toBe("1158201444");
      const wrong = await fetch(
        `${app.url}/api/webhooks/${source}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1158201444`,
      );
      expect(wrong.status).toBe(403);
      expect(await wrong.text()).not.toContain("1158201444");
      expect(
        (
          await fetch(
            `${app.url}/api/webhooks/${source}?hub.mode=unsubscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1`,
          )
        ).status,
      ).toBe(403);
    });
  }
});
