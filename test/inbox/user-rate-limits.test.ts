// Per-user limits on the calls that spend the server's provider quotas or money: manual
// "sync now" (RATE_LIMIT_SYNC_NOW, inbox accounts and calendars together) and suggested replies
// (RATE_LIMIT_SUGGEST_REPLY, one paid OpenAI call each). Over the limit: 429 with Retry-After
// and a message, nothing reaches the provider; other users are unaffected.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGoogleStandIn, type GoogleStandIn } from "../../standins/google/index.ts";
import { startOpenAIStandIn, type OpenAIStandIn } from "../../standins/openai/index.ts";
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "../helpers/app.ts";
import { signedInUser } from "../helpers/accounts.ts";
import { until } from "../helpers/realtime.ts";
import type { HttpClient } from "../helpers/http.ts";

let google: GoogleStandIn, openai: OpenAIStandIn;
let app: TestApp;
type User = { client: HttpClient; userId: string; accountId: string; conversationId: string };
const users: User[] = [];

async function connectedArtist(mailbox: string): Promise<User> {
  google.addMailbox(mailbox, { name: mailbox });
  await google.deliver(mailbox, {
    from: "Sam Rivera <sam@example.test>",
    subject: "Fine-line rose",
    text: "Do you have time for a small rose on the wrist?",
  });
  const artist = await signedInUser(app, { role: "artist" });
  google.consentAs(mailbox);
  const start = await artist.client.raw("GET", "/api/integrations/google/auth");
  const consent = await fetch(start.headers.get("location")!, { redirect: "manual" });
  const callback = new URL(consent.headers.get("location")!);
  const done = await artist.client.raw("GET", callback.pathname + callback.search);
  const accountId = new URL(done.headers.get("location")!).searchParams.get("connected")!;
  // The connect's first sync has finished (its lease is free again) before any manual sync.
  await until(
    async () => (await app.ctx.db.syncRun.count({ where: { accountId, status: { not: "running" } } })) === 1,
    10_000,
    "the first sync",
  );
  const conversationId = (await artist.client.get("/api/inbox/conversations")).body.items[0].id;
  return { ...artist, accountId, conversationId };
}

beforeAll(async () => {
  [google, openai] = await Promise.all([startGoogleStandIn(), startOpenAIStandIn()]);
  app = await startTestApp({
    databaseUrl: await isolatedDatabaseUrl(),
    env: { ...google.env(), ...openai.env(), RATE_LIMIT_SYNC_NOW: "3/10m", RATE_LIMIT_SUGGEST_REPLY: "2/10m" },
  });
  users.push(await connectedArtist("limits.one@gmail.test"), await connectedArtist("limits.two@gmail.test"));
});
afterAll(async () => {
  await app?.close();
  await Promise.all([google?.close(), openai?.close()]);
});

describe("per-user limits", () => {
  it("manual syncs: the fourth within the window answers 429 with Retry-After and never reaches the provider", async () => {
    const [one, two] = users as [User, User];
    for (let i = 0; i < 3; i++)
      expect((await one.client.post(`/api/integrations/${one.accountId}/sync`)).status).toBe(200);
    const runs = await app.ctx.db.syncRun.count({ where: { accountId: one.accountId } });
    const limited = await one.client.post(`/api/integrations/${one.accountId}/sync`);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(limited.body.error).toMatchObject({ code: "RATE_LIMITED", message: expect.stringMatching(/manual syncs/i) });
    expect(await app.ctx.db.syncRun.count({ where: { accountId: one.accountId } })).toBe(runs);
    // Another studio still syncs.
    expect((await two.client.post(`/api/integrations/${two.accountId}/sync`)).status).toBe(200);
  });

  it("suggested replies: the third within the window answers 429 with Retry-After, no OpenAI call made", async () => {
    const [one, two] = users as [User, User];
    for (let i = 0; i < 2; i++)
      expect((await one.client.post(`/api/inbox/conversations/${one.conversationId}/suggest-reply`)).status).toBe(200);
    const calls = openai.requests().length;
    const limited = await one.client.post(`/api/inbox/conversations/${one.conversationId}/suggest-reply`);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(limited.body.error).toMatchObject({
      code: "RATE_LIMITED",
      message: expect.stringMatching(/suggested replies/i),
    });
    expect(openai.requests().length).toBe(calls);
    expect((await two.client.post(`/api/inbox/conversations/${two.conversationId}/suggest-reply`)).status).toBe(200);
  });
});
