// Gmail and Outlook (a Hotmail alias) in one unified inbox, connected through the real OAuth
// routes against the Google and Microsoft stand-ins, then synced, answered and broken the
// ways real providers break — all through Tatu's HTTP API.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGoogleStandIn, type GoogleStandIn } from "../../standins/google/index.ts";
import { startMicrosoftStandIn, type MicrosoftStandIn } from "../../standins/microsoft/index.ts";
import { startOpenAIStandIn, type OpenAIStandIn } from "../../standins/openai/index.ts";
import { isolatedDatabaseUrl, startTestApp, uniqueEmail, type TestApp } from "../helpers/app.ts";
import { signedInUser } from "../helpers/accounts.ts";
import { openSocket, until } from "../helpers/realtime.ts";
import type { HttpClient } from "../helpers/http.ts";

let google: GoogleStandIn, microsoft: MicrosoftStandIn, openai: OpenAIStandIn;
let app: TestApp;
let artist: { client: HttpClient; email: string; userId: string };
const gmailAddress = "ink.studio@gmail.test";
const hotmailAddress = "old.school.ink@hotmail.com";

/** Follows the consent hop like a browser: our /auth → provider consent → our /callback. */
async function connectVia(client: HttpClient, route: "google" | "outlook") {
  const start = await client.raw("GET", `/api/integrations/${route}/auth`);
  expect(start.status).toBe(302);
  const consent = await fetch(start.headers.get("location")!, { redirect: "manual" });
  expect(consent.status).toBe(302);
  const callback = new URL(consent.headers.get("location")!);
  expect(callback.pathname).toBe(`/api/integrations/${route}/callback`);
  const done = await client.raw("GET", callback.pathname + callback.search);
  return { done, callbackPath: callback.pathname + callback.search, state: callback.searchParams.get("state")! };
}

beforeAll(async () => {
  [google, microsoft, openai] = await Promise.all([
    startGoogleStandIn(),
    startMicrosoftStandIn(),
    startOpenAIStandIn(),
  ]);
  google.addMailbox(gmailAddress, { name: "Ink Studio" });
  microsoft.addUser(hotmailAddress, { displayName: "Old School Ink" });
  app = await startTestApp({
    databaseUrl: await isolatedDatabaseUrl(),
    env: { ...google.env(), ...microsoft.env(), ...openai.env() },
  });
  artist = await signedInUser(app, { role: "artist" });
});
afterAll(async () => {
  await app?.close();
  await Promise.all([google?.close(), microsoft?.close(), openai?.close()]);
});

let gmailAccount: string, outlookAccount: string;
let firstGmail: { threadId: string; messageId: string };

describe("connecting through OAuth", () => {
  it("connects Gmail: consent, verified state + PKCE, encrypted tokens, first sync", async () => {
    firstGmail = await google.deliver(gmailAddress, {
      from: "Sam Rivera <sam@example.test>",
      subject: "Fine-line rose",
      text: "Do you have time for a small rose on the wrist?",
    });
    google.consentAs(gmailAddress);
    const { done } = await connectVia(artist.client, "google");
    expect(done.status).toBe(303);
    const back = new URL(done.headers.get("location")!);
    expect(back.pathname).toBe("/integrations");
    expect(back.searchParams.get("connected")).toBeTruthy();
    gmailAccount = back.searchParams.get("connected")!;

    const list = await artist.client.get("/api/integrations");
    expect(list.body.items).toEqual([
      expect.objectContaining({ id: gmailAccount, provider: "gmail", address: gmailAddress, status: "active" }),
    ]);
    const row = await app.ctx.db.connectedAccount.findUniqueOrThrow({ where: { id: gmailAccount } });
    expect(row.credentials.startsWith("v1.")).toBe(true);
    expect(row.credentials).not.toMatch(/refresh|ya29|access/i);
    // The first sync was started by the connect.
    await until(
      async () => (await artist.client.get("/api/inbox/conversations?channel=gmail")).body.items.length === 1,
      10_000,
      "the first Gmail sync",
    );
  });

  it("connects a Hotmail address as Outlook with the Hotmail label", async () => {
    await microsoft.deliver(hotmailAddress, {
      from: { name: "Alex Kim", address: "alex@example.test" },
      subject: "Cover-up question",
      text: "Can you cover an old tribal piece?",
    });
    microsoft.consentAs(hotmailAddress);
    const { done } = await connectVia(artist.client, "outlook");
    expect(done.status).toBe(303);
    outlookAccount = new URL(done.headers.get("location")!).searchParams.get("connected")!;
    const one = await artist.client.get(`/api/integrations/${outlookAccount}`);
    expect(one.body.account).toMatchObject({
      provider: "outlook",
      address: hotmailAddress,
      aliasLabel: "Hotmail",
      status: "active",
    });
    await until(
      async () => (await artist.client.get("/api/inbox/conversations?channel=outlook")).body.items.length === 1,
      10_000,
      "the first Outlook sync",
    );
  });

  it("rejects a replayed, forged or someone else's state", async () => {
    google.consentAs(gmailAddress);
    const { callbackPath } = await connectVia(artist.client, "google");
    const replay = await artist.client.get(callbackPath);
    expect(replay.status).toBe(400);
    expect(replay.body.error.code).toBe("OAUTH_STATE_USED");

    const forged = await artist.client.get("/api/integrations/google/callback?code=abc&state=forged-state-value");
    expect(forged.body.error.code).toBe("OAUTH_STATE_INVALID");

    // A state started by the artist, completed in another user's session (login CSRF on connect).
    const start = await artist.client.raw("GET", "/api/integrations/google/auth");
    const consent = await fetch(start.headers.get("location")!, { redirect: "manual" });
    const callback = new URL(consent.headers.get("location")!);
    const other = await signedInUser(app, { email: uniqueEmail("other") });
    const stolen = await other.client.get(callback.pathname + callback.search);
    expect(stolen.status).toBe(400);
    expect(stolen.body.error.code).toBe("OAUTH_STATE_MISMATCH");
    expect((await other.client.get("/api/integrations")).body.items).toEqual([]);
  });

  it("sends the user back with ACCESS_DENIED when they decline consent", async () => {
    google.denyNextConsent();
    const { done } = await connectVia(artist.client, "google");
    expect(done.status).toBe(303);
    expect(new URL(done.headers.get("location")!).searchParams.get("error")).toBe("ACCESS_DENIED");
  });

  it("needs a session to start connecting", async () => {
    expect((await app.client().get("/api/integrations/google/auth")).status).toBe(401);
  });
});

describe("one inbox across providers", () => {
  it("lists both channels newest first, with contacts, and filters by channel", async () => {
    await google.deliver(gmailAddress, {
      from: "Sam Rivera <sam@example.test>",
      subject: "Re: Fine-line rose",
      text: "Also: is a Saturday possible?",
      threadId: firstGmail.threadId,
      inReplyTo: firstGmail.messageId,
      date: new Date(Date.now() + 1000),
    });
    expect((await artist.client.post(`/api/integrations/${gmailAccount}/sync`)).body).toMatchObject({ status: "ok" });
    const all = await artist.client.get("/api/inbox/conversations");
    expect(all.body.items.map((c: { channel: string }) => c.channel)).toEqual(["gmail", "outlook"]);
    expect(all.body.items[0]).toMatchObject({
      subject: "Fine-line rose",
      contact: { name: "Sam Rivera", handle: "sam@example.test" },
    });
    expect(all.body.items[1]).toMatchObject({
      subject: "Cover-up question",
      contact: { name: "Alex Kim", handle: "alex@example.test" },
    });
    expect((await artist.client.get("/api/inbox/conversations?channel=outlook")).body.items).toHaveLength(1);
  });

  it("replies in the Gmail thread (threadId, In-Reply-To) and records it as sent", async () => {
    const conv = (await artist.client.get("/api/inbox/conversations?channel=gmail")).body.items[0];
    const messages = (await artist.client.get(`/api/inbox/conversations/${conv.id}/messages`)).body.items;
    expect(messages).toHaveLength(2);
    const socket = await openSocket(app.url, artist.client);
    const res = await artist.client.post(`/api/inbox/conversations/${conv.id}/reply`, {
      text: "Saturday at 11 works — see you then!",
    });
    expect(res.status).toBe(202);
    expect(res.body.status).toBe("sent");
    await socket.waitFor(
      (e) => e.type === "message.status" && e.messageId === res.body.messageId && e.status === "sent",
    );
    socket.close();
    const [sent] = google.sent(gmailAddress);
    const threadKey = (await app.ctx.db.conversation.findUniqueOrThrow({ where: { id: conv.id } })).threadKey;
    expect(sent!.threadId).toBe(threadKey);
    const latestInbound = await app.ctx.db.message.findFirstOrThrow({
      where: { conversationId: conv.id, direction: "inbound" },
      orderBy: { sentAt: "desc" },
    });
    expect(sent!.parsed.inReplyTo).toBe(latestInbound.rfc822MessageId);
    expect(sent!.parsed.subject).toBe("Re: Fine-line rose");
    // The sent copy comes back through history as the same message, not a second one.
    await artist.client.post(`/api/integrations/${gmailAccount}/sync`);
    expect(await app.ctx.db.message.count({ where: { conversationId: conv.id } })).toBe(3);
  });

  it("replies in the Outlook conversation", async () => {
    const conv = (await artist.client.get("/api/inbox/conversations?channel=outlook")).body.items[0];
    const res = await artist.client.post(`/api/inbox/conversations/${conv.id}/reply`, {
      text: "Yes — send me a photo of the old piece.",
    });
    expect(res.body.status).toBe("sent");
    const [sent] = microsoft.sent(hotmailAddress);
    const threadKey = (await app.ctx.db.conversation.findUniqueOrThrow({ where: { id: conv.id } })).threadKey;
    expect(sent).toMatchObject({ conversationId: threadKey });
  });

  it("drafts a suggested reply from the thread without sending anything", async () => {
    const conv = (await artist.client.get("/api/inbox/conversations?channel=outlook")).body.items[0];
    const before = microsoft.sent(hotmailAddress).length;
    const res = await artist.client.post(`/api/inbox/conversations/${conv.id}/suggest-reply`);
    expect(res.status).toBe(200);
    expect(res.body.draft).toContain("old tribal piece");
    const request = openai.requests().at(-1)!;
    expect(request.messages[0]!.role).toBe("system");
    expect(request.messages.some((m) => m.role === "assistant" && m.content.includes("photo of the old piece"))).toBe(
      true,
    );
    expect(microsoft.sent(hotmailAddress).length).toBe(before);
    openai.failNext(1, { status: 429, retryAfter: 12 });
    const busy = await artist.client.post(`/api/inbox/conversations/${conv.id}/suggest-reply`);
    expect(busy.status).toBe(503);
    expect(busy.body.error.code).toBe("SUGGESTIONS_BUSY");
    expect(busy.headers.get("retry-after")).toBe("12");
  });
});

describe("when providers push back", () => {
  it("a 429 answers 503 with the provider's Retry-After and leaves the account active", async () => {
    google.failNext(1, { status: 429, retryAfter: 7 });
    const res = await artist.client.post(`/api/integrations/${gmailAccount}/sync`);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("PROVIDER_RATE_LIMITED");
    expect(res.headers.get("retry-after")).toBe("7");
    const account = (await artist.client.get(`/api/integrations/${gmailAccount}`)).body.account;
    expect(account.status).toBe("active");
    expect(account.lastError).toMatch(/slow down/i);
    expect((await artist.client.post(`/api/integrations/${gmailAccount}/sync`)).body.status).toBe("ok");
    // Hypercare sees it: one sync error and one 5xx for Gmail in the last 15 minutes.
    const metrics = () =>
      app.client().get("/api/admin/metrics", { authorization: `Bearer ${app.ctx.config.cronSecret}` });
    await until(
      async () => (await metrics()).body.windows["15m"].providers.gmail.serverErrors === 1,
      3000,
      "the 5xx to be counted",
    );
    const m = await metrics();
    expect(m.body.windows["15m"].providers.gmail).toMatchObject({ syncRunsError: 1, serverErrors: 1 });
    expect(m.body.windows["15m"].providers.gmail.syncRunsOk).toBeGreaterThanOrEqual(2);
  });

  it("a refreshed access token is saved and syncing goes on", async () => {
    const before = (await app.ctx.db.connectedAccount.findUniqueOrThrow({ where: { id: outlookAccount } })).credentials;
    microsoft.expireAccessTokens();
    await microsoft.deliver(hotmailAddress, { from: "alex@example.test", subject: "Photo", text: "Here it is" });
    expect((await artist.client.post(`/api/integrations/${outlookAccount}/sync`)).body).toMatchObject({
      status: "ok",
      inserted: 1,
    });
    expect(
      (await app.ctx.db.connectedAccount.findUniqueOrThrow({ where: { id: outlookAccount } })).credentials,
    ).not.toBe(before);
  });

  it("a revoked grant turns the account to reauth_required, tells the user live, and blocks replies", async () => {
    const socket = await openSocket(app.url, artist.client);
    google.revokeRefreshTokens(gmailAddress);
    const res = await artist.client.post(`/api/integrations/${gmailAccount}/sync`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("ACCOUNT_NEEDS_RECONNECT");
    await socket.waitFor(
      (e) => e.type === "account.status" && e.accountId === gmailAccount && e.status === "reauth_required",
    );
    socket.close();
    const account = (await artist.client.get("/api/integrations")).body.items.find(
      (a: { id: string }) => a.id === gmailAccount,
    );
    expect(account).toMatchObject({ status: "reauth_required", needsReconnect: true });
    expect(account.lastError).toMatch(/reconnect/i);
    const conv = (await artist.client.get("/api/inbox/conversations?channel=gmail")).body.items[0];
    expect(
      (await artist.client.post(`/api/inbox/conversations/${conv.id}/reply`, { text: "hi" })).body.error.code,
    ).toBe("ACCOUNT_NEEDS_RECONNECT");
    // The cron leaves it alone until the user reconnects; reconnecting revives the same account.
    google.consentAs(gmailAddress);
    const { done } = await connectVia(artist.client, "google");
    expect(new URL(done.headers.get("location")!).searchParams.get("connected")).toBe(gmailAccount);
    expect((await artist.client.get(`/api/integrations/${gmailAccount}`)).body.account.status).toBe("active");
  });

  it("disconnecting Gmail revokes the grant at Google", async () => {
    const res = await artist.client.delete(`/api/integrations/${gmailAccount}`);
    expect(res.body.account.status).toBe("disabled");
    expect(google.requests().some((r) => r.path.includes("/revoke"))).toBe(true);
  });
});
