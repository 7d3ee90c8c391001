// webhooks.<provider>: each webhook endpoint of the deployed app accepts what the provider
// really sends and rejects forgeries. Payloads are harmless: an empty Meta batch, a Twilio
// "queued" status (no news), a Stripe event type no feature subscribes to.
import { createHmac, randomBytes } from "node:crypto";
import { envValue } from "../environment.ts";
import { HttpSession, type HttpResponse } from "../clients/http.ts";
import { fail, guarded, pass } from "./results.ts";
import type { Step, StepContext, StepResult } from "./types.ts";

export const webhookProviders = ["facebook", "instagram", "twilio", "stripe"] as const;
export type WebhookProvider = (typeof webhookProviders)[number];

interface Check { name: string; expected: string; got: string; ok: boolean }

const check = (name: string, expected: number, res: HttpResponse, extra = true): Check =>
  ({ name, expected: String(expected), got: String(res.status), ok: res.status === expected && extra });

function summarize(provider: string, checks: Check[]): StepResult {
  const bad = checks.filter((c) => !c.ok);
  if (!bad.length) return pass(`${provider}: ${checks.map((c) => c.name).join(", ")} — all as expected`, { checks });
  return fail(`${provider}: ${bad.map((c) => `${c.name} expected ${c.expected}, got ${c.got}`).join("; ")}`, { checks });
}

const missing = (names: string[]) => fail(`not set in the CLI environment: ${names.join(", ")} (the same values as the deployed app)`);

/** Handshake (right/wrong token) + signed/tampered event on one Meta endpoint. */
export async function testMetaWebhook(ctx: StepContext, source: "facebook" | "instagram"): Promise<StepResult> {
  const secret = envValue(ctx.env, "FACEBOOK_APP_SECRET");
  const token = envValue(ctx.env, "FACEBOOK_WEBHOOK_VERIFY_TOKEN");
  const unset = [!secret && "FACEBOOK_APP_SECRET", !token && "FACEBOOK_WEBHOOK_VERIFY_TOKEN"].filter(Boolean) as string[];
  if (unset.length) return missing(unset);
  return guarded(async () => {
    const http = new HttpSession(ctx.baseUrl);
    const path = `/api/webhooks/${source}`;
    const challenge = randomBytes(8).toString("hex");
    const q = (t: string) => `${path}?${new URLSearchParams({ "hub.mode": "subscribe", "hub.verify_token": t, "hub.challenge": challenge })}`;
    const right = await http.get(q(token!));
    const wrong = await http.get(q(`wrong-${randomBytes(6).toString("hex")}`));
    const body = Buffer.from(JSON.stringify({ object: source === "facebook" ? "page" : "instagram", entry: [{ id: "tatu-webhook-test", time: Date.now(), messaging: [] }] }));
    const signature = `sha256=${createHmac("sha256", secret!).update(body).digest("hex")}`;
    const headers = { "content-type": "application/json", "x-hub-signature-256": signature };
    const signed = await http.request("POST", path, { body, headers });
    const tampered = await http.request("POST", path, { body: Buffer.from(body.toString().replace("tatu-webhook-test", "tatu-webhook-tampered")), headers });
    return summarize(source, [
      { ...check("handshake with the right token echoes the challenge", 200, right), ok: right.status === 200 && right.text === challenge },
      check("handshake with a wrong token", 403, wrong),
      check("signed event", 200, signed),
      check("tampered event", 401, tampered),
    ]);
  });
}

export async function testTwilioWebhook(ctx: StepContext): Promise<StepResult> {
  const token = envValue(ctx.env, "TWILIO_AUTH_TOKEN");
  if (!token) return missing(["TWILIO_AUTH_TOKEN"]);
  return guarded(async () => {
    const http = new HttpSession(ctx.baseUrl);
    const path = "/api/webhooks/twilio/status";
    const params = { MessageSid: `SM${randomBytes(16).toString("hex")}`, MessageStatus: "queued", AccountSid: envValue(ctx.env, "TWILIO_ACCOUNT_SID") ?? "" };
    const body = new URLSearchParams(params).toString();
    const { default: twilio } = await import("twilio"); // heavy: loaded only when used
    const signature = twilio.getExpectedTwilioSignature(token, `${ctx.baseUrl}${path}`, params);
    const form = { "content-type": "application/x-www-form-urlencoded" };
    const signed = await http.request("POST", path, { body, headers: { ...form, "x-twilio-signature": signature } });
    const unsigned = await http.request("POST", path, { body, headers: form });
    const checks = [check("signed status callback", 200, signed), check("unsigned status callback", 403, unsigned)];
    const result = summarize("twilio", checks);
    // The signature covers the URL Twilio calls: a mismatch usually means NEXTAUTH_URL ≠ --url.
    if (signed.status === 403) result.summary += " (the app signs against NEXTAUTH_URL: is it the same as --url?)";
    return result;
  });
}

export async function testStripeWebhook(ctx: StepContext): Promise<StepResult> {
  const secret = envValue(ctx.env, "STRIPE_WEBHOOK_SECRET");
  if (!secret) return missing(["STRIPE_WEBHOOK_SECRET"]);
  return guarded(async () => {
    const http = new HttpSession(ctx.baseUrl);
    const event = (id: string) => JSON.stringify({ id, object: "event", type: "tatu.webhook_test", api_version: "2024-06-20", created: Math.floor(Date.now() / 1000), livemode: false, data: { object: {} } });
    const fresh = event(`evt_tatu_test_${randomBytes(8).toString("hex")}`);
    const stale = event(`evt_tatu_test_${randomBytes(8).toString("hex")}`);
    const { default: Stripe } = await import("stripe"); // heavy: loaded only when used
    const header = (payload: string, timestamp?: number) => Stripe.webhooks.generateTestHeaderString({ payload, secret, ...(timestamp ? { timestamp } : {}) });
    const json = { "content-type": "application/json" };
    const signed = await http.request("POST", "/api/webhooks/stripe", { body: fresh, headers: { ...json, "stripe-signature": header(fresh) } });
    const old = await http.request("POST", "/api/webhooks/stripe", { body: stale, headers: { ...json, "stripe-signature": header(stale, Math.floor(Date.now() / 1000) - 600) } });
    return summarize("stripe", [check("signed event", 200, signed), check("event signed 10 minutes ago (stale)", 400, old)]);
  });
}

export function testWebhook(ctx: StepContext, provider: WebhookProvider): Promise<StepResult> {
  if (provider === "twilio") return testTwilioWebhook(ctx);
  if (provider === "stripe") return testStripeWebhook(ctx);
  return testMetaWebhook(ctx, provider);
}

export const webhookSteps = Object.fromEntries(webhookProviders.map((p): [WebhookProvider, Step] => [p, {
  id: `webhooks.${p}`,
  title: `${p[0]!.toUpperCase()}${p.slice(1)} webhook: ${p === "twilio" ? "signed accepted, unsigned rejected" : p === "stripe" ? "signed accepted, stale rejected" : "handshake + signature validation"}`,
  run: (ctx) => testWebhook(ctx, p),
}])) as Record<WebhookProvider, Step>;
