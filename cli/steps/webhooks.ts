// webhooks.<provider>: each webhook endpoint of the deployed app accepts what the provider
// really sends and rejects forgeries. Payloads are harmless: an empty Meta batch, a Twilio
// "queued" status (no news), a Stripe event type no feature subscribes to.
import { createHmac, randomBytes } from "node:crypto";
import { providersWithWebhooks } from "../../service/providers/catalog.ts";
import { envValue } from "../environment.ts";
import { HttpSession, type HttpResponse } from "../clients/http.ts";
import { fail, guarded, pass } from "./results.ts";
import type { Step, StepContext, StepResult } from "./types.ts";

/** Every provider whose meta.ts lists webhook sources (service/providers/<id>/meta.ts). */
export const webhookProviders = providersWithWebhooks();
export type WebhookProvider = string;

interface Check {
  name: string;
  expected: string;
  got: string;
  ok: boolean;
}

const check = (name: string, expected: number, res: HttpResponse, extra = true): Check => ({
  name,
  expected: String(expected),
  got: String(res.status),
  ok: res.status === expected && extra,
});

function summarize(provider: string, checks: Check[]): StepResult {
  const bad = checks.filter((c) => !c.ok);
  if (!bad.length) return pass(`${provider}: ${checks.map((c) => c.name).join(", ")} — all as expected`, { checks });
  return fail(`${provider}: ${bad.map((c) => `${c.name} expected ${c.expected}, got ${c.got}`).join("; ")}`, {
    checks,
  });
}

const missing = (names: string[]) =>
  fail(`not set in the CLI environment: ${names.join(", ")} (the same values as the deployed app)`);

/** Handshake (right/wrong token) + signed/tampered event on one Meta endpoint. */
export async function testMetaWebhook(ctx: StepContext, source: "facebook" | "instagram"): Promise<StepResult> {
  const secret = envValue(ctx.env, "FACEBOOK_APP_SECRET");
  const token = envValue(ctx.env, "FACEBOOK_WEBHOOK_VERIFY_TOKEN");
  const unset = [!secret && "FACEBOOK_APP_SECRET", !token && "FACEBOOK_WEBHOOK_VERIFY_TOKEN"].filter(
    Boolean,
  ) as string[];
  if (unset.length) return missing(unset);
  return guarded(async () => {
    const http = new HttpSession(ctx.baseUrl);
    const path = `/api/webhooks/${source}`;
    const challenge = randomBytes(8).toString("hex");
    const q = (t: string) =>
      `${path}?${new URLSearchParams({ "hub.mode": "subscribe", "hub.verify_token": t, "hub.challenge": challenge })}`;
    const right = await http.get(q(token!));
    const wrong = await http.get(q(`wrong-${randomBytes(6).toString("hex")}`));
    const body = Buffer.from(
      JSON.stringify({
        object: source === "facebook" ? "page" : "instagram",
        entry: [{ id: "tatu-webhook-test", time: Date.now(), messaging: [] }],
      }),
    );
    const signature = `sha256=${createHmac("sha256", secret!).update(body).digest("hex")}`;
    const headers = { "content-type": "application/json", "x-hub-signature-256": signature };
    const signed = await http.request("POST", path, { body, headers });
    const tampered = await http.request("POST", path, {
      body: Buffer.from(body.toString().replace("tatu-webhook-test", "tatu-webhook-tampered")),
      headers,
    });
    return summarize(source, [
      {
        ...check("handshake with the right token echoes the challenge", 200, right),
        ok: right.status === 200 && right.text === challenge,
      },
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
    const params = {
      MessageSid: `SM${randomBytes(16).toString("hex")}`,
      MessageStatus: "queued",
      AccountSid: envValue(ctx.env, "TWILIO_ACCOUNT_SID") ?? "",
    };
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
    const event = (id: string) =>
      JSON.stringify({
        id,
        object: "event",
        type: "tatu.webhook_test",
        api_version: "2024-06-20",
        created: Math.floor(Date.now() / 1000),
        livemode: false,
        data: { object: {} },
      });
    const fresh = event(`evt_tatu_test_${randomBytes(8).toString("hex")}`);
    const stale = event(`evt_tatu_test_${randomBytes(8).toString("hex")}`);
    const { default: Stripe } = await import("stripe"); // heavy: loaded only when used
    const header = (payload: string, timestamp?: number) =>
      Stripe.webhooks.generateTestHeaderString({ payload, secret, ...(timestamp ? { timestamp } : {}) });
    const json = { "content-type": "application/json" };
    const signed = await http.request("POST", "/api/webhooks/stripe", {
      body: fresh,
      headers: { ...json, "stripe-signature": header(fresh) },
    });
    const old = await http.request("POST", "/api/webhooks/stripe", {
      body: stale,
      headers: { ...json, "stripe-signature": header(stale, Math.floor(Date.now() / 1000) - 600) },
    });
    return summarize("stripe", [
      check("signed event", 200, signed),
      check("event signed 10 minutes ago (stale)", 400, old),
    ]);
  });
}

/** How each provider's endpoint is exercised: its own signing scheme and handshake. A provider
 *  with webhooks but no test here fails its launch item instead of passing unchecked. */
const META_SECRETS = ["FACEBOOK_APP_SECRET", "FACEBOOK_WEBHOOK_VERIFY_TOKEN"];
const webhookTests: Record<
  string,
  { run: (ctx: StepContext) => Promise<StepResult>; checks: string; needs: string[] }
> = {
  facebook: {
    run: (ctx) => testMetaWebhook(ctx, "facebook"),
    checks: "handshake + signature validation",
    needs: META_SECRETS,
  },
  instagram: {
    run: (ctx) => testMetaWebhook(ctx, "instagram"),
    checks: "handshake + signature validation",
    needs: META_SECRETS,
  },
  twilio: { run: testTwilioWebhook, checks: "signed accepted, unsigned rejected", needs: ["TWILIO_AUTH_TOKEN"] },
  stripe: { run: testStripeWebhook, checks: "signed accepted, stale rejected", needs: ["STRIPE_WEBHOOK_SECRET"] },
};

/** The secrets the test of a provider's endpoint signs with (none known: it runs and fails). */
export const webhookTestNeeds = (provider: string): string[] => webhookTests[provider]?.needs ?? [];

export function testWebhook(ctx: StepContext, provider: WebhookProvider): Promise<StepResult> {
  const test = webhookTests[provider];
  return test
    ? test.run(ctx)
    : Promise.resolve(fail(`${provider}: no webhook test in the CLI for this provider yet (cli/steps/webhooks.ts)`));
}

export const webhookSteps = Object.fromEntries(
  webhookProviders.map((p): [WebhookProvider, Step] => [
    p,
    {
      id: `webhooks.${p}`,
      title: `${p[0]!.toUpperCase()}${p.slice(1)} webhook: ${webhookTests[p]?.checks ?? "no test yet"}`,
      run: (ctx) => testWebhook(ctx, p),
    },
  ]),
) as Record<WebhookProvider, Step>;
