// Outlook (Hotmail/Live/MSN) provider against the Microsoft identity + Graph stand-in,
// through the real @microsoft/microsoft-graph-client SDK.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { outlookProvider } from "../../service/providers/outlook/index.ts";
import { PAGE_SIZE } from "../../service/providers/outlook/sync.ts";
import { ProviderError } from "../../service/providers/kit/errors.ts";
import type { ProviderEnv } from "../../service/providers/kit/channel.ts";
import { startMicrosoftStandIn, type MicrosoftStandIn } from "../../standins/microsoft/index.ts";
import { deadPort } from "../helpers/net.ts";
import { authorize, connect, drain, oauth, pkce, providerEnv, REDIRECT_URI, sha256, Store } from "./outlook-helpers.ts";

import { rejection } from "../helpers/rejection.ts";
import { suiteResources } from "../helpers/suite.ts";

let standIn: MicrosoftStandIn;
let env: ProviderEnv;

const days = (n: number) => new Date(Date.now() - n * 86_400_000);
const mailbox = (tag: string, domain = "outlook.com") => `${tag}-${randomBytes(3).toString("hex")}@${domain}`;

suiteResources(async (track) => {
  standIn = track(await startMicrosoftStandIn());
  env = providerEnv(standIn.env());
});

describe("connect (OAuth v2, common tenant, PKCE)", () => {
  it("asks for mail + calendar with offline access, S256 PKCE and the configured redirect", () => {
    const url = new URL(
      oauth.authorizationUrl(env, { state: "s1", redirectUri: REDIRECT_URI, codeChallenge: "c".repeat(43) }),
    );
    expect(url.origin + url.pathname).toBe(`${standIn.url}/common/oauth2/v2.0/authorize`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: standIn.env().OUTLOOK_CLIENT_ID,
      response_type: "code",
      response_mode: "query",
      redirect_uri: REDIRECT_URI,
      state: "s1",
      code_challenge: "c".repeat(43),
      code_challenge_method: "S256",
    });
    expect(url.searchParams.get("scope")!.split(" ")).toEqual(
      expect.arrayContaining(["offline_access", "User.Read", "Mail.ReadWrite", "Mail.Send", "Calendars.ReadWrite"]),
    );
    expect(oauth.redirectUri(env)).toBe(REDIRECT_URI);
  });

  it("rejects a code redeemed with the wrong PKCE verifier (auth class)", async () => {
    const email = mailbox("pkce");
    standIn.addUser(email);
    const { challenge } = pkce();
    const { code } = await authorize(env, standIn, email, challenge);
    const err = await rejection(
      oauth.exchangeCode(env, { code, redirectUri: REDIRECT_URI, codeVerifier: pkce().verifier }),
    );
    expect(err.errorClass).toBe("auth");
    expect(err.code).toBe("OUTLOOK_CODE_REJECTED");
    expect(err.message).toContain("AADSTS501481");
  });

  it("a work account keeps its mail address and gets no consumer alias", async () => {
    const email = mailbox("studio", "inkhouse.example");
    standIn.addUser(email, { displayName: "Ink House" });
    const account = await connect(env, standIn, email);
    expect(account.connected).toMatchObject({ address: email, displayName: "Ink House" });
    expect(account.connected.aliasLabel).toBeUndefined();
  });

  it("labels msn.com / live.* / outlook.* addresses", async () => {
    for (const [domain, label] of [
      ["msn.com", "MSN"],
      ["live.co.uk", "Live"],
      ["outlook.com", "Outlook.com"],
    ] as const) {
      const email = mailbox("alias", domain);
      standIn.addUser(email);
      expect((await connect(env, standIn, email)).connected.aliasLabel).toBe(label);
    }
  });
});

describe("a Hotmail account end to end", () => {
  it("connects as Hotmail, syncs the inbox and replies in the same conversation with an attachment", async () => {
    const email = mailbox("rosa", "hotmail.com");
    const { id: graphUserId } = standIn.addUser(email, { displayName: "Rosa Tattoo" });
    const account = await connect(env, standIn, email);
    expect(account.connected).toMatchObject({
      externalId: graphUserId,
      address: email,
      displayName: "Rosa Tattoo",
      aliasLabel: "Hotmail",
    });
    expect(account.connected.credentials).toMatchObject({
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      expiresAt: expect.any(Number),
    });

    const asked = standIn.deliver(email, {
      from: { name: "Client Carla", address: "carla@example.net" },
      subject: "Sleeve consultation",
      html: "<html><body><p>Hi Rosa,</p><p>Could we talk about a <b>sleeve</b>? &amp; prices</p></body></html>",
    });
    const store = new Store();
    await drain(env, account, store, { since: days(30) });
    const inbound = [...store.byId.values()];
    expect(inbound).toHaveLength(1);
    expect(inbound[0]).toMatchObject({
      externalId: asked.id,
      threadKey: asked.conversationId,
      rfc822MessageId: asked.internetMessageId,
      direction: "inbound",
      from: { name: "Client Carla", handle: "carla@example.net" },
      to: [{ handle: email }],
      subject: "Sleeve consultation",
      seen: false,
      attachments: [],
    });
    expect(inbound[0]!.html).toContain("<b>sleeve</b>");
    expect(inbound[0]!.text).toBe("Hi Rosa,\nCould we talk about a sleeve? & prices");

    const sketch = randomBytes(50_000);
    const sent = await outlookProvider.send(env, account, {
      threadKey: asked.conversationId,
      to: [{ handle: "carla@example.net", name: "Client Carla" }],
      cc: [],
      text: "Sure! Sketch attached.",
      replyTo: { externalId: asked.id, rfc822MessageId: asked.internetMessageId },
      attachments: [{ filename: "sketch.png", contentType: "image/png", content: sketch }],
    });
    expect(sent).toMatchObject({
      status: "sent",
      threadKey: asked.conversationId,
      inReplyTo: asked.internetMessageId,
      references: [asked.internetMessageId],
    });

    const out = standIn.sent(email);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      via: "send",
      id: sent.externalId,
      internetMessageId: sent.rfc822MessageId,
      conversationId: asked.conversationId,
      subject: "RE: Sleeve consultation",
      to: ["carla@example.net"],
      inReplyTo: asked.internetMessageId,
      body: { contentType: "text", content: "Sure! Sketch attached." },
    });
    expect(out[0]!.attachments.map((a) => [a.name, a.contentType, sha256(a.content)])).toEqual([
      ["sketch.png", "image/png", sha256(sketch)],
    ]);

    // The Sent Items copy comes back under the same id: the inbox dedups it, no double reply.
    const before = store.byId.size;
    await drain(env, account, store);
    const outbound = [...store.byId.values()].filter((m) => m.direction === "outbound");
    expect(store.byId.size).toBe(before + 1);
    expect(outbound).toHaveLength(1);
    expect(outbound[0]).toMatchObject({
      externalId: sent.externalId,
      threadKey: asked.conversationId,
      from: { handle: email },
      to: [{ handle: "carla@example.net" }],
      seen: true,
    });
    expect(outbound[0]!.attachments.map((a) => sha256(a.content))).toEqual([sha256(sketch)]);
  });

  it("a message without replyTo still goes out through a draft (stable id, new conversation)", async () => {
    const email = mailbox("new", "live.com");
    standIn.addUser(email);
    const account = await connect(env, standIn, email);
    const sent = await outlookProvider.send(env, account, {
      threadKey: "local-thread",
      subject: "Your booking",
      to: [{ handle: "max@example.org" }],
      cc: [{ handle: "desk@example.org" }],
      text: "See you Friday",
      html: "<p>See you <b>Friday</b></p>",
      attachments: [],
    });
    const out = standIn.sent(email);
    expect(out).toMatchObject([
      {
        id: sent.externalId,
        subject: "Your booking",
        to: ["max@example.org"],
        cc: ["desk@example.org"],
        body: { contentType: "html", content: "<p>See you <b>Friday</b></p>" },
      },
    ]);
    expect(sent.threadKey).toBe(out[0]!.conversationId);
  });
});

describe("sync (delta queries)", () => {
  it("back-fills the since window in pages, then fetches only new mail", async () => {
    const email = mailbox("delta");
    standIn.addUser(email);
    const account = await connect(env, standIn, email);
    for (let i = 0; i < 3; i++)
      standIn.deliver(email, { from: "old@example.com", subject: `old ${i}`, text: "x", receivedAt: days(60) });
    const recent = Array.from({ length: PAGE_SIZE + 5 }, (_, i) =>
      standIn.deliver(email, {
        from: "fan@example.com",
        subject: `recent ${String(i).padStart(2, "0")}`,
        text: `body ${i}`,
        receivedAt: days(2),
        isRead: i === 0,
      }),
    );

    const store = new Store();
    const pages = await drain(env, account, store, { since: days(30) });
    expect(store.subjects()).toEqual(recent.map((_, i) => `recent ${String(i).padStart(2, "0")}`));
    expect(store.yielded).toBe(recent.length);
    expect(pages.length).toBeGreaterThanOrEqual(3); // inbox 25 + 5, then Sent Items
    expect(pages[0]!.messages).toHaveLength(PAGE_SIZE);
    expect(store.byId.get(recent[0]!.id)!.seen).toBe(true);
    expect(store.byId.get(recent[1]!.id)!.seen).toBe(false);

    const fresh = [
      standIn.deliver(email, { from: "fan@example.com", subject: "new A", text: "a" }),
      standIn.deliver(email, { from: "fan@example.com", subject: "new B", text: "b" }),
    ];
    const yieldedBefore = store.yielded;
    await drain(env, account, store);
    expect(store.yielded - yieldedBefore).toBe(2);
    expect(fresh.every((f) => store.byId.has(f.id))).toBe(true);

    // Nothing new: nothing yielded, the cursor still moves to a fresh deltaLink.
    const again = await drain(env, account, store);
    expect(again.flatMap((p) => p.messages)).toEqual([]);
  });

  it("caps a back-fill at maxMessages, newest first, and still ends the round with a deltaLink", async () => {
    const email = mailbox("cap");
    standIn.addUser(email);
    const account = await connect(env, standIn, email);
    for (let i = 0; i < 8; i++)
      standIn.deliver(email, { from: "a@example.com", subject: `m${i}`, text: ".", receivedAt: days(10 - i) });
    const store = new Store();
    await drain(env, account, store, { since: days(30), maxMessages: 3 });
    expect(store.subjects()).toEqual(["m5", "m6", "m7"]);
    standIn.deliver(email, { from: "a@example.com", subject: "later", text: "." });
    await drain(env, account, store);
    expect(store.subjects()).toEqual(["later", "m5", "m6", "m7"]);
  });

  it("resumes from a mid-round nextLink cursor without a gap", async () => {
    const email = mailbox("resume");
    standIn.addUser(email);
    const account = await connect(env, standIn, email);
    const delivered = Array.from(
      { length: PAGE_SIZE * 2 + 3 },
      (_, i) => standIn.deliver(email, { from: "c@example.com", subject: `r${i}`, text: "." }).id,
    );

    const store = new Store();
    await drain(env, account, store, { since: days(1) }, 1); // "crash" after the first committed page
    expect(store.byId.size).toBe(PAGE_SIZE);
    expect((store.cursor as { inbox: { next?: string } }).inbox.next).toMatch(/\$skiptoken=/);

    const late = standIn.deliver(email, { from: "c@example.com", subject: "during the round", text: "." }).id;
    await drain(env, account, store, { since: days(1) });
    expect(store.yielded).toBe(delivered.length); // no page fetched twice
    expect(delivered.every((id) => store.byId.has(id))).toBe(true);
    // The message that arrived mid-round belongs to the next round, not lost.
    await drain(env, account, store);
    expect(store.byId.has(late)).toBe(true);
    expect(store.yielded).toBe(delivered.length + 1);
  });

  it("re-walks the window when Graph forgets the delta token (410), with no duplicates after dedup", async () => {
    const email = mailbox("expired");
    standIn.addUser(email);
    const account = await connect(env, standIn, email);
    const first = Array.from(
      { length: 4 },
      (_, i) => standIn.deliver(email, { from: "d@example.com", subject: `e${i}`, text: ".", receivedAt: days(3) }).id,
    );
    const store = new Store();
    await drain(env, account, store, { since: days(7) });
    expect(store.byId.size).toBe(4);

    const missed = standIn.deliver(email, { from: "d@example.com", subject: "while expired", text: "." }).id;
    standIn.expireDeltaTokens(email);
    await drain(env, account, store);
    expect(store.byId.size).toBe(5);
    expect([...first, missed].every((id) => store.byId.has(id))).toBe(true);
    expect(store.subjects().filter((s) => s === "while expired")).toHaveLength(1);

    // And the new round's deltaLink is a working one.
    const after = standIn.deliver(email, { from: "d@example.com", subject: "after", text: "." }).id;
    const yielded = store.yielded;
    await drain(env, account, store);
    expect(store.yielded - yielded).toBe(1);
    expect(store.byId.has(after)).toBe(true);
  });
});

describe("attachments", () => {
  it("are byte-identical; inline images come with their content id; attached Outlook items are skipped", async () => {
    const email = mailbox("att");
    standIn.addUser(email);
    const account = await connect(env, standIn, email);
    const pdf = randomBytes(300_000);
    const png = randomBytes(2_000);
    standIn.deliver(email, {
      from: "e@example.com",
      subject: "reference pics",
      html: '<p>see <img src="cid:ref1@x"></p>',
      attachments: [
        { filename: "design brief.pdf", contentType: "application/pdf", content: pdf },
        { filename: "ref.png", contentType: "image/png", content: png, inline: true, contentId: "ref1@x" },
        { filename: "Forwarded mail", contentType: "message/rfc822", content: Buffer.from("x"), kind: "item" },
      ],
    });
    // Only an inline image: Graph says hasAttachments=false, the cid: reference still fetches it.
    standIn.deliver(email, {
      from: "e@example.com",
      subject: "inline only",
      html: '<img src="cid:only@x">',
      attachments: [
        { filename: "only.png", contentType: "image/png", content: png, inline: true, contentId: "only@x" },
      ],
    });

    const store = new Store();
    await drain(env, account, store, { since: days(1) });
    const bySubject = new Map([...store.byId.values()].map((m) => [m.subject, m]));
    expect(bySubject.get("reference pics")!.attachments.map((a) => ({ ...a, content: sha256(a.content) }))).toEqual([
      { filename: "design brief.pdf", contentType: "application/pdf", content: sha256(pdf) },
      { filename: "ref.png", contentType: "image/png", content: sha256(png), contentId: "ref1@x" },
    ]);
    expect(bySubject.get("inline only")!.attachments.map((a) => [a.filename, sha256(a.content), a.contentId])).toEqual([
      ["only.png", sha256(png), "only@x"],
    ]);
  });
});

describe("tokens and errors", () => {
  it("refreshes an expired access token once and saves the rotated refresh token", async () => {
    const email = mailbox("refresh");
    standIn.addUser(email);
    const account = await connect(env, standIn, email);
    const original = account.credentials as { refreshToken: string };
    standIn.deliver(email, { from: "f@example.com", subject: "one", text: "." });

    standIn.expireAccessTokens(); // Graph now answers 401 InvalidAuthenticationToken
    const store = new Store();
    await drain(env, account, store);
    expect(store.subjects()).toEqual(["one"]);
    expect(account.saves).toHaveLength(1);
    const saved = account.saves[0] as { refreshToken: string; accessToken: string; expiresAt: number };
    expect(saved.refreshToken).not.toBe(original.refreshToken);
    expect(saved.expiresAt).toBeGreaterThan(Date.now());

    // Only the saved (rotated) token works from now on: a second expiry refreshes with it.
    standIn.expireAccessTokens();
    standIn.deliver(email, { from: "f@example.com", subject: "two", text: "." });
    await drain(env, account, store);
    expect(store.subjects()).toEqual(["one", "two"]);
    expect(account.saves).toHaveLength(2);

    // Proactive refresh: a token past its expiresAt is replaced before any Graph call.
    account.credentials = { ...account.credentials, expiresAt: Date.now() - 1000 };
    await drain(env, account, store);
    expect(account.saves).toHaveLength(3);
  });

  it("a revoked grant is an auth error (reconnect), from sync and from send", async () => {
    const email = mailbox("revoked");
    standIn.addUser(email);
    const account = await connect(env, standIn, email);
    standIn.revokeRefreshTokens(email);
    const err = await rejection(outlookProvider.sync(env, account, null, {}));
    expect(err).toMatchObject({ errorClass: "auth", code: "OUTLOOK_REAUTH_REQUIRED" });
    expect(err.message).toContain("AADSTS70000");
    expect(err.message).not.toContain((account.credentials as { refreshToken: string }).refreshToken);
    const sendErr = await rejection(
      outlookProvider.send(env, account, {
        threadKey: "t",
        to: [{ handle: "x@example.com" }],
        cc: [],
        text: "hi",
        attachments: [],
      }),
    );
    expect(sendErr.errorClass).toBe("auth");
    expect(outlookProvider.classifyError(err)).toBe(err);
  });

  it("a refresh token expired by inactivity (AADSTS700082) is an auth error", async () => {
    const email = mailbox("idle");
    standIn.addUser(email);
    const account = await connect(env, standIn, email);
    standIn.expireAccessTokens();
    standIn.failNext(1, { status: 400, target: "token" });
    const err = await rejection(drain(env, account, new Store()));
    expect(err).toMatchObject({ errorClass: "auth", code: "OUTLOOK_REAUTH_REQUIRED", status: 400 });
    expect(err.message).toContain("AADSTS700082");
    expect(account.saves).toEqual([]);
  });

  it("Graph 401 gets exactly one refresh + retry; a second 401 is an auth error", async () => {
    const email = mailbox("twice");
    standIn.addUser(email);
    const account = await connect(env, standIn, email);
    standIn.failNext(1, { status: 401 });
    await drain(env, account, new Store());
    expect(account.saves).toHaveLength(1);

    standIn.failNext(2, { status: 401 });
    const err = await rejection(drain(env, account, new Store()));
    expect(err).toMatchObject({ errorClass: "auth", code: "OUTLOOK_AUTH", status: 401 });
    expect(account.saves).toHaveLength(2);
  });

  it("429 with Retry-After is rate_limit; the cursor does not move past unfetched mail", async () => {
    const email = mailbox("throttle");
    standIn.addUser(email);
    const account = await connect(env, standIn, email);
    const store = new Store();
    await drain(env, account, store, { since: days(1) });
    const id = standIn.deliver(email, {
      from: "g@example.com",
      subject: "throttled",
      text: ".",
      attachments: [{ filename: "a.txt", contentType: "text/plain", content: Buffer.from("hello") }],
    }).id;

    standIn.failNext(1, { status: 429, retryAfter: 7 });
    const err = await rejection(drain(env, account, store));
    expect(err).toMatchObject({
      errorClass: "rate_limit",
      code: "OUTLOOK_RATE_LIMITED",
      retryAfterMs: 7000,
      status: 429,
    });

    // Throttled while fetching the attachment (after the delta page): the page is not
    // committed, so the next run fetches it again instead of skipping the message.
    standIn.failNext(1, { status: 503, retryAfter: 2, match: "/attachments" });
    const busy = await rejection(drain(env, account, store));
    expect(busy).toMatchObject({ errorClass: "rate_limit", retryAfterMs: 2000, status: 503 });
    expect(store.byId.has(id)).toBe(false);

    await drain(env, account, store);
    expect(store.byId.get(id)!.attachments.map((a) => a.content.toString())).toEqual(["hello"]);
  });

  it("5xx and unreachable Graph are transient", async () => {
    const email = mailbox("flaky");
    standIn.addUser(email);
    const account = await connect(env, standIn, email);
    standIn.failNext(1, { status: 500 });
    expect((await rejection(drain(env, account, new Store()))).errorClass).toBe("transient");

    const offline = providerEnv({ ...standIn.env(), MICROSOFT_GRAPH_BASE_URL: `http://127.0.0.1:${await deadPort()}` });
    const err = await rejection(drain(offline, account, new Store()));
    expect(err).toMatchObject({ errorClass: "transient", code: "OUTLOOK_UNREACHABLE" });
  });

  it("smoke reads the profile and the inbox", async () => {
    const email = mailbox("smoke");
    standIn.addUser(email);
    const account = await connect(env, standIn, email);
    standIn.deliver(email, { from: "h@example.com", subject: "hello", text: "." });
    const result = await outlookProvider.smoke(env, account);
    expect(result).toEqual({
      ok: true,
      checks: [
        { name: "profile", ok: true, detail: "signed in" },
        { name: "inbox", ok: true, detail: "inbox readable" },
      ],
    });
    standIn.revokeRefreshTokens(email);
    standIn.expireAccessTokens();
    const broken = await outlookProvider.smoke(env, account);
    expect(broken.ok).toBe(false);
    expect(broken.checks[0]).toMatchObject({ name: "profile", ok: false });
  });
});
