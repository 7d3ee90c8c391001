// Webhook forgery: every signed webhook source gets missing, wrong, truncated and tampered
// signatures (and, for Stripe, a replayed signature past its 5-minute tolerance) → refused with
// the source's status, nothing stored as an event, and each one counted per provider as a
// signature rejection in GET /api/admin/metrics. A replayed *valid* delivery is stored once.
// The Meta handshake (GET) refuses missing, wrong and truncated verify tokens.
import { createHmac, randomBytes } from "node:crypto";
import Stripe from "stripe";
import twilio from "twilio";
import { describe, expect, it } from "vitest";
import { webhookSources, type WebhookSource } from "../../service/providers/catalog.ts";
import { newPsid } from "../../standins/meta/index.ts";
import { suiteResources } from "../helpers/suite.ts";
import { startWorld, type World } from "./world.ts";

let w: World;
suiteResources(async (track) => {
  w = track(await startWorld());
}, 90_000);

/** What each source answers to a bad signature (README: 401 Meta / 403 Twilio / 400 Stripe). */
const REJECT_STATUS: Record<WebhookSource, number> = {
  facebook: 401,
  instagram: 401,
  twilio: 403,
  "twilio-status": 403,
  stripe: 400,
};
const PATH: Record<WebhookSource, string> = {
  facebook: "/api/webhooks/facebook",
  instagram: "/api/webhooks/instagram",
  twilio: "/api/webhooks/twilio",
  "twilio-status": "/api/webhooks/twilio/status",
  stripe: "/api/webhooks/stripe",
};
const PROVIDER: Record<WebhookSource, string> = {
  facebook: "facebook",
  instagram: "instagram",
  twilio: "twilio",
  "twilio-status": "twilio",
  stripe: "stripe",
};

interface Delivery {
  body: string;
  contentType: string;
  signatureHeader: string;
  sign(body: string, secret?: string): string;
  tamper(body: string): string;
  secret: string;
}

const hmacMeta = (secret: string) => (body: string) =>
  `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
const twilioSigner = (source: WebhookSource, url: string) => (body: string, token?: string) =>
  twilio.getExpectedTwilioSignature(
    token ?? w.config.env.TWILIO_AUTH_TOKEN!,
    url,
    Object.fromEntries(new URLSearchParams(body)),
  );

/** One genuine delivery per source, as the provider would send it. */
async function genuine(source: WebhookSource): Promise<Delivery> {
  const env = w.config.env;
  const db = w.app.ctx.db;
  const url = `${w.app.url}${PATH[source]}`;
  switch (source) {
    case "facebook":
    case "instagram": {
      const account = await db.connectedAccount.findFirstOrThrow({ where: { userId: w.a.userId, provider: source } });
      const body = JSON.stringify(
        w.standIns.meta.customerMessage(account.externalId, {
          psid: newPsid(),
          text: `genuine ${source} ${randomBytes(3).toString("hex")}`,
        }),
      );
      const secret = env.FACEBOOK_APP_SECRET!;
      return {
        body,
        contentType: "application/json",
        signatureHeader: "x-hub-signature-256",
        secret,
        sign: (b, s) => hmacMeta(s ?? secret)(b),
        tamper: (b) => b.replace("genuine", "forged!"),
      };
    }
    case "twilio":
    case "twilio-status": {
      const number = (await db.connectedAccount.findFirstOrThrow({ where: { userId: w.a.userId, provider: "twilio" } }))
        .externalId;
      const sid = `SM${randomBytes(16).toString("hex")}`;
      const params: Record<string, string> =
        source === "twilio"
          ? {
              MessageSid: sid,
              SmsSid: sid,
              AccountSid: env.TWILIO_ACCOUNT_SID!,
              From: "+14155550123",
              To: number,
              Body: `genuine sms ${sid}`,
              NumMedia: "0",
            }
          : {
              MessageSid: sid,
              MessageStatus: "delivered",
              AccountSid: env.TWILIO_ACCOUNT_SID!,
              From: number,
              To: "+14155550123",
            };
      const body = new URLSearchParams(params).toString();
      return {
        body,
        contentType: "application/x-www-form-urlencoded",
        signatureHeader: "x-twilio-signature",
        secret: env.TWILIO_AUTH_TOKEN!,
        sign: twilioSigner(source, url),
        tamper: (b) => b.replace("genuine", "forged").replace("delivered", "read"),
      };
    }
    case "stripe": {
      const body = JSON.stringify({
        id: `evt_${randomBytes(12).toString("hex")}`,
        object: "event",
        type: "tatu.security_test",
        created: Math.floor(Date.now() / 1000),
        data: { object: { id: "obj_genuine" } },
      });
      const secret = env.STRIPE_WEBHOOK_SECRET!;
      return {
        body,
        contentType: "application/json",
        signatureHeader: "stripe-signature",
        secret,
        sign: (b, s) => Stripe.webhooks.generateTestHeaderString({ payload: b, secret: s ?? secret }),
        tamper: (b) => b.replace("obj_genuine", "obj_forged"),
      };
    }
  }
}

const post = (source: WebhookSource, d: Delivery, body: string, signature: string | undefined) =>
  fetch(`${w.app.url}${PATH[source]}`, {
    method: "POST",
    body,
    headers: { "content-type": d.contentType, ...(signature === undefined ? {} : { [d.signatureHeader]: signature }) },
  });

async function rejectedBySignature(): Promise<Record<string, number>> {
  const res = await fetch(`${w.app.url}/api/admin/metrics`, {
    headers: { authorization: `Bearer ${w.config.cronSecret}` },
  });
  expect(res.status).toBe(200);
  const m = await res.json();
  return Object.fromEntries(
    Object.entries(m.windows["15m"].providers as Record<string, { webhooksRejectedSignature: number }>).map(
      ([p, v]) => [p, v.webhooksRejectedSignature],
    ),
  );
}

const storedEvents = (source: WebhookSource) =>
  w.app.ctx.db.webhookEvent.count({ where: { source, status: { not: "rejected" } } });

it("covers every webhook source the service accepts", () => {
  expect(Object.keys(REJECT_STATUS).sort()).toEqual([...webhookSources].sort());
});

describe.each([...webhookSources])("%s", (source) => {
  it("refuses missing, wrong, truncated and tampered signatures, stores none and counts each", async () => {
    const d = await genuine(source);
    const good = d.sign(d.body);
    const forgeries: Record<string, [string, string | undefined]> = {
      missing: [d.body, undefined],
      empty: [d.body, ""],
      wrong: [d.body, d.sign(d.body, `not-the-secret-${randomBytes(8).toString("hex")}`)],
      truncated: [d.body, good.slice(0, Math.floor(good.length / 2))],
      tampered: [d.tamper(d.body), good],
    };
    if (source === "stripe") {
      // A captured Stripe signature replayed after the tolerance window.
      forgeries.replayedLate = [
        d.body,
        Stripe.webhooks.generateTestHeaderString({
          payload: d.body,
          secret: d.secret,
          timestamp: Math.floor(Date.now() / 1000) - 600,
        }),
      ];
    }
    const before = await rejectedBySignature();
    const storedBefore = await storedEvents(source);
    for (const [name, [body, signature]] of Object.entries(forgeries)) {
      const res = await post(source, d, body, signature);
      expect(res.status, `${source} ${name}`).toBe(REJECT_STATUS[source]);
      expect((await res.json()).error).toMatchObject({
        code: "WEBHOOK_SIGNATURE_INVALID",
        message: expect.any(String),
      });
    }
    const after = await rejectedBySignature();
    expect(after[PROVIDER[source]]! - before[PROVIDER[source]]!).toBe(Object.keys(forgeries).length);
    expect(await storedEvents(source)).toBe(storedBefore);
    // Nothing forged reached the inbox.
    expect(await w.app.ctx.db.message.count({ where: { text: { contains: "forged" } } })).toBe(0);
  });

  it("stores a genuine delivery once however often it is replayed", async () => {
    const d = await genuine(source);
    const signature = d.sign(d.body);
    const storedBefore = await storedEvents(source);
    for (let i = 0; i < 3; i++)
      expect((await post(source, d, d.body, signature)).status, `${source} delivery ${i + 1}`).toBe(200);
    expect(await storedEvents(source)).toBe(storedBefore + 1);
  });
});

describe("Meta's verification handshake", () => {
  it.each(["facebook", "instagram"])(
    "GET /api/webhooks/%s refuses a missing, wrong or truncated verify token",
    async (source) => {
      const token = w.config.env.FACEBOOK_WEBHOOK_VERIFY_TOKEN!;
      const handshake = (t?: string) =>
        fetch(
          `${w.app.url}/api/webhooks/${source}?hub.mode=subscribe&hub.challenge=4242${t === undefined ? "" : `&hub.verify_token=${encodeURIComponent(t)}`}`,
        );
      for (const bad of [undefined, "", "wrong-token", token.slice(0, -1), `${token}x`]) {
        const res = await handshake(bad);
        expect(res.status).toBe(403);
        expect(await res.text()).not.toContain("4242");
      }
      const ok = await handshake(token);
      expect([ok.status, await ok.text()]).toEqual([200, "4242"]);
    },
  );
});
