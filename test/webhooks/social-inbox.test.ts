// Facebook, Instagram, SMS (Twilio) and X in the unified inbox, end to end: connect through
// Tatu's integration routes, receive through signed webhooks posted by the stand-ins (Meta
// HMAC, Twilio's own signing library) or DM polling, reply, and survive replays, shuffles,
// forgeries and the 24-hour window.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMetaStandIn, newPsid, type MetaStandIn } from "../../standins/meta/index.ts";
import { startTwilioStandIn, type TwilioStandIn } from "../../standins/twilio/index.ts";
import { startTwitterStandIn, type TwitterStandIn } from "../../standins/twitter/index.ts";
import { isolatedDatabaseUrl, startTestApp, type TestApp, webhooksProcessed } from "../helpers/app.ts";
import { signedInUser } from "../helpers/accounts.ts";
import { openSocket, until } from "../helpers/realtime.ts";
import type { HttpClient } from "../helpers/http.ts";

let meta: MetaStandIn, twilio: TwilioStandIn, x: TwitterStandIn;
let app: TestApp;
let artist: { client: HttpClient; email: string; userId: string };
let page: ReturnType<MetaStandIn["addPage"]>;
const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082",
  "hex",
);

const conversations = async (channel: string) =>
  (await artist.client.get(`/api/inbox/conversations?channel=${channel}`)).body.items;
const messagesOf = async (conversationId: string) =>
  (await artist.client.get(`/api/inbox/conversations/${conversationId}/messages`)).body.items;
const shuffle = <T>(xs: T[]) =>
  xs
    .map((v) => [Math.random(), v] as const)
    .sort((a, b) => a[0] - b[0])
    .map(([, v]) => v);

/** Browser hop: our /auth → provider consent → our /callback → 303 to /integrations. */
async function connectVia(route: string) {
  const start = await artist.client.raw("GET", `/api/integrations/${route}/auth`);
  expect(start.status).toBe(302);
  const consent = await fetch(start.headers.get("location")!, { redirect: "manual" });
  const callback = new URL(consent.headers.get("location")!);
  const done = await artist.client.raw("GET", callback.pathname + callback.search);
  expect(done.status).toBe(303);
  return new URL(done.headers.get("location")!);
}

beforeAll(async () => {
  [meta, twilio, x] = await Promise.all([startMetaStandIn(), startTwilioStandIn(), startTwitterStandIn()]);
  app = await startTestApp({
    publicUrl: true,
    databaseUrl: await isolatedDatabaseUrl(),
    env: { ...meta.env(), ...twilio.env(), ...x.env() },
  });
  artist = await signedInUser(app, { role: "artist" });
});
afterAll(async () => {
  await app?.close();
  await Promise.all([meta?.close(), twilio?.close(), x?.close()]);
});

describe("Facebook Messenger and Instagram", () => {
  it("one Facebook login connects the Page and its Instagram account, subscribed to webhooks", async () => {
    const user = meta.addUser({ name: "Ink Owner" });
    page = meta.addPage(user.id, { name: "Black Lotus Tattoo", instagram: { username: "blacklotus.ink" } });
    meta.consentAs(user.id);
    const back = await connectVia("facebook");
    expect(back.searchParams.get("connected")).toBeTruthy();
    const items = (await artist.client.get("/api/integrations")).body.items;
    expect(items.map((a: { provider: string; address: string }) => [a.provider, a.address]).sort()).toEqual([
      ["facebook", "Black Lotus Tattoo"],
      ["instagram", "@blacklotus.ink"],
    ]);
    expect(meta.subscriptions().map((s) => s.pageId)).toContain(page.id);
  });

  it("the smoke check reads the granted scopes and the webhook subscription from Meta", async () => {
    const items = (await artist.client.get("/api/integrations")).body.items as { id: string; provider: string }[];
    for (const provider of ["facebook", "instagram"]) {
      const smoke = await artist.client.post(
        `/api/integrations/${items.find((a) => a.provider === provider)!.id}/smoke`,
      );
      expect(smoke.status).toBe(200);
      expect(smoke.body).toMatchObject({ provider, ok: true });
      expect(smoke.body.checks.map((c: { name: string }) => c.name)).toEqual([
        provider === "facebook" ? "page" : "instagram account",
        "granted scopes",
        "webhook subscription",
      ]);
    }
    // A Page owner who later removes a permission in their Facebook settings: the smoke names it.
    const user = meta.addUser({ name: "Partial Owner" });
    meta.addPage(user.id, { name: "Half Granted" });
    meta.consentAs(user.id);
    await connectVia("facebook");
    meta.revokePermission(user.id, "pages_messaging");
    const half = ((await artist.client.get("/api/integrations")).body.items as { id: string; address: string }[]).find(
      (a) => a.address === "Half Granted",
    )!;
    const smoke = await artist.client.post(`/api/integrations/${half.id}/smoke`);
    expect(smoke.body.ok).toBe(false);
    expect(smoke.body.checks.find((c: { name: string }) => c.name === "granted scopes")).toMatchObject({
      ok: false,
      detail: "not granted: pages_messaging",
    });
    expect(JSON.stringify(smoke.body)).not.toContain(meta.env().FACEBOOK_APP_SECRET!);
    const other = (await signedInUser(app, { role: "artist" })).client;
    expect((await other.post(`/api/integrations/${half.id}/smoke`)).status).toBe(404);
    expect((await artist.client.delete(`/api/integrations/${half.id}`)).status).toBe(200);
  });

  it("a signed message lands in the inbox once and is pushed live; replays and shuffled receipts change nothing", async () => {
    const socket = await openSocket(app.url, artist.client);
    const psid = newPsid();
    const msg = meta.customerMessage(page.id, {
      psid,
      name: "Rae Ortiz",
      text: "Hi! Do you do walk-ins?",
      attachments: [{ filename: "idea.png", contentType: "image/png", content: PNG }],
    });
    const first = await meta.postWebhook(`${app.url}/api/webhooks/facebook`, msg);
    expect(first.status).toBe(200);
    const pushed = await socket.waitFor((e) => e.type === "message.created" && e.channel === "facebook", 5000);
    socket.close();
    for (let i = 0; i < 2; i++)
      expect((await meta.postWebhook(`${app.url}/api/webhooks/facebook`, msg)).status).toBe(200);

    const [conv] = await conversations("facebook");
    expect(conv).toMatchObject({ id: pushed.conversationId, contact: { handle: psid }, unreadCount: 1 });
    const [m] = await messagesOf(conv.id);
    expect(m).toMatchObject({ direction: "inbound", text: "Hi! Do you do walk-ins?" });
    expect(m.attachments).toHaveLength(1);
    expect((await artist.client.bytes(m.attachments[0].url)).body.equals(PNG)).toBe(true);
    expect(await app.ctx.db.webhookEvent.count({ where: { source: "facebook", status: { not: "rejected" } } })).toBe(1);

    // Reply, then Meta's echo, delivery and read receipt arrive shuffled, each three times.
    const reply = await artist.client.post(`/api/inbox/conversations/${conv.id}/reply`, {
      text: "Walk-ins on Saturdays!",
    });
    expect(reply.body.status).toBe("sent");
    const [sent] = meta.sent(page.id);
    expect(sent).toMatchObject({ recipientId: psid, text: "Walk-ins on Saturdays!", messagingType: "RESPONSE" });
    const stored = await app.ctx.db.message.findUniqueOrThrow({ where: { id: reply.body.messageId } });
    expect((await messagesOf(conv.id))[0]).toMatchObject({ id: stored.id, seenBack: null }); // sent, not yet reported back
    const payloads = [
      meta.echo(page.id, stored.externalId),
      meta.deliveryReceipt(page.id, { psid, mids: [stored.externalId] }),
      meta.readReceipt(page.id, { psid, watermark: new Date(Date.now() + 1000) }),
    ];
    for (const p of shuffle([...payloads, ...payloads, ...payloads]))
      expect((await meta.postWebhook(`${app.url}/api/webhooks/facebook`, p)).status).toBe(200);
    await until(
      async () => (await app.ctx.db.message.findUniqueOrThrow({ where: { id: stored.id } })).status === "read",
      5000,
      "the read receipt",
    );
    await webhooksProcessed(app, "facebook", 5000);
    expect(await app.ctx.db.message.count({ where: { conversationId: conv.id } })).toBe(2); // the echo is our reply, not a third message
    // Meta reported the reply back: the round trip `tatu smoke facebook` checks.
    expect((await messagesOf(conv.id))[0]).toMatchObject({
      id: stored.id,
      seenBack: { via: "webhook", at: expect.any(String) },
    });
  });

  it("rejects forged, tampered and unsigned posts with 401 and stores no message", async () => {
    const msg = meta.customerMessage(page.id, { psid: newPsid(), text: "forged" });
    expect(
      (await meta.postWebhook(`${app.url}/api/webhooks/facebook`, msg, { secret: "not-the-app-secret" })).status,
    ).toBe(401);
    expect((await meta.postWebhook(`${app.url}/api/webhooks/facebook`, msg, { tamper: true })).status).toBe(401);
    expect((await meta.postWebhook(`${app.url}/api/webhooks/facebook`, msg, { omitSignature: true })).status).toBe(401);
    expect(await app.ctx.db.message.count({ where: { text: "forged" } })).toBe(0);
    const m = (await app.client().get("/api/admin/metrics", { authorization: `Bearer ${app.ctx.config.cronSecret}` }))
      .body;
    expect(m.windows["15m"].providers.facebook.webhooksRejectedSignature).toBe(3);
  });

  it("Instagram messages land in their own conversation and are answered through Instagram", async () => {
    const igsid = newPsid();
    await meta.postWebhook(
      `${app.url}/api/webhooks/instagram`,
      meta.customerMessage(page.instagram!.id, { psid: igsid, name: "lena.draws", text: "Love your flash sheet!" }),
    );
    await until(async () => (await conversations("instagram")).length === 1, 5000, "the Instagram message");
    const [conv] = await conversations("instagram");
    const reply = await artist.client.post(`/api/inbox/conversations/${conv.id}/reply`, {
      text: "Thank you! Which piece?",
    });
    expect(reply.body.status).toBe("sent");
    expect(meta.sent(page.instagram!.id)).toEqual([
      expect.objectContaining({ recipientId: igsid, text: "Thank you! Which piece?" }),
    ]);
  });

  it("enforces the 24-hour window with a clear error the UI can show", async () => {
    const psid = newPsid();
    await meta.postWebhook(
      `${app.url}/api/webhooks/facebook`,
      meta.customerMessage(page.id, { psid, text: "Old question", at: new Date(Date.now() - 25 * 3_600_000) }),
    );
    await until(
      async () =>
        (await conversations("facebook")).some((c: { contact: { handle: string } }) => c.contact.handle === psid),
      5000,
      "the old message",
    );
    const conv = (await conversations("facebook")).find(
      (c: { contact: { handle: string } }) => c.contact.handle === psid,
    );
    const detail = await artist.client.get(`/api/inbox/conversations/${conv.id}`);
    expect(detail.body.replyWindow).toMatchObject({ hours: 24, open: false });
    const res = await artist.client.post(`/api/inbox/conversations/${conv.id}/reply`, { text: "Sorry for the delay" });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: "REPLY_WINDOW_CLOSED", closedAt: expect.any(String) });
    expect(res.body.error.message).toMatch(/24 hours/);
  });
});

describe("SMS through Twilio", () => {
  let number: string;
  it("connects the studio number and points its SMS webhook at Tatu", async () => {
    // A number of the server's account: an admin assigned it to this artist first.
    const assigned = await app
      .client()
      .put(
        `/api/admin/twilio-numbers/${encodeURIComponent(twilio.env().TWILIO_PHONE_NUMBER!)}`,
        { email: artist.email },
        { authorization: `Bearer ${app.ctx.config.cronSecret}` },
      );
    expect(assigned.status).toBe(200);
    const res = await artist.client.post("/api/integrations/twilio/connect", {});
    expect(res.status).toBe(201);
    number = res.body.account.address;
    expect(twilio.number(number)!.smsUrl).toBe(`${app.url}/api/webhooks/twilio`);
    // Assigned, but not on the server's Twilio account.
    await app
      .client()
      .put(
        "/api/admin/twilio-numbers/%2B15550001111",
        { email: artist.email },
        { authorization: `Bearer ${app.ctx.config.cronSecret}` },
      );
    const unknown = await artist.client.post("/api/integrations/twilio/connect", { phoneNumber: "+15550001111" });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe("TWILIO_NUMBER_NOT_FOUND");
  });

  it("stores an MMS once (replayed 3×) with its pictures, and rejects unsigned or forged posts with 403", async () => {
    const delivery = await twilio.inbound(undefined, {
      from: "+14155550123",
      to: number,
      body: "Here are my refs",
      media: [
        { contentType: "image/png", content: PNG },
        { contentType: "image/png", content: Buffer.concat([PNG, Buffer.from([0])]) },
      ],
    });
    expect(delivery.status).toBe(200);
    expect(delivery.body).toContain("<Response>");
    for (let i = 0; i < 2; i++) await twilio.postWebhook(`${app.url}/api/webhooks/twilio`, delivery.params);
    await until(async () => (await conversations("twilio")).length === 1, 5000, "the SMS");
    const [conv] = await conversations("twilio");
    expect(conv.contact.handle).toBe("+14155550123");
    const msgs = await messagesOf(conv.id);
    expect(msgs).toHaveLength(1);
    expect(msgs[0].attachments).toHaveLength(2);
    expect(
      (await twilio.postWebhook(`${app.url}/api/webhooks/twilio`, delivery.params, { omitSignature: true })).status,
    ).toBe(403);
    expect((await twilio.postWebhook(`${app.url}/api/webhooks/twilio`, delivery.params, { tamper: true })).status).toBe(
      403,
    );
    expect(
      (
        await twilio.postWebhook(`${app.url}/api/webhooks/twilio`, delivery.params, {
          authToken: "someone-elses-token",
        })
      ).status,
    ).toBe(403);
  });

  it("replies by SMS and follows status callbacks to delivered, even out of order", async () => {
    const [conv] = await conversations("twilio");
    const reply = await artist.client.post(`/api/inbox/conversations/${conv.id}/reply`, {
      text: "Got them — see you Friday",
    });
    expect(reply.status).toBe(202);
    // The send runs from the queue after the 202 (inline: in the background).
    await until(() => twilio.sent().some((s) => s.body === "Got them — see you Friday"), 5000, "the SMS send");
    const sent = twilio.sent().at(-1)!;
    expect(sent).toMatchObject({ from: number, to: "+14155550123", body: "Got them — see you Friday" });
    const stored = await app.ctx.db.message.findUniqueOrThrow({ where: { id: reply.body.messageId } });
    expect(stored.externalId).toBe(sent.sid);
    await twilio.deliverStatus(sent.sid, "delivered");
    await twilio.deliverStatus(sent.sid, "sent"); // late and out of order: must not move it back
    await twilio.deliverStatus(sent.sid, "delivered"); // duplicate
    await webhooksProcessed(app, "twilio-status", 5000, "status processing");
    expect((await app.ctx.db.message.findUniqueOrThrow({ where: { id: stored.id } })).status).toBe("delivered");
  });
});

describe("OAuth state cannot be tampered with", () => {
  it("rejects a forged Facebook state and an unknown X request token", async () => {
    const fb = await artist.client.get("/api/integrations/facebook/callback?code=abc&state=forged");
    expect([fb.status, fb.body.error.code]).toEqual([400, "OAUTH_STATE_INVALID"]);
    const tw = await artist.client.get("/api/integrations/twitter/callback?oauth_token=forged&oauth_verifier=123");
    expect([tw.status, tw.body.error.code]).toEqual([400, "OAUTH_STATE_INVALID"]);
  });
});

describe("X direct messages", () => {
  it("connects with OAuth 1.0a, polls DMs through the cron, and replies in the conversation", async () => {
    const me = x.addUser({ username: "inkbyjo", name: "Ink by Jo" });
    const fan = x.addUser({ username: "tattoofan", name: "Tattoo Fan" });
    x.consentAs(me.id);
    const back = await connectVia("twitter");
    expect(back.searchParams.get("connected")).toBeTruthy();
    x.dm(fan.id, me.id, { text: "Are you booking in December?" });
    const cron = await app
      .client()
      .get("/api/cron/sync-messages", { authorization: `Bearer ${app.ctx.config.cronSecret}` });
    expect(cron.status).toBe(200);
    await until(async () => (await conversations("twitter")).length === 1, 8000, "the DM");
    const [conv] = await conversations("twitter");
    expect(conv.contact.handle).toBe(fan.id);
    const reply = await artist.client.post(`/api/inbox/conversations/${conv.id}/reply`, {
      text: "Yes! DM me your idea.",
    });
    expect(reply.body.status).toBe("sent");
    expect(x.sent(me.id)).toEqual([expect.objectContaining({ text: "Yes! DM me your idea." })]);
  });
});
