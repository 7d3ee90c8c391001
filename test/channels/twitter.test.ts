// X (Twitter) Direct Messages provider against the X stand-in, through the real
// twitter-api-v2 SDK: OAuth 1.0a with verified HMAC-SHA1 signatures, dm_events polling,
// rate-limit windows, sending into a conversation.
import http from "node:http";
import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { ApiResponseError, TwitterApi, type ITwitterApiClientPlugin } from "twitter-api-v2";
import { twitterProvider } from "../../service/providers/twitter/index.ts";
import { PAGE_SIZE } from "../../service/providers/twitter/events.ts";
import { ProviderError } from "../../service/providers/kit/errors.ts";
import type { ProviderEnv } from "../../service/providers/kit/channel.ts";
import { startTwitterStandIn, type DmEventView, type TwitterStandIn, type User } from "../../standins/twitter/index.ts";
import {
  approve,
  CALLBACK,
  connect,
  days,
  drain,
  oauth1,
  providerEnv,
  sha256,
  Store,
  tag,
  type TestAccount,
} from "./twitter-helpers.ts";

import { rejection } from "../helpers/rejection.ts";
import { suiteResources } from "../helpers/suite.ts";

let standIn: TwitterStandIn;
let env: ProviderEnv;

function artist(): User {
  const t = tag();
  return standIn.addUser({ username: `ink_${t}`, name: `Ink Studio ${t}` });
}
function client(name = "Carla"): User {
  const t = tag();
  return standIn.addUser({ username: `${name.toLowerCase()}_${t}`, name });
}

/** An artist with X connected, and a client who writes to them. */
async function connectedPair(): Promise<{ me: User; carla: User; account: TestAccount }> {
  const me = artist();
  const carla = client("Carla");
  return { me, carla, account: await connect(env, standIn, me) };
}

/** n DMs, oldest first, one minute apart, ending `endDaysAgo` days ago. */
function seed(from: User, to: User, n: number, label: string, endDaysAgo = 0): DmEventView[] {
  const end = Date.now() - endDaysAgo * 86_400_000 - 60_000;
  return Array.from({ length: n }, (_, i) =>
    standIn.dm(from.id, to.id, { text: `${label} ${i}`, at: new Date(end - (n - 1 - i) * 60_000) }),
  );
}

suiteResources(async (track) => {
  standIn = track(await startTwitterStandIn());
  env = providerEnv(standIn.env());
});

describe("connect (OAuth 1.0a)", () => {
  it("requests a token, sends the user to /oauth/authorize and trades the verifier for the account", async () => {
    expect(oauth1.callbackUrl(env)).toBe(CALLBACK);
    expect(
      oauth1.callbackUrl(providerEnv({ ...standIn.env(), TWITTER_OAUTH_CALLBACK: "https://other.example/cb" })),
    ).toBe("https://other.example/cb");

    const me = artist();
    const { url, token, tokenSecret } = await oauth1.requestToken(env, { callbackUrl: CALLBACK });
    const link = new URL(url);
    expect(link.origin + link.pathname).toBe(`${standIn.url}/oauth/authorize`);
    expect(link.searchParams.get("oauth_token")).toBe(token);
    expect(tokenSecret).not.toBe("");

    const back = await approve(standIn, me.id, url);
    expect(back.origin + back.pathname).toBe(CALLBACK);
    expect(back.searchParams.get("oauth_token")).toBe(token);
    const verifier = back.searchParams.get("oauth_verifier")!;

    const account = await oauth1.exchange(env, { token, tokenSecret, verifier });
    expect(account).toMatchObject({ externalId: me.id, address: `@${me.username}`, displayName: me.name, scopes: [] });
    expect(account.credentials).toMatchObject({
      accessToken: expect.any(String),
      accessSecret: expect.any(String),
      userId: me.id,
      screenName: me.username,
    });

    // A request token is good for one exchange only.
    expect((await rejection(oauth1.exchange(env, { token, tokenSecret, verifier }))).errorClass).toBe("auth");
  });

  it("refuses a wrong verifier, a wrong request-token secret and a wrong consumer secret", async () => {
    const me = artist();
    const { url, token, tokenSecret } = await oauth1.requestToken(env, { callbackUrl: CALLBACK });
    const verifier = (await approve(standIn, me.id, url)).searchParams.get("oauth_verifier")!;
    expect((await rejection(oauth1.exchange(env, { token, tokenSecret, verifier: `${verifier}x` }))).errorClass).toBe(
      "auth",
    );
    expect(
      (await rejection(oauth1.exchange(env, { token, tokenSecret: `${tokenSecret}x`, verifier }))).errorClass,
    ).toBe("auth");
    const wrongApp = providerEnv({ ...standIn.env(), TWITTER_API_SECRET: "not-the-secret" });
    const refused = await rejection(oauth1.requestToken(wrongApp, { callbackUrl: CALLBACK }));
    expect(refused.code).toBe("TWITTER_AUTH");
    expect((refused.cause as ApiResponseError).data).toEqual({
      errors: [{ code: 32, message: "Could not authenticate you." }],
    });
  });

  it("a callback URL not registered in the X app is refused with a clear code", async () => {
    const strict = await startTwitterStandIn({ callbackUrls: ["https://registered.example/cb"] });
    try {
      const strictEnv = providerEnv(strict.env());
      expect(await rejection(oauth1.requestToken(strictEnv, { callbackUrl: CALLBACK }))).toMatchObject({
        errorClass: "permanent",
        code: "TWITTER_CALLBACK_NOT_APPROVED",
      });
      await expect(
        oauth1.requestToken(strictEnv, { callbackUrl: "https://registered.example/cb" }),
      ).resolves.toMatchObject({ token: expect.any(String) });
    } finally {
      await strict.close();
    }
  });

  it("the stand-in rejects a request altered after signing, and a replayed one", async () => {
    // The SDK signs; a hook then swaps the callback in the signed body for one of the same length.
    let captured: { authorization: string; body: string } | undefined;
    const onto = (tamper: boolean): ITwitterApiClientPlugin => ({
      onBeforeRequestConfig({ params }) {
        const u = new URL(params.url);
        params.url = standIn.url + u.pathname + u.search;
        params.forceParseMode = "url";
      },
      onBeforeRequest({ computedParams }) {
        if (tamper) computedParams.body = String(computedParams.body).replace("tatu.example.com", "evil.example.com");
        captured = { authorization: computedParams.headers.Authorization!, body: String(computedParams.body) };
      },
    });
    const keys = { appKey: standIn.env().TWITTER_API_KEY!, appSecret: standIn.env().TWITTER_API_SECRET! };
    const agent = new http.Agent();

    const honest = await new TwitterApi(keys, { plugins: [onto(false)], httpAgent: agent }).generateAuthLink(CALLBACK);
    expect(honest.oauth_callback_confirmed).toBe("true");

    const replay = await fetch(`${standIn.url}/oauth/request_token`, {
      method: "POST",
      headers: {
        Authorization: captured!.authorization,
        "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8",
      },
      body: captured!.body,
    });
    expect(replay.status).toBe(401);

    const tampered = await new TwitterApi(keys, { plugins: [onto(true)], httpAgent: agent })
      .generateAuthLink(CALLBACK)
      .catch((e: unknown) => e);
    expect(captured!.body).toContain("evil.example.com");
    expect(tampered).toBeInstanceOf(ApiResponseError);
    expect((tampered as ApiResponseError).code).toBe(401);
  });
});

describe("sync", () => {
  it("back-fills the window newest first across pages, then picks up only new DMs", async () => {
    const me = artist();
    const carla = client("Carla");
    const dani = client("Dani");
    const account = await connect(env, standIn, me);
    seed(carla, me, 5, "too old", 40); // outside X's 30 days anyway
    seed(carla, me, 3, "before window", 12);
    const inWindow = [
      ...seed(carla, me, 120, "carla", 2),
      ...seed(dani, me, 90, "dani", 1),
      ...seed(me, carla, 20, "reply", 0.5),
    ];

    const store = new Store();
    const first = await drain(env, account, store, { since: days(10) });
    expect(first.length).toBe(3); // 100 + 100 + 30 in the window, then older events end the walk
    expect(store.byId.size).toBe(inWindow.length);
    expect(store.yielded).toBe(inWindow.length);
    expect(new Set(store.byId.keys())).toEqual(new Set(inWindow.map((e) => e.id)));
    // Mid-walk cursors never claim the newest id; the finished walk does.
    expect(first.slice(0, -1).every((p) => p.cursor.newest === undefined && p.cursor.walk)).toBe(true);
    expect(first.at(-1)!.cursor).toMatchObject({ newest: inWindow.at(-1)!.id });
    expect(first.at(-1)!.cursor.walk).toBeUndefined();

    const later = [...seed(dani, me, 130, "dani again", 0), standIn.dm(carla.id, me.id, { text: "new from carla" })];
    const second = await drain(env, account, store);
    expect(second.length).toBe(2);
    expect(store.yielded).toBe(inWindow.length + later.length);
    expect(store.byId.size).toBe(inWindow.length + later.length);
    expect(second.at(-1)!.cursor).toMatchObject({ newest: later.at(-1)!.id });

    const idle = await drain(env, account, store);
    expect(idle.flatMap((p) => p.messages)).toEqual([]);
    expect(idle.at(-1)!.cursor).toMatchObject({ newest: later.at(-1)!.id });
  });

  it("maps conversations, contacts and direction (the account's own DMs are outbound)", async () => {
    const { me, carla, account } = await connectedPair();
    const asked = standIn.dm(carla.id, me.id, { text: "Can I book a flash piece?", at: days(0.2) });
    const answered = standIn.dm(me.id, carla.id, { text: "Sure, Friday 3pm?", at: days(0.1) });

    const store = new Store();
    await drain(env, account, store, { since: days(1) });
    const inbound = store.byId.get(asked.id)!;
    const outbound = store.byId.get(answered.id)!;
    expect(inbound).toMatchObject({
      direction: "inbound",
      threadKey: asked.dm_conversation_id,
      text: "Can I book a flash piece?",
      seen: false,
      from: { handle: carla.id, name: `Carla (@${carla.username})` },
      to: [{ handle: me.id, name: `@${me.username}` }],
      cc: [],
      attachments: [],
    });
    expect(inbound.sentAt.toISOString()).toBe(asked.created_at);
    expect(outbound).toMatchObject({
      direction: "outbound",
      threadKey: asked.dm_conversation_id,
      seen: true,
      from: { handle: me.id },
      to: [{ handle: carla.id }],
    });
    expect(asked.dm_conversation_id).toBe(answered.dm_conversation_id);
  });

  it("stops the back-fill at maxMessages, keeping the newest", async () => {
    const { me, carla, account } = await connectedPair();
    const all = seed(carla, me, 150, "m", 1);
    const store = new Store();
    await drain(env, account, store, { since: days(10), maxMessages: 130 });
    expect(new Set(store.byId.keys())).toEqual(new Set(all.slice(-130).map((e) => e.id)));
    expect(store.cursor).toMatchObject({ newest: all.at(-1)!.id });
    expect(store.cursor!.walk).toBeUndefined();
  });

  it("an interrupted walk resumes at the next older page without gaps, and new DMs come after", async () => {
    const { me, carla, account } = await connectedPair();
    const store = new Store();
    // An established account (newest committed), then a burst of 250 DMs.
    const early = seed(carla, me, 2, "early", 3);
    await drain(env, account, store, { since: days(10) });
    expect(store.cursor).toMatchObject({ newest: early.at(-1)!.id });

    const burst = seed(carla, me, 250, "burst", 1);
    await drain(env, account, store, {}, 1); // "crash" after the first page
    expect(store.byId.size).toBe(2 + PAGE_SIZE);
    expect(store.cursor).toMatchObject({
      newest: early.at(-1)!.id,
      walk: { top: burst.at(-1)!.id, boundary: early.at(-1)!.id },
    });

    const meanwhile = standIn.dm(carla.id, me.id, { text: "are you there?" });
    await drain(env, account, store);
    expect(store.byId.size).toBe(2 + burst.length);
    expect(store.yielded).toBe(2 + burst.length); // nothing fetched twice
    expect(store.cursor).toMatchObject({ newest: burst.at(-1)!.id });
    expect(store.byId.has(meanwhile.id)).toBe(false);

    await drain(env, account, store);
    expect(store.byId.has(meanwhile.id)).toBe(true);
    expect(store.byId.size).toBe(2 + burst.length + 1);
    expect(store.cursor).toMatchObject({ newest: meanwhile.id });
  });

  it("a first sync interrupted mid back-fill resumes, and a refused pagination token restarts the walk", async () => {
    const { me, carla, account } = await connectedPair();
    const all = seed(carla, me, 260, "b", 2);
    const store = new Store();
    await drain(env, account, store, { since: days(10) }, 1);
    expect(store.cursor!.newest).toBeUndefined();

    standIn.expirePaginationTokens();
    await drain(env, account, store, { since: days(10) });
    expect(new Set(store.byId.keys())).toEqual(new Set(all.map((e) => e.id)));
    expect(store.cursor).toMatchObject({ newest: all.at(-1)!.id });
  });

  it("downloads DM photos byte-identical; leaves out photos over ATTACHMENT_MAX_MB", async () => {
    const { me, carla, account } = await connectedPair();
    const photo = randomBytes(300_000);
    const withPhoto = standIn.dm(carla.id, me.id, {
      text: "reference pic",
      attachments: [{ filename: "ref.jpg", contentType: "image/jpeg", content: photo }],
      at: days(0.3),
    });
    const huge = standIn.dm(carla.id, me.id, {
      text: "big one",
      attachments: [{ filename: "big.png", contentType: "image/png", content: randomBytes(1_300_000) }],
      at: days(0.2),
    });

    const small = providerEnv({ ...standIn.env(), ATTACHMENT_MAX_MB: "1" });
    const store = new Store();
    await drain(small, account, store, { since: days(1) });
    const got = store.byId.get(withPhoto.id)!;
    expect(got.attachments.map((a) => [a.filename, a.contentType, sha256(a.content)])).toEqual([
      ["ref.jpg", "image/jpeg", sha256(photo)],
    ]);
    expect(store.byId.get(huge.id)).toMatchObject({ text: "big one", attachments: [] });
  });
});

describe("rate limits and errors", () => {
  it("a 429 becomes rate_limit with retryAfterMs until x-rate-limit-reset", async () => {
    const me = artist();
    const account = await connect(env, standIn, me);
    standIn.setRateLimit("GET /2/dm_events", { limit: 15, remaining: 0, resetInSec: 120 }, me.id);
    const err = await rejection(twitterProvider.sync(env, account, null, { since: days(1) }));
    expect(err).toMatchObject({ errorClass: "rate_limit", code: "TWITTER_RATE_LIMITED", status: 429 });
    expect(err.retryAfterMs).toBeGreaterThan(110_000);
    expect(err.retryAfterMs).toBeLessThanOrEqual(121_000);
    expect((err.cause as ApiResponseError).data).toEqual({
      title: "Too Many Requests",
      detail: "Too Many Requests",
      type: "about:blank",
      status: 429,
    });

    // A reset already behind us still waits at least a second.
    standIn.failNext(1, { status: 429, resetInSec: -5, match: "/2/dm_events" });
    standIn.setRateLimit("GET /2/dm_events", { limit: 15, remaining: 15, resetInSec: 900 }, me.id);
    expect((await rejection(twitterProvider.sync(env, account, null, {}))).retryAfterMs).toBe(1000);
  });

  it("stops early when the window is used up and continues from the cursor next time", async () => {
    const { me, carla, account } = await connectedPair();
    const all = seed(carla, me, 250, "r", 1);
    standIn.setRateLimit("GET /2/dm_events", { limit: 15, remaining: 2, resetInSec: 900 }, me.id);
    const before = standIn.requests().filter((r) => r === "GET /2/dm_events").length;

    const store = new Store();
    const pages = await drain(env, account, store, { since: days(10) });
    expect(pages).toHaveLength(2);
    expect(standIn.requests().filter((r) => r === "GET /2/dm_events").length - before).toBe(2); // no request into a 429
    expect(store.byId.size).toBe(2 * PAGE_SIZE);
    expect(store.cursor!.walk).toBeDefined();

    standIn.setRateLimit("GET /2/dm_events", { limit: 15, remaining: 15, resetInSec: 900 }, me.id); // the window reset
    await drain(env, account, store, { since: days(10) });
    expect(new Set(store.byId.keys())).toEqual(new Set(all.map((e) => e.id)));
    expect(store.yielded).toBe(all.length);
    expect(store.cursor).toMatchObject({ newest: all.at(-1)!.id });
  });

  it("revoked tokens → auth for sync and send; smoke reports it; 5xx transient; 403 DM permission permanent", async () => {
    const { me, carla, account } = await connectedPair();
    const convo = standIn.dm(carla.id, me.id, { text: "hi" }).dm_conversation_id;

    standIn.failNext(1, { status: 503, match: "/2/dm_events" });
    expect((await rejection(twitterProvider.sync(env, account, null, {}))).errorClass).toBe("transient");
    standIn.failNext(1, { status: 403, match: "/2/dm_events" });
    expect(await rejection(twitterProvider.sync(env, account, null, {}))).toMatchObject({
      errorClass: "permanent",
      code: "TWITTER_DM_FORBIDDEN",
    });

    expect(await twitterProvider.smoke(env, account)).toMatchObject({ ok: true });
    standIn.revokeTokens(me.id);
    expect(await rejection(twitterProvider.sync(env, account, null, {}))).toMatchObject({
      errorClass: "auth",
      code: "TWITTER_AUTH",
    });
    const draft = { threadKey: convo, to: [{ handle: carla.id }], cc: [], text: "hello?", attachments: [] };
    expect((await rejection(twitterProvider.send(env, account, draft))).errorClass).toBe("auth");
    expect(await twitterProvider.smoke(env, account)).toMatchObject({
      ok: false,
      checks: [{ name: "profile", ok: false }],
    });
    await expect(twitterProvider.disconnect!(env, account)).resolves.toBeUndefined();
  });
});

describe("send and disconnect", () => {
  let me: User;
  let carla: User;
  let account: TestAccount;
  beforeAll(async () => {
    me = artist();
    carla = client();
    account = await connect(env, standIn, me);
  });

  it("replies into the conversation; the reply syncs back once, as outbound", async () => {
    const asked = standIn.dm(carla.id, me.id, { text: "Price for a small rose?", at: days(0.1) });
    const store = new Store();
    await drain(env, account, store, { since: days(1) });

    const sent = await twitterProvider.send(env, account, {
      threadKey: asked.dm_conversation_id,
      to: [{ handle: carla.id }],
      cc: [],
      text: "About 120€ 🌹",
      attachments: [],
    });
    expect(sent).toMatchObject({ status: "sent", threadKey: asked.dm_conversation_id });
    expect(standIn.sent(me.id)).toEqual([
      expect.objectContaining({
        eventId: sent.externalId,
        conversationId: asked.dm_conversation_id,
        recipientIds: [carla.id],
        text: "About 120€ 🌹",
      }),
    ]);

    await drain(env, account, store);
    expect(store.byId.get(sent.externalId)).toMatchObject({
      direction: "outbound",
      threadKey: asked.dm_conversation_id,
      text: "About 120€ 🌹",
      to: [{ handle: carla.id }],
    });
    expect(store.byId.size).toBe(2);
  });

  it("refuses attachments and recipients who do not take DMs (permanent)", async () => {
    const closed = standIn.addUser({ username: `closed_${tag()}`, name: "Closed", dmsOpen: false });
    const convo = standIn.dm(closed.id, me.id, { text: "hey" }).dm_conversation_id;
    const draft = { threadKey: convo, to: [{ handle: closed.id }], cc: [], text: "hi back", attachments: [] };
    expect(await rejection(twitterProvider.send(env, account, draft))).toMatchObject({
      errorClass: "permanent",
      status: 403,
    });
    expect(
      await rejection(
        twitterProvider.send(env, account, {
          ...draft,
          attachments: [{ filename: "a.png", contentType: "image/png", content: Buffer.from("x") }],
        }),
      ),
    ).toMatchObject({ errorClass: "permanent", code: "TWITTER_ATTACHMENTS_UNSUPPORTED" });
    expect(twitterProvider.capabilities.attachments).toBe(false);
  });

  it("disconnect invalidates the access token", async () => {
    await twitterProvider.disconnect!(env, account);
    expect(standIn.requests()).toContain("POST /1.1/oauth/invalidate_token");
    expect(await rejection(twitterProvider.sync(env, account, null, {}))).toMatchObject({ errorClass: "auth" });
    await expect(twitterProvider.disconnect!(env, account)).resolves.toBeUndefined();
  });
});
