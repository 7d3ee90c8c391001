// Facebook Messenger + Instagram providers and their webhook sources against the Meta
// stand-in (Facebook Login, Graph API, CDN). Signatures are computed in the test with
// node:crypto, never with the code under test.
import { createHmac, randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { hubChallenge } from "../../service/providers/meta/index.ts";
import { channelProvider } from "../../service/providers/registry.ts";
import { facebookWebhook, instagramWebhook } from "../../service/providers/meta/webhook.ts";
import { CONVERSATIONS_PER_PAGE, MESSAGES_PER_REQUEST } from "../../service/providers/meta/sync.ts";
import { ProviderError } from "../../service/providers/kit/errors.ts";
import type { Draft, OAuthConnect, ProviderEnv } from "../../service/providers/kit/channel.ts";
import { WebhookParseError, type RawWebhook } from "../../service/providers/kit/webhook.ts";
import { newPsid, startMetaStandIn, type MetaStandIn } from "../../standins/meta/index.ts";
import {
  accountFrom,
  authorize,
  connect,
  drain,
  providerEnv,
  REDIRECT_URI,
  sha256,
  signedWebhook,
  Store,
} from "./meta-helpers.ts";

import { rejection } from "../helpers/rejection.ts";
import { suiteResources } from "../helpers/suite.ts";

// As the service uses them: through the registry, which classifies what they throw.
const facebookProvider = channelProvider("facebook")!;
const instagramProvider = channelProvider("instagram")!;

let standIn: MetaStandIn;
let env: ProviderEnv;
let secret: string;

const hours = (n: number) => new Date(Date.now() - n * 3_600_000);
const fbOAuth = facebookProvider.connect as OAuthConnect;

/** A user with a Page linked to Instagram and a second Page without, connected through Facebook Login. */
async function studio(tag = randomBytes(3).toString("hex")) {
  const user = standIn.addUser({ name: `Rosa ${tag}` });
  const main = standIn.addPage(user.id, { name: `Rosa Ink ${tag}`, instagram: { username: `rosa.ink.${tag}` } });
  const second = standIn.addPage(user.id, { name: `Rosa Flash ${tag}` });
  const connected = await connect(env, facebookProvider, standIn, user.id);
  const fb = accountFrom(connected);
  const ig = accountFrom(connected.linked!.find((a) => a.provider === "instagram")!);
  return { user, main, second, connected, fb, ig };
}

function draft(to: string, text: string, attachments: Draft["attachments"] = []): Draft {
  return { threadKey: to, to: [{ handle: to }], cc: [], text, attachments };
}

suiteResources(async (track) => {
  standIn = track(await startMetaStandIn());
  env = providerEnv(standIn.env());
  secret = standIn.env().FACEBOOK_APP_SECRET!;
});

describe("connect (Facebook Login → Pages → Instagram)", () => {
  it("sends the user to the login dialog with the app id, redirect, state and messaging scopes (no PKCE)", () => {
    const url = new URL(
      fbOAuth.authorizationUrl(env, { state: "s1", redirectUri: REDIRECT_URI, codeChallenge: "c".repeat(43) }),
    );
    expect(url.origin + url.pathname).toBe(`${standIn.url}/v21.0/dialog/oauth`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: standIn.env().FACEBOOK_APP_ID,
      redirect_uri: REDIRECT_URI,
      state: "s1",
      response_type: "code",
      scope: "pages_show_list,pages_messaging,pages_manage_metadata,instagram_basic,instagram_manage_messages",
    });
    expect(fbOAuth.redirectUri(env)).toBe(REDIRECT_URI);
    expect(facebookProvider.connect.route).toBe("facebook");
    expect(instagramProvider.connect.route).not.toBe("facebook");
  });

  it("yields the first Page as primary, the other Page and the linked Instagram account as linked, each subscribed to webhooks", async () => {
    const before = standIn.subscriptions().length;
    const { main, second, user, connected } = await studio();
    expect(connected).toMatchObject({
      provider: "facebook",
      externalId: main.id,
      address: main.name,
      credentials: {
        pageAccessToken: main.accessToken,
        pageId: main.id,
        userAccessToken: expect.stringMatching(/^EAA/),
      },
    });
    expect(connected.scopes).toEqual(expect.arrayContaining(["pages_messaging", "instagram_manage_messages"]));
    expect(connected.linked).toHaveLength(2);
    expect(connected.linked).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          provider: "facebook",
          externalId: second.id,
          address: second.name,
          credentials: expect.objectContaining({ pageAccessToken: second.accessToken, pageId: second.id }),
        }),
        expect.objectContaining({
          provider: "instagram",
          externalId: main.instagram!.id,
          address: `@${main.instagram!.username}`,
          credentials: { pageAccessToken: main.accessToken, pageId: main.id, igId: main.instagram!.id },
        }),
      ]),
    );
    // Credentials survive the JSON round trip of encryption at rest.
    for (const a of [connected, ...connected.linked!])
      expect(JSON.parse(JSON.stringify(a.credentials))).toEqual(a.credentials);
    const subs = standIn.subscriptions().slice(before);
    expect(subs.map((s) => s.pageId).sort()).toEqual([main.id, second.id].sort());
    for (const s of subs)
      expect(s.fields.sort()).toEqual([
        "message_deliveries",
        "message_echoes",
        "message_reads",
        "messages",
        "messaging_postbacks",
      ]);
    expect(user.id).toBeTruthy();
  });

  it("the Instagram connect makes the Instagram account primary", async () => {
    const user = standIn.addUser();
    const page = standIn.addPage(user.id, { name: "Ink Gram", instagram: { username: "ink.gram" } });
    const back = await authorize(env, instagramProvider, standIn, user.id);
    const connected = await (instagramProvider.connect as OAuthConnect).exchangeCode(env, {
      code: back.searchParams.get("code")!,
      redirectUri: REDIRECT_URI,
      codeVerifier: "",
    });
    expect(connected).toMatchObject({ provider: "instagram", externalId: page.instagram!.id, address: "@ink.gram" });
    expect(connected.linked).toEqual([expect.objectContaining({ provider: "facebook", externalId: page.id })]);
  });

  it("a login without Pages fails with NO_PAGES in plain words", async () => {
    const user = standIn.addUser();
    const back = await authorize(env, facebookProvider, standIn, user.id);
    const err = await rejection(
      fbOAuth.exchangeCode(env, { code: back.searchParams.get("code")!, redirectUri: REDIRECT_URI, codeVerifier: "" }),
    );
    expect(err).toMatchObject({ errorClass: "permanent", code: "NO_PAGES" });
    expect(err.message).toMatch(/Facebook Page/);
  });

  it("a declined messaging permission is refused; a denied login comes back as user_denied", async () => {
    const user = standIn.addUser();
    standIn.addPage(user.id, { name: "Half Granted" });
    standIn.consentAs(user.id, { decline: ["pages_messaging"] });
    const state = "st";
    let res = await fetch(fbOAuth.authorizationUrl(env, { state, redirectUri: REDIRECT_URI, codeChallenge: "" }), {
      redirect: "manual",
    });
    const code = new URL(res.headers.get("location")!).searchParams.get("code")!;
    const err = await rejection(fbOAuth.exchangeCode(env, { code, redirectUri: REDIRECT_URI, codeVerifier: "" }));
    expect(err).toMatchObject({ errorClass: "permanent", code: "META_PERMISSIONS_DECLINED" });

    standIn.denyNextConsent();
    res = await fetch(fbOAuth.authorizationUrl(env, { state, redirectUri: REDIRECT_URI, codeChallenge: "" }), {
      redirect: "manual",
    });
    const back = new URL(res.headers.get("location")!);
    expect(Object.fromEntries(back.searchParams)).toMatchObject({
      error: "access_denied",
      error_reason: "user_denied",
      state,
    });
    expect(back.searchParams.get("code")).toBeNull();
  });

  it("a code can be redeemed once", async () => {
    const user = standIn.addUser();
    standIn.addPage(user.id, { name: "Once" });
    const back = await authorize(env, facebookProvider, standIn, user.id);
    const code = back.searchParams.get("code")!;
    await fbOAuth.exchangeCode(env, { code, redirectUri: REDIRECT_URI, codeVerifier: "" });
    const err = await rejection(fbOAuth.exchangeCode(env, { code, redirectUri: REDIRECT_URI, codeVerifier: "" }));
    expect(err.errorClass).toBe("permanent");
  });

  it("a wrong app secret is a configuration error, not something to retry", async () => {
    const user = standIn.addUser();
    standIn.addPage(user.id, { name: "Misconfigured" });
    const back = await authorize(env, facebookProvider, standIn, user.id);
    const wrong = providerEnv({ ...standIn.env(), FACEBOOK_APP_SECRET: "not-the-secret" });
    const err = await rejection(
      fbOAuth.exchangeCode(wrong, {
        code: back.searchParams.get("code")!,
        redirectUri: REDIRECT_URI,
        codeVerifier: "",
      }),
    );
    expect(err).toMatchObject({ errorClass: "permanent", code: "META_NOT_CONFIGURED" });
    expect(err.message).not.toContain("not-the-secret");
  });
});

describe("webhook signature (X-Hub-Signature-256)", () => {
  const payload = { object: "page", entry: [] };

  it("accepts the HMAC-SHA256 of the raw body with the app secret", () => {
    expect(facebookWebhook.verify(env, signedWebhook(payload, secret))).toEqual({ ok: true });
    expect(instagramWebhook.verify(env, signedWebhook({ object: "instagram", entry: [] }, secret))).toEqual({
      ok: true,
    });
    // Uppercase hex is the same signature.
    const body = Buffer.from(JSON.stringify(payload));
    const upper = `sha256=${createHmac("sha256", secret).update(body).digest("hex").toUpperCase()}`;
    expect(facebookWebhook.verify(env, signedWebhook(payload, secret, { header: upper, body })).ok).toBe(true);
  });

  it("rejects missing, other-secret, truncated, sha1, and body-changed signatures with a reason", () => {
    const cases: RawWebhook[] = [
      signedWebhook(payload, secret, { header: null }),
      signedWebhook(payload, "another-apps-secret"),
      (() => {
        const r = signedWebhook(payload, secret);
        r.headers["x-hub-signature-256"] = r.headers["x-hub-signature-256"]!.slice(0, -2);
        return r;
      })(),
      signedWebhook(payload, secret, {
        header: `sha1=${createHmac("sha1", secret).update(JSON.stringify(payload)).digest("hex")}`,
      }),
      signedWebhook(payload, secret, { header: "sha256=" }),
      (() => {
        const r = signedWebhook(payload, secret);
        return { ...r, rawBody: Buffer.from(JSON.stringify({ ...payload, x: 1 })) };
      })(),
    ];
    for (const req of cases) {
      const v = facebookWebhook.verify(env, req);
      expect(v.ok).toBe(false);
      if (!v.ok) expect(v.reason).toMatch(/X-Hub-Signature-256/);
    }
    expect(facebookWebhook.rejectStatus).toBe(401);
    expect(facebookWebhook.contentTypes).toEqual(["application/json"]);
  });

  it("rejects everything while FACEBOOK_APP_SECRET is unset", () => {
    const bare = providerEnv({});
    expect(facebookWebhook.verify(bare, signedWebhook(payload, secret)).ok).toBe(false);
  });

  it("answers the subscription handshake only with the verify token", () => {
    const q = (token: string) =>
      new URLSearchParams({ "hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": token });
    expect(hubChallenge(env, q(standIn.env().FACEBOOK_WEBHOOK_VERIFY_TOKEN!))).toBe("1158201444");
    expect(hubChallenge(env, q("guess"))).toBeUndefined();
  });

  it("the stand-in's postWebhook signs as Meta does (and its tampering is caught)", async () => {
    const seen: Array<{ ok: boolean; items: number }> = [];
    const server = http.createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const raw: RawWebhook = {
        rawBody: Buffer.concat(chunks),
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
        publicUrl: "",
      };
      const ok = facebookWebhook.verify(env, raw).ok;
      seen.push({ ok, items: ok ? facebookWebhook.parse(env, raw).length : 0 });
      res.writeHead(ok ? 200 : 401).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const target = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhooks/facebook`;
    try {
      const { main } = await studio();
      const payload = standIn.customerMessage(main.id, { psid: newPsid(), text: "hello" });
      expect((await standIn.postWebhook(target, payload)).status).toBe(200);
      expect((await standIn.postWebhook(target, payload, { tamper: true })).status).toBe(401);
      expect((await standIn.postWebhook(target, payload, { omitSignature: true })).status).toBe(401);
      expect((await standIn.postWebhook(target, payload, { secret: "not-the-app-secret" })).status).toBe(401);
      expect(seen).toEqual([
        { ok: true, items: 1 },
        { ok: false, items: 0 },
        { ok: false, items: 0 },
        { ok: false, items: 0 },
      ]);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe("webhook parsing", () => {
  const parse = (payload: unknown, handler = facebookWebhook) => handler.parse(env, signedWebhook(payload, secret));

  it("a text message: inbound, threaded by PSID, event id = mid", async () => {
    const { main } = await studio();
    const psid = newPsid();
    const at = new Date(Date.now() - 60_000);
    const payload = standIn.customerMessage(main.id, { psid, name: "Carla", text: "Can I book a sleeve?", at });
    const [item, ...rest] = parse(payload);
    expect(rest).toHaveLength(0);
    const mid = payload.entry[0]!.messaging[0]!.message as { mid: string };
    expect(item).toMatchObject({
      eventId: mid.mid,
      channel: "facebook",
      accountExternalId: main.id,
      message: {
        externalId: mid.mid,
        threadKey: psid,
        direction: "inbound",
        from: { handle: psid },
        to: [{ handle: main.id }],
        text: "Can I book a sleeve?",
        seen: false,
        attachments: [],
      },
    });
    expect(item!.message!.sentAt.getTime()).toBe(at.getTime());
    expect(item!.remoteAttachments).toBeUndefined();
  });

  it("attachments become remote attachments that download byte-identical; text-less messages get empty text", async () => {
    const { main } = await studio();
    const photo = randomBytes(40_000);
    const payload = standIn.customerMessage(main.id, {
      psid: newPsid(),
      attachments: [{ filename: "arm.jpg", contentType: "image/jpeg", content: photo }],
    });
    const [item] = parse(payload);
    expect(item!.message!.text).toBe("");
    expect(item!.remoteAttachments).toHaveLength(1);
    const got = await facebookWebhook.download!(env, item!.remoteAttachments![0]!);
    expect(sha256(got.content)).toBe(sha256(photo));
    expect(got).toMatchObject({ contentType: "image/jpeg", filename: "arm.jpg" });
  });

  it("downloads are capped by ATTACHMENT_MAX_MB and expired CDN links fail permanently", async () => {
    const small = providerEnv({ ...standIn.env(), ATTACHMENT_MAX_MB: "1" });
    const { main } = await studio();
    const big = standIn.customerMessage(main.id, {
      psid: newPsid(),
      attachments: [{ filename: "big.mp4", contentType: "video/mp4", content: randomBytes(1_200_000) }],
    });
    const [item] = parse(big);
    expect(await rejection(facebookWebhook.download!(small, item!.remoteAttachments![0]!))).toMatchObject({
      errorClass: "permanent",
      code: "ATTACHMENT_TOO_LARGE",
    });
    const forged = { url: item!.remoteAttachments![0]!.url.replace(/oh=[0-9a-f]+/, "oh=00") };
    expect(await rejection(facebookWebhook.download!(env, forged))).toMatchObject({
      errorClass: "permanent",
      code: "META_ATTACHMENT_UNAVAILABLE",
      status: 403,
    });
  });

  it("an echo of the Page's own send is outbound to the recipient, on the Page's account", async () => {
    const { main, fb } = await studio();
    const psid = newPsid();
    standIn.customerMessage(main.id, { psid, text: "hi" });
    const sent = await facebookProvider.send(env, fb, draft(psid, "Hello from the studio"));
    const [item] = parse(standIn.echo(main.id, sent.externalId));
    expect(item).toMatchObject({
      eventId: sent.externalId,
      accountExternalId: main.id,
      message: {
        externalId: sent.externalId,
        direction: "outbound",
        threadKey: psid,
        from: { handle: main.id },
        to: [{ handle: psid }],
        text: "Hello from the studio",
        seen: true,
      },
    });
  });

  it("delivery receipts (per mid, or a watermark) and read watermarks", async () => {
    const { main } = await studio();
    const psid = newPsid();
    const wm = new Date(Date.now() - 5_000);
    const byMid = parse(standIn.deliveryReceipt(main.id, { psid, mids: ["m_one", "m_two"], watermark: wm }));
    expect(byMid.map((i) => [i.eventId, i.status])).toEqual([
      ["delivery:m_one", { kind: "message", externalId: "m_one", status: "delivered", at: wm }],
      ["delivery:m_two", { kind: "message", externalId: "m_two", status: "delivered", at: wm }],
    ]);
    const [watermark] = parse(standIn.deliveryReceipt(main.id, { psid, watermark: wm }));
    expect(watermark).toMatchObject({
      eventId: `delivery:${psid}:${wm.getTime()}`,
      accountExternalId: main.id,
      status: { kind: "watermark", counterpartHandle: psid, status: "delivered", upTo: wm },
    });
    const [read] = parse(standIn.readReceipt(main.id, { psid, watermark: wm }));
    expect(read).toMatchObject({
      eventId: `read:${psid}:${wm.getTime()}`,
      status: { kind: "watermark", counterpartHandle: psid, status: "read", upTo: wm },
    });
    expect(read!.message).toBeUndefined();
  });

  it("Instagram: messages on the IG account, read receipts by mid", async () => {
    const { main, ig } = await studio();
    const igsid = newPsid();
    const [msg] = parse(
      standIn.customerMessage(main.instagram!.id, { psid: igsid, name: "carla.tattoo.fan", text: "price?" }),
      instagramWebhook,
    );
    expect(msg).toMatchObject({
      channel: "instagram",
      accountExternalId: main.instagram!.id,
      message: { direction: "inbound", threadKey: igsid, text: "price?" },
    });
    const sent = await instagramProvider.send(env, ig, draft(igsid, "From 150€"));
    const [read] = parse(standIn.readReceipt(main.instagram!.id, { psid: igsid }), instagramWebhook);
    expect(read).toMatchObject({
      eventId: `read:${sent.externalId}`,
      status: { kind: "message", externalId: sent.externalId, status: "read" },
    });
    // A Page payload is not an Instagram one.
    expect(() => parse(standIn.customerMessage(main.id, { psid: newPsid(), text: "x" }), instagramWebhook)).toThrow(
      WebhookParseError,
    );
  });

  it("a postback becomes an inbound message with the button title", async () => {
    const { main } = await studio();
    const psid = newPsid();
    const payload = standIn.postback(main.id, { psid, title: "Book a consultation" });
    const [item] = parse(payload);
    const mid = (payload.entry[0]!.messaging[0]!.postback as { mid: string }).mid;
    expect(item).toMatchObject({
      eventId: mid,
      message: { externalId: mid, direction: "inbound", threadKey: psid, text: "Book a consultation" },
    });
  });

  it("batched entries and items each become an item; unknown kinds are skipped", async () => {
    const { main, second } = await studio();
    const a = standIn.customerMessage(main.id, { psid: newPsid(), text: "one" });
    const b = standIn.customerMessage(main.id, { psid: newPsid(), text: "two" });
    const c = standIn.customerMessage(second.id, { psid: newPsid(), text: "three" });
    const reaction = {
      sender: { id: "1" },
      recipient: { id: main.id },
      timestamp: Date.now(),
      reaction: { mid: "m_x", action: "react", emoji: "❤" },
    };
    const batch = {
      object: "page",
      entry: [
        { ...a.entry[0]!, messaging: [...a.entry[0]!.messaging, ...b.entry[0]!.messaging, reaction] },
        c.entry[0]!,
      ],
    };
    const items = parse(batch);
    expect(items.map((i) => [i.accountExternalId, i.message?.text])).toEqual([
      [main.id, "one"],
      [main.id, "two"],
      [second.id, "three"],
    ]);
    expect(new Set(items.map((i) => i.eventId)).size).toBe(3);
    for (const i of items) expect(i.payload).toBeTruthy();
  });

  it("malformed bodies are WebhookParseErrors", () => {
    const raw = (body: string) => facebookWebhook.parse(env, signedWebhook(null, secret, { body: Buffer.from(body) }));
    expect(() => raw("not json")).toThrow(WebhookParseError);
    expect(() => raw(JSON.stringify({ object: "page" }))).toThrow(WebhookParseError);
    expect(() => raw(JSON.stringify({ object: "user", entry: [] }))).toThrow(WebhookParseError);
    expect(() => raw(JSON.stringify({ object: "page", entry: [{ messaging: [] }] }))).toThrow(WebhookParseError);
    expect(raw(JSON.stringify({ object: "page", entry: [] }))).toEqual([]);
  });
});

describe("send", () => {
  it("text and an attachment reach the person through the Page, the message id is the externalId", async () => {
    const { main, fb } = await studio();
    const psid = newPsid();
    standIn.customerMessage(main.id, { psid, text: "Design?" });
    const sketch = randomBytes(30_000);
    const sent = await facebookProvider.send(
      env,
      fb,
      draft(psid, "Here's the sketch", [{ filename: "sketch.png", contentType: "image/png", content: sketch }]),
    );
    const out = standIn.sent(main.id);
    expect(out).toHaveLength(2);
    expect(out[0]).toMatchObject({
      messageId: sent.externalId,
      recipientId: psid,
      messagingType: "RESPONSE",
      text: "Here's the sketch",
    });
    expect(out[1]).toMatchObject({
      recipientId: psid,
      messagingType: "RESPONSE",
      attachment: { type: "image", filename: "sketch.png", contentType: "image/png" },
    });
    expect(sha256(out[1]!.attachment!.content)).toBe(sha256(sketch));
    expect(sent).toMatchObject({ status: "sent", threadKey: psid });
    expect(facebookProvider.capabilities).toEqual({ attachments: true, webhooks: true, replyWindowHours: 24 });
  });

  it("Instagram replies go to the IGSID through the Page token", async () => {
    const { main, ig } = await studio();
    const igsid = newPsid();
    standIn.customerMessage(main.instagram!.id, { psid: igsid, text: "hey" });
    const sent = await instagramProvider.send(env, ig, draft(igsid, "Hi!"));
    expect(standIn.sent(main.instagram!.id)).toMatchObject([
      { messageId: sent.externalId, recipientId: igsid, text: "Hi!" },
    ]);
    expect(standIn.sent(main.id)).toEqual([]);
  });

  it("after 24 hours Meta refuses: REPLY_WINDOW_CLOSED (Messenger and Instagram)", async () => {
    const { main, fb, ig } = await studio();
    const psid = newPsid();
    standIn.customerMessage(main.id, { psid, text: "old", at: hours(25) });
    expect(await rejection(facebookProvider.send(env, fb, draft(psid, "too late")))).toMatchObject({
      errorClass: "permanent",
      code: "REPLY_WINDOW_CLOSED",
    });
    const igsid = newPsid();
    standIn.customerMessage(main.instagram!.id, { psid: igsid, text: "old", at: hours(30) });
    expect(await rejection(instagramProvider.send(env, ig, draft(igsid, "too late")))).toMatchObject({
      errorClass: "permanent",
      code: "REPLY_WINDOW_CLOSED",
    });
    expect(standIn.sent(main.id)).toEqual([]);
  });

  it("an expired token is auth; 429 and (#32) are rate_limit with the wait Meta gives; 5xx is transient", async () => {
    const { main, fb } = await studio();
    const psid = newPsid();
    standIn.customerMessage(main.id, { psid, text: "hi" });

    standIn.failNext(1, { status: 429, retryAfter: 7, match: "/me/messages" });
    expect(await rejection(facebookProvider.send(env, fb, draft(psid, "a")))).toMatchObject({
      errorClass: "rate_limit",
      retryAfterMs: 7_000,
    });
    standIn.failNext(1, { code: 32, regainAccessMinutes: 3, match: "/me/messages" });
    expect(await rejection(facebookProvider.send(env, fb, draft(psid, "b")))).toMatchObject({
      errorClass: "rate_limit",
      retryAfterMs: 180_000,
      status: 400,
    });
    standIn.failNext(1, { status: 500, match: "/me/messages" });
    expect(await rejection(facebookProvider.send(env, fb, draft(psid, "c")))).toMatchObject({
      errorClass: "transient",
    });
    expect(standIn.sent(main.id)).toEqual([]);

    standIn.expireTokens(main.id);
    expect(await rejection(facebookProvider.send(env, fb, draft(psid, "d")))).toMatchObject({
      errorClass: "auth",
      code: "META_AUTH",
    });
    expect(await rejection(facebookProvider.sync(env, fb, null, {}))).toMatchObject({ errorClass: "auth" });
    expect((await facebookProvider.smoke(env, fb)).ok).toBe(false);
  });

  it("smoke checks the Page token", async () => {
    const { fb, ig } = await studio();
    expect(await facebookProvider.smoke(env, fb)).toMatchObject({ ok: true });
    expect(await instagramProvider.smoke(env, ig)).toMatchObject({ ok: true });
  });
});

describe("sync (Conversations API catch-up)", () => {
  const byText = (s: Store) => [...s.byId.values()].map((m) => [m.direction, m.text]).sort();

  it("returns the conversation's messages once, with directions, names and attachments; the next round yields nothing", async () => {
    const { main, fb } = await studio();
    const psid = newPsid();
    const pic = randomBytes(20_000);
    standIn.customerMessage(main.id, { psid, name: "Carla Client", text: "Hi! Flash available?", at: hours(3) });
    standIn.customerMessage(main.id, {
      psid,
      name: "Carla Client",
      attachments: [{ filename: "idea.png", contentType: "image/png", content: pic }],
      at: hours(2),
    });
    standIn.customerMessage(main.id, { psid: newPsid(), text: "before the window", at: hours(24 * 40) });
    await facebookProvider.send(env, fb, draft(psid, "Yes, Friday"));

    const store = new Store();
    await drain(facebookProvider, env, fb, store, { since: hours(24 * 30) });
    expect(byText(store)).toEqual([
      ["inbound", ""],
      ["inbound", "Hi! Flash available?"],
      ["outbound", "Yes, Friday"],
    ]);
    expect(store.yielded).toBe(3);
    const msgs = [...store.byId.values()];
    const inbound = msgs.find((m) => m.text === "Hi! Flash available?")!;
    expect(inbound).toMatchObject({
      direction: "inbound",
      threadKey: psid,
      from: { handle: psid, name: "Carla Client" },
      to: [{ handle: main.id }],
      seen: false,
    });
    const out = msgs.find((m) => m.direction === "outbound")!;
    expect(out).toMatchObject({
      threadKey: psid,
      from: { handle: main.id },
      to: [{ handle: psid, name: "Carla Client" }],
      seen: true,
    });
    const withPic = msgs.find((m) => m.attachments.length)!;
    expect(withPic.attachments.map((a) => [a.filename, a.contentType, sha256(a.content)])).toEqual([
      ["idea.png", "image/png", sha256(pic)],
    ]);

    await drain(facebookProvider, env, fb, store);
    expect(store.yielded).toBe(3);

    standIn.customerMessage(main.id, { psid, text: "See you!" });
    await drain(facebookProvider, env, fb, store);
    expect(store.yielded).toBe(4);
    expect(byText(store)).toContainEqual(["inbound", "See you!"]);
  });

  it("follows a long conversation's own paging back to the window start", async () => {
    const { main, fb } = await studio();
    const psid = newPsid();
    const total = MESSAGES_PER_REQUEST * 2 + 3;
    for (let i = 0; i < total; i++)
      standIn.customerMessage(main.id, { psid, text: `line ${i}`, at: hours(20 - i * 0.1) });
    standIn.customerMessage(main.id, { psid, text: "too old", at: hours(30) });
    const store = new Store();
    await drain(facebookProvider, env, fb, store, { since: hours(24) });
    expect(store.byId.size).toBe(total);
    expect([...store.byId.values()].every((m) => m.threadKey === psid)).toBe(true);
  });

  it("Instagram conversations come from platform=instagram with usernames", async () => {
    const { main, ig } = await studio();
    const igsid = newPsid();
    standIn.customerMessage(main.instagram!.id, { psid: igsid, name: "ink.lover", text: "dm", at: hours(1) });
    standIn.customerMessage(main.id, { psid: newPsid(), text: "messenger only", at: hours(1) });
    const store = new Store();
    await drain(instagramProvider, env, ig, store, { since: hours(48) });
    expect([...store.byId.values()]).toMatchObject([
      {
        direction: "inbound",
        text: "dm",
        threadKey: igsid,
        from: { handle: igsid, name: "ink.lover" },
        to: [{ handle: main.instagram!.id }],
      },
    ]);
  });

  it("resumes after a crash between pages without losing or re-walking conversations", async () => {
    const { main, fb } = await studio();
    const total = CONVERSATIONS_PER_PAGE + 5;
    for (let i = 0; i < total; i++)
      standIn.customerMessage(main.id, { psid: newPsid(), text: `m${i}`, at: hours(10 - i * 0.01) });
    const store = new Store();
    const first = await drain(facebookProvider, env, fb, store, { since: hours(24) }, 1);
    expect(first[0]!.messages).toHaveLength(CONVERSATIONS_PER_PAGE);
    await drain(facebookProvider, env, fb, store);
    expect(store.byId.size).toBe(total);
    expect(store.yielded).toBe(total);
  });

  it("a conversation that jumps ahead while the walk is between pages is not lost", async () => {
    const { main, fb } = await studio();
    const psids: string[] = [];
    for (let i = 0; i < CONVERSATIONS_PER_PAGE + 5; i++) {
      psids.push(newPsid());
      standIn.customerMessage(main.id, { psid: psids[i]!, text: `old ${i}`, at: hours(10 - i * 0.01) });
    }
    const store = new Store();
    let pages = 0;
    for await (const page of facebookProvider.sync(env, fb, null, { since: hours(24) })) {
      store.add(page);
      // The oldest conversation (page 2) gets a message while page 1 is being committed: it
      // moves to the head of the list, into the part already walked.
      if (pages++ === 0) standIn.customerMessage(main.id, { psid: psids[0]!, text: "new in the oldest" });
    }
    expect(store.byId.size).toBe(CONVERSATIONS_PER_PAGE + 6);
    expect(byText(store)).toContainEqual(["inbound", "old 0"]);
    const yielded = store.yielded;
    await drain(facebookProvider, env, fb, store);
    expect(store.yielded).toBe(yielded);
  });

  it("a re-sync since a date walks that window again (dedup by id keeps it harmless)", async () => {
    const { main, fb } = await studio();
    standIn.customerMessage(main.id, { psid: newPsid(), text: "a", at: hours(5) });
    const store = new Store();
    await drain(facebookProvider, env, fb, store, { since: hours(24) });
    await drain(facebookProvider, env, fb, store, { since: hours(24), full: true });
    expect(store.byId.size).toBe(1);
    expect(store.yielded).toBe(2);
  });

  it("rate limits during sync are classified", async () => {
    const { fb } = await studio();
    standIn.failNext(1, { code: 4, match: "/conversations" });
    expect(await rejection(facebookProvider.sync(env, fb, null, { since: hours(1) }))).toMatchObject({
      errorClass: "rate_limit",
    });
  });
});
