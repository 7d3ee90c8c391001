// Twilio SMS/MMS provider against the Twilio stand-in, through the real twilio SDK.
// Webhook signatures in these tests come from the twilio library (getExpectedTwilioSignature),
// never from the code under test.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { twilioProvider } from "../../service/providers/twilio/index.ts";
import { TwilioSession } from "../../service/providers/kit/twilio/session.ts";
import { classifyTwilioError } from "../../service/providers/kit/twilio/errors.ts";
import { twilioInboundWebhook, twilioStatusWebhook } from "../../service/providers/twilio/webhook.ts";
import { PAGE_SIZE } from "../../service/providers/twilio/sync.ts";
import { ProviderError } from "../../service/providers/kit/errors.ts";
import type { CredentialsConnect, Draft, ProviderAccount, ProviderEnv } from "../../service/providers/kit/channel.ts";
import { WebhookParseError } from "../../service/providers/kit/webhook.ts";
import { startTwilioStandIn, type TwilioStandIn } from "../../standins/twilio/index.ts";
import { deadPort } from "../helpers/net.ts";
import {
  accountFrom,
  drain,
  INBOUND_URL,
  lastAsRaw,
  phone,
  providerEnv,
  PUBLIC_URL,
  sha256,
  signedWebhook,
  startCapture,
  STATUS_URL,
  type Capture,
} from "./twilio-helpers.ts";

import { rejection } from "../helpers/rejection.ts";

let standIn: TwilioStandIn;
let env: ProviderEnv;
let capture: Capture;
const connect = twilioProvider.connect as CredentialsConnect;
const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

async function connectNumber(number?: string): Promise<ProviderAccount> {
  if (number) standIn.addNumber(number);
  return accountFrom(await connect.connect(env, connect.schema.parse(number ? { phoneNumber: number } : {})));
}

const draft = (to: string, text: string, extra: Partial<Draft> = {}): Draft => ({
  threadKey: to,
  to: [{ handle: to }],
  cc: [],
  text,
  attachments: [],
  ...extra,
});
const png = (n: number) => Buffer.concat([Buffer.from("89504e470d0a1a0a", "hex"), randomBytes(n)]);

beforeAll(async () => {
  standIn = await startTwilioStandIn();
  env = providerEnv(standIn.env());
  capture = await startCapture(twilioInboundWebhook.ack);
});
afterAll(async () => {
  await standIn?.close();
  await capture?.close();
});

describe("connect (server credentials + a studio number)", () => {
  it("connects the server's default number and points its Messaging webhook at Tatu", async () => {
    const number = standIn.env().TWILIO_PHONE_NUMBER!;
    const account = await connect.connect(env, connect.schema.parse({}));
    expect(account).toMatchObject({
      externalId: number,
      address: number,
      scopes: [],
      credentials: { phoneNumber: number, phoneSid: standIn.number(number)!.sid },
    });
    expect(JSON.stringify(account)).not.toContain(standIn.authToken);
    expect(standIn.number(number)).toMatchObject({ smsUrl: INBOUND_URL, smsMethod: "POST" });
    const smoke = await twilioProvider.smoke(env, accountFrom(account));
    expect(smoke.ok).toBe(true);
  });

  it("connects another number of the account given by the studio", async () => {
    const number = phone();
    const account = await connectNumber(number);
    expect(account.externalId).toBe(number);
    expect(standIn.number(number)!.smsUrl).toBe(INBOUND_URL);
    expect(twilioProvider.identityKind).toBe("sms");
  });

  it("refuses input that is not an E.164 number", async () => {
    expect(connect.schema.safeParse({ phoneNumber: "555-1234" }).success).toBe(false);
  });

  it("a number the Twilio account does not own → auth error TWILIO_NUMBER_NOT_FOUND", async () => {
    const number = phone();
    const err = await rejection(connect.connect(env, { phoneNumber: number }));
    expect(err).toMatchObject({ errorClass: "auth", code: "TWILIO_NUMBER_NOT_FOUND" });
    expect(err.message).toContain(number);
  });

  it("wrong server credentials (20003) → auth error saying the server's Twilio setup is wrong", async () => {
    const bad = providerEnv({ ...standIn.env(), TWILIO_AUTH_TOKEN: "not-the-token" });
    const err = await rejection(connect.connect(bad, {}));
    expect(err).toMatchObject({ errorClass: "auth", code: "TWILIO_AUTH_FAILED", status: 401 });
    expect(err.message).toMatch(/server's Twilio setup/);
    expect(err.message).not.toContain("not-the-token");
  });
});

describe("webhook signature (X-Twilio-Signature)", () => {
  const params = {
    MessageSid: `SM${randomBytes(16).toString("hex")}`,
    From: "+14155550100",
    To: "+15017122661",
    Body: "Hi! Is Friday free?",
    NumMedia: "0",
  };
  const token = () => standIn.authToken;

  it("accepts a request signed for the exact public URL, on both sources", async () => {
    const raw = signedWebhook(params, { token: token(), signedUrl: INBOUND_URL });
    expect(await twilioInboundWebhook.verify(env, raw)).toEqual({ ok: true });
    const status = signedWebhook(
      { MessageSid: params.MessageSid, MessageStatus: "delivered" },
      { token: token(), signedUrl: STATUS_URL },
    );
    expect(await twilioStatusWebhook.verify(env, status)).toEqual({ ok: true });
    expect([twilioInboundWebhook.rejectStatus, twilioStatusWebhook.rejectStatus]).toEqual([403, 403]);
  });

  it("rejects an unsigned request", async () => {
    const raw = signedWebhook(params, { token: token(), signedUrl: INBOUND_URL });
    delete raw.headers["x-twilio-signature"];
    expect((await twilioInboundWebhook.verify(env, raw)).ok).toBe(false);
  });

  it("rejects a signature made with another auth token", async () => {
    expect(
      (
        await twilioInboundWebhook.verify(
          env,
          signedWebhook(params, { token: "another-accounts-token", signedUrl: INBOUND_URL }),
        )
      ).ok,
    ).toBe(false);
  });

  it("rejects a body changed after signing", async () => {
    const raw = signedWebhook(params, {
      token: token(),
      signedUrl: INBOUND_URL,
      body: { ...params, Body: "Hi! Is Saturday free?" },
    });
    expect((await twilioInboundWebhook.verify(env, raw)).ok).toBe(false);
    const added = signedWebhook(params, {
      token: token(),
      signedUrl: INBOUND_URL,
      body: { ...params, MediaUrl0: "https://api.twilio.com/x" },
    });
    expect((await twilioInboundWebhook.verify(env, added)).ok).toBe(false);
  });

  it("rejects a signature for another URL (http vs https, extra query, other path)", async () => {
    for (const publicUrl of [
      INBOUND_URL.replace("https:", "http:"),
      `${INBOUND_URL}?x=1`,
      `${PUBLIC_URL}/api/webhooks/twilio/status`,
    ]) {
      expect(
        (
          await twilioInboundWebhook.verify(
            env,
            signedWebhook(params, { token: token(), signedUrl: INBOUND_URL, publicUrl }),
          )
        ).ok,
        publicUrl,
      ).toBe(false);
    }
    // …while a query Twilio did sign is fine.
    expect(
      (
        await twilioInboundWebhook.verify(
          env,
          signedWebhook(params, { token: token(), signedUrl: `${INBOUND_URL}?studio=7` }),
        )
      ).ok,
    ).toBe(true);
  });

  it("rejects everything when the server has no auth token", async () => {
    const noToken = providerEnv({ TWILIO_ACCOUNT_SID: standIn.accountSid });
    expect(
      (await twilioInboundWebhook.verify(noToken, signedWebhook(params, { token: token(), signedUrl: INBOUND_URL })))
        .ok,
    ).toBe(false);
  });
});

describe("inbound texts (Twilio → Tatu, through the stand-in)", () => {
  const studio = phone();
  beforeAll(() => {
    standIn.addNumber(studio);
  });

  it("an SMS arrives signed; it parses to one inbound message threaded by the customer's number", async () => {
    const customer = phone();
    const d = await standIn.inbound(
      INBOUND_URL,
      { from: customer, to: studio, body: "Hey, do you do fine-line roses?" },
      { postTo: `${capture.url}/api/webhooks/twilio` },
    );
    expect(d).toMatchObject({ status: 200, body: EMPTY_TWIML });
    expect(d.contentType).toMatch(/^text\/xml/);
    const raw = lastAsRaw(capture, INBOUND_URL);
    expect(await twilioInboundWebhook.verify(env, raw)).toEqual({ ok: true });
    const items = twilioInboundWebhook.parse(env, raw);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      eventId: d.sid,
      channel: "twilio",
      accountExternalId: studio,
      message: {
        externalId: d.sid,
        threadKey: customer,
        direction: "inbound",
        from: { handle: customer },
        to: [{ handle: studio }],
        text: "Hey, do you do fine-line roses?",
        seen: false,
        attachments: [],
      },
    });
    expect(items[0]!.remoteAttachments).toBeUndefined();
    expect(items[0]!.message!.sentAt).toBeInstanceOf(Date);
  });

  it("a tampered or unsigned delivery from the stand-in fails verification", async () => {
    await standIn.inbound(
      INBOUND_URL,
      { from: phone(), to: studio, body: "deposit sent" },
      { postTo: capture.url, tamper: true },
    );
    expect((await twilioInboundWebhook.verify(env, lastAsRaw(capture, INBOUND_URL))).ok).toBe(false);
    await standIn.inbound(
      INBOUND_URL,
      { from: phone(), to: studio, body: "deposit sent" },
      { postTo: capture.url, omitSignature: true },
    );
    expect((await twilioInboundWebhook.verify(env, lastAsRaw(capture, INBOUND_URL))).ok).toBe(false);
  });

  it("an MMS with two pictures lists both as remote attachments; download is byte-identical through the CDN redirect", async () => {
    const customer = phone();
    const media = [
      { contentType: "image/jpeg", content: randomBytes(40_000) },
      { contentType: "image/png", content: png(70_000) },
    ];
    const d = await standIn.inbound(
      INBOUND_URL,
      { from: customer, to: studio, body: "", media },
      { postTo: capture.url },
    );
    const raw = lastAsRaw(capture, INBOUND_URL);
    expect((await twilioInboundWebhook.verify(env, raw)).ok).toBe(true);
    const [item] = twilioInboundWebhook.parse(env, raw);
    expect(item!.message).toMatchObject({ externalId: d.sid, text: "", threadKey: customer });
    expect(item!.remoteAttachments).toEqual([
      { url: d.mediaUrls[0], contentType: "image/jpeg", filename: expect.stringMatching(/^ME[0-9a-f]{32}\.jpg$/) },
      { url: d.mediaUrls[1], contentType: "image/png", filename: expect.stringMatching(/^ME[0-9a-f]{32}\.png$/) },
    ]);
    const before = standIn.requests().length;
    for (const [i, att] of item!.remoteAttachments!.entries()) {
      const got = await twilioInboundWebhook.download!(env, att);
      expect(sha256(got.content)).toBe(sha256(media[i]!.content));
      expect(got).toMatchObject({ contentType: media[i]!.contentType, filename: att.filename });
    }
    const calls = standIn.requests().slice(before);
    expect(calls.filter((c) => /\/Media\/ME[0-9a-f]{32}$/.test(c))).toHaveLength(2);
    expect(calls.filter((c) => c.startsWith("GET /mms-cdn/"))).toHaveLength(2);
  });

  it("media over ATTACHMENT_MAX_MB is refused; media on another host never gets our credentials", async () => {
    const small = providerEnv({ ...standIn.env(), ATTACHMENT_MAX_MB: "1" });
    const d = await standIn.inbound(
      INBOUND_URL,
      { from: phone(), to: studio, media: [{ contentType: "image/jpeg", content: randomBytes(1_200_000) }] },
      { postTo: capture.url },
    );
    const tooBig = await rejection(twilioInboundWebhook.download!(small, { url: d.mediaUrls[0]! }));
    expect(tooBig).toMatchObject({ errorClass: "permanent", code: "TWILIO_MEDIA_TOO_LARGE" });

    const posts = capture.received.length;
    const foreign = await rejection(
      twilioInboundWebhook.download!(env, {
        url: `${capture.url}/2010-04-01/Accounts/${standIn.accountSid}/Messages/MM1/Media/ME1`,
      }),
    );
    expect(foreign.code).toBe("TWILIO_MEDIA_FOREIGN_URL");
    expect(capture.received.length).toBe(posts);
  });

  it("malformed signed bodies are WebhookParseErrors", async () => {
    const token = standIn.authToken;
    const bad: Record<string, string>[] = [
      { From: "+14155550100", To: studio, Body: "no sid" },
      { MessageSid: "SM1", To: studio, Body: "no from" },
      { MessageSid: "SM1", From: "+14155550100", Body: "no to" },
      {
        MessageSid: "SM1",
        From: "+14155550100",
        To: studio,
        NumMedia: "2",
        MediaUrl0: `${standIn.url}/x/ME1`,
        MediaContentType0: "image/jpeg",
      },
      { MessageSid: "SM1", From: "+14155550100", To: studio, NumMedia: "many" },
    ];
    for (const params of bad) {
      const raw = signedWebhook(params, { token, signedUrl: INBOUND_URL });
      expect((await twilioInboundWebhook.verify(env, raw)).ok).toBe(true);
      expect(() => twilioInboundWebhook.parse(env, raw), JSON.stringify(params)).toThrow(WebhookParseError);
    }
    const noStatus = signedWebhook({ MessageSid: "SM1", From: studio }, { token, signedUrl: STATUS_URL });
    expect(() => twilioStatusWebhook.parse(env, noStatus)).toThrow(WebhookParseError);
  });
});

describe("send + status callbacks", () => {
  const studio = phone();
  let account: ProviderAccount;
  beforeAll(async () => {
    account = await connectNumber(studio);
  });

  it("sends from the studio number with a status callback; pending until Twilio reports", async () => {
    const customer = phone();
    const sent = await twilioProvider.send(env, account, draft(customer, "Friday 2pm works. Deposit link coming."));
    expect(sent).toMatchObject({
      externalId: expect.stringMatching(/^SM[0-9a-f]{32}$/),
      threadKey: customer,
      status: "pending",
    });
    expect(standIn.sent().at(-1)).toMatchObject({
      sid: sent.externalId,
      from: studio,
      to: customer,
      body: "Friday 2pm works. Deposit link coming.",
      statusCallback: STATUS_URL,
      mediaUrl: [],
    });
    expect(standIn.message(sent.externalId)).toMatchObject({ status: "queued", date_sent: null });

    // Twilio calls back: sent, then delivered.
    for (const status of ["sent", "delivered"] as const) {
      const d = await standIn.deliverStatus(sent.externalId, status, { postTo: capture.url });
      expect(d!.status).toBe(200);
      const raw = lastAsRaw(capture, STATUS_URL);
      expect(await twilioStatusWebhook.verify(env, raw)).toEqual({ ok: true });
      expect(twilioStatusWebhook.parse(env, raw)).toEqual([
        expect.objectContaining({
          eventId: `${sent.externalId}:${status}`,
          channel: "twilio",
          accountExternalId: studio,
          status: { kind: "message", externalId: sent.externalId, status, at: expect.any(Date) },
        }),
      ]);
    }
  });

  it("a failed delivery carries the reason in plain words; undelivered counts as failed", async () => {
    const sent = await twilioProvider.send(env, account, draft(phone(), "Your appointment is confirmed"));
    await standIn.deliverStatus(sent.externalId, "failed", { postTo: capture.url, errorCode: 30003 });
    const [failed] = twilioStatusWebhook.parse(env, lastAsRaw(capture, STATUS_URL));
    expect(failed).toMatchObject({
      eventId: `${sent.externalId}:failed`,
      status: { status: "failed", error: "The phone is switched off or out of reach." },
    });

    const other = await twilioProvider.send(env, account, draft(phone(), "See you soon"));
    await standIn.deliverStatus(other.externalId, "undelivered", { postTo: capture.url, errorCode: 30007 });
    const [undelivered] = twilioStatusWebhook.parse(env, lastAsRaw(capture, STATUS_URL));
    expect(undelivered).toMatchObject({
      eventId: `${other.externalId}:undelivered`,
      status: { status: "failed", error: expect.stringMatching(/spam/) },
    });
  });

  it("queued/sending callbacks are not news", async () => {
    for (const s of ["queued", "sending", "accepted"]) {
      const raw = signedWebhook(
        { MessageSid: "SM1", MessageStatus: s, SmsStatus: s, From: studio },
        { token: standIn.authToken, signedUrl: STATUS_URL },
      );
      expect(twilioStatusWebhook.parse(env, raw)).toEqual([]);
    }
  });

  it("21211 invalid number and 21610 STOP are permanent with plain words", async () => {
    const invalid = await rejection(twilioProvider.send(env, account, draft("555-0100", "hi")));
    expect(invalid).toMatchObject({ errorClass: "permanent", code: "TWILIO_INVALID_NUMBER", status: 400 });
    expect(invalid.message).toMatch(/not valid/);

    const stopped = phone();
    standIn.optOut(stopped);
    const stop = await rejection(twilioProvider.send(env, account, draft(stopped, "hi")));
    expect(stop).toMatchObject({ errorClass: "permanent", code: "TWILIO_UNSUBSCRIBED" });
    expect(stop.message).toMatch(/STOP/);
  });

  it("20429 → rate_limit with Retry-After (1 s without one); 5xx → transient; 20003 → auth", async () => {
    standIn.failNext(1, { status: 429, retryAfter: 7, match: "POST /2010-04-01" });
    expect(await rejection(twilioProvider.send(env, account, draft(phone(), "hi")))).toMatchObject({
      errorClass: "rate_limit",
      code: "TWILIO_RATE_LIMITED",
      retryAfterMs: 7000,
    });
    standIn.failNext(1, { status: 429, match: "POST /2010-04-01" });
    expect(await rejection(twilioProvider.send(env, account, draft(phone(), "hi")))).toMatchObject({
      errorClass: "rate_limit",
      retryAfterMs: 1000,
    });
    standIn.failNext(1, { status: 503, match: "POST /2010-04-01" });
    expect(await rejection(twilioProvider.send(env, account, draft(phone(), "hi")))).toMatchObject({
      errorClass: "transient",
    });
    standIn.failNext(1, { status: 401, match: "POST /2010-04-01" });
    expect(await rejection(twilioProvider.send(env, account, draft(phone(), "hi")))).toMatchObject({
      errorClass: "auth",
      code: "TWILIO_AUTH_FAILED",
    });
  });

  it("a 429 keeps its own Retry-After while other sends share the session (reminders send concurrently)", async () => {
    const session = new TwilioSession(env);
    const from = standIn.env().TWILIO_PHONE_NUMBER!;
    standIn.failNext(1, { status: 429, retryAfter: 7, match: "POST /2010-04-01" });
    let other: Promise<unknown> | undefined;
    const err = await session
      .call((c) =>
        c.messages.create({ to: phone(), from, body: "first" }).catch((e: unknown) => {
          // Another send on the same session starts before this call's failure is read.
          other = session.call((c2) => c2.messages.create({ to: phone(), from, body: "second" }));
          throw e;
        }),
      )
      .catch((e: unknown) => e);
    expect(classifyTwilioError(err)).toMatchObject({ errorClass: "rate_limit", retryAfterMs: 7000 });
    expect(await other).toMatchObject({ body: "second" });
  });

  it("refuses attachments instead of dropping them, and an unreachable API is transient", async () => {
    const before = standIn.sent().length;
    const att = await rejection(
      twilioProvider.send(
        env,
        account,
        draft(phone(), "design", { attachments: [{ filename: "a.png", contentType: "image/png", content: png(10) }] }),
      ),
    );
    expect(att).toMatchObject({ errorClass: "permanent", code: "TWILIO_ATTACHMENTS_UNSUPPORTED" });
    expect(standIn.sent().length).toBe(before);
    expect(twilioProvider.capabilities).toMatchObject({ attachments: false, webhooks: true });

    const down = providerEnv({ ...standIn.env(), TWILIO_API_BASE_URL: `http://127.0.0.1:${await deadPort()}` });
    expect(await rejection(twilioProvider.send(down, account, draft(phone(), "hi")))).toMatchObject({
      errorClass: "transient",
      code: "TWILIO_UNREACHABLE",
    });
  });
});

describe("sync (catch-up of both directions)", () => {
  const studio = phone();
  const alice = phone();
  const bea = phone();
  const ago = (min: number) => new Date(Date.now() - min * 60_000);
  let account: ProviderAccount;
  const expected = new Map<string, { direction: "inbound" | "outbound"; threadKey: string }>();
  let mms: { sid: string; media: Buffer[] };

  beforeAll(async () => {
    account = await connectNumber(studio);
    // More than a page of inbound texts over the last days…
    for (let i = 0; i < PAGE_SIZE + 7; i++) {
      const { sid } = standIn.addMessage({
        direction: "inbound",
        from: alice,
        to: studio,
        body: `question ${i}`,
        at: ago(60 + i * 37),
      });
      expected.set(sid, { direction: "inbound", threadKey: alice });
    }
    // …an MMS with two pictures…
    const media = [png(30_000), png(45_000)];
    const m = standIn.addMessage({
      direction: "inbound",
      from: bea,
      to: studio,
      body: "this style?",
      at: ago(90),
      media: media.map((content) => ({ contentType: "image/png", content })),
    });
    mms = { sid: m.sid, media };
    expected.set(m.sid, { direction: "inbound", threadKey: bea });
    // …replies sent outside Tatu and one sent through Tatu…
    for (let i = 0; i < 3; i++)
      expected.set(
        standIn.addMessage({ direction: "outbound", from: studio, to: alice, body: `answer ${i}`, at: ago(50 + i) })
          .sid,
        { direction: "outbound", threadKey: alice },
      );
    const viaTatu = await twilioProvider.send(env, account, draft(bea, "Yes, that style works"));
    await standIn.deliverStatus(viaTatu.externalId, "sent", { postTo: capture.url });
    expected.set(viaTatu.externalId, { direction: "outbound", threadKey: bea });
    // …and noise: another number's texts, texts older than the window, a still-queued send.
    standIn.addMessage({ direction: "inbound", from: alice, to: phone(), body: "wrong studio", at: ago(30) });
    standIn.addMessage({
      direction: "inbound",
      from: alice,
      to: studio,
      body: "long ago",
      at: new Date(Date.now() - 40 * 86_400_000),
    });
    standIn.addMessage({ direction: "outbound", from: studio, to: alice, body: "still queued", status: "queued" });
  });

  const since = () => new Date(Date.now() - 30 * 86_400_000);

  it("lists every text to and from the number in the window exactly once, with MMS bytes", async () => {
    const run = await drain(twilioProvider.sync(env, account, null, { since: since() }));
    const sids = run.messages.map((m) => m.externalId);
    expect(new Set(sids).size).toBe(sids.length);
    expect(new Set(sids)).toEqual(new Set(expected.keys()));
    for (const m of run.messages) {
      const want = expected.get(m.externalId)!;
      expect(m).toMatchObject({
        direction: want.direction,
        threadKey: want.threadKey,
        seen: want.direction === "outbound",
      });
      expect(m.direction === "inbound" ? m.to[0]!.handle : m.from.handle).toBe(studio);
    }
    const got = run.messages.find((m) => m.externalId === mms.sid)!;
    expect(got.attachments.map((a) => sha256(a.content))).toEqual(mms.media.map(sha256));
    expect(
      got.attachments.every((a) => a.contentType === "image/png" && /^ME[0-9a-f]{32}\.png$/.test(a.filename)),
    ).toBe(true);
    expect(run.pages.length).toBeGreaterThan(2);
    expect(run.cursor).toEqual({ v: 1, since: expect.any(String) });
  });

  it("resumes after any committed page without gaps (crash between pages)", async () => {
    const first = await drain(twilioProvider.sync(env, account, null, { since: since() }), 1);
    expect(first.cursor).toMatchObject({ round: { phase: "inbound", next: expect.any(String) } });
    const rest = await drain(twilioProvider.sync(env, account, first.cursor, {}));
    const all = new Set([...first.messages, ...rest.messages].map((m) => m.externalId));
    expect(all).toEqual(new Set(expected.keys()));
    expect(first.messages.length + rest.messages.length).toBe(expected.size);
  });

  it("a rate limit mid-sync surfaces as rate_limit; resuming from the last committed cursor finishes the round", async () => {
    const seen: string[] = [];
    let cursor: Record<string, unknown> | null = null;
    // The first list page goes through, the second answers 429.
    standIn.failNext(1, {
      status: 429,
      retryAfter: 2,
      match: `GET /2010-04-01/Accounts/${standIn.accountSid}/Messages.json`,
      after: 1,
    });
    const err = await rejection(
      (async function* () {
        for await (const page of twilioProvider.sync(env, account, null, { since: since() })) {
          seen.push(...page.messages.map((m) => m.externalId));
          cursor = page.cursor;
          yield page;
        }
      })(),
    );
    expect(err).toMatchObject({ errorClass: "rate_limit", code: "TWILIO_RATE_LIMITED", retryAfterMs: 2000 });
    expect(seen).toHaveLength(PAGE_SIZE);
    const rest = await drain(twilioProvider.sync(env, account, cursor, {}));
    expect(seen.length + rest.messages.length).toBe(expected.size);
    expect(new Set([...seen, ...rest.messages.map((m) => m.externalId)])).toEqual(new Set(expected.keys()));
  });

  it("the next round only looks back to shortly before the previous one started", async () => {
    const done = await drain(twilioProvider.sync(env, account, null, { since: since() }));
    const fresh = standIn.addMessage({ direction: "inbound", from: bea, to: studio, body: "booked!", at: new Date() });
    const next = await drain(twilioProvider.sync(env, account, done.cursor, {}));
    const sids = next.messages.map((m) => m.externalId);
    expect(sids).toContain(fresh.sid);
    // Only the overlap window is listed again: nothing older than ~10 minutes before the previous round.
    expect(next.messages.every((m) => m.sentAt.getTime() >= Date.now() - 15 * 60_000)).toBe(true);
  });

  it("a capped back-fill takes the newest texts and still ends the round", async () => {
    const run = await drain(twilioProvider.sync(env, account, null, { since: since(), maxMessages: 5 }));
    expect(run.messages.length).toBe(5);
    expect(run.cursor).toEqual({ v: 1, since: expect.any(String) });
  });
});
