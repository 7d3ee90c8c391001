// Issue 15 item 2: one studio must not be able to take over another's SMS number. Attacks as a
// hostile signed-in user would run them (a free account, a browser-level HTTP client) against
// the real service and the Twilio stand-in, which plays the server's account and studios' own.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { startTwilioStandIn, type TwilioStandIn } from "../../standins/twilio/index.ts";
import { isolatedDatabaseUrl, startTestApp, type TestApp, webhooksProcessed } from "../helpers/app.ts";
import { signedInUser } from "../helpers/accounts.ts";
import type { HttpClient } from "../helpers/http.ts";
import { until } from "../helpers/realtime.ts";
import { suiteResources } from "../helpers/suite.ts";

let twilio: TwilioStandIn, app: TestApp;
const cronSecret = `cron-${randomBytes(16).toString("hex")}`;
const admin = () => ({ authorization: `Bearer ${cronSecret}` });
const n = () => `+1415${String(1_000_000 + Math.floor(Math.random() * 8_999_999))}`;

suiteResources(async (track) => {
  twilio = track(await startTwilioStandIn());
  app = track(
    await startTestApp({
      publicUrl: true,
      databaseUrl: await isolatedDatabaseUrl(),
      env: { ...twilio.env(), CRON_SECRET: cronSecret },
    }),
  );
}, 60_000);

const connect = (c: HttpClient, body: Record<string, string> = {}) => c.post("/api/integrations/twilio/connect", body);
const assign = (number: string, email: string) =>
  app.client().put(`/api/admin/twilio-numbers/${encodeURIComponent(number)}`, { email }, admin());
const liveTwilio = (number: string) =>
  app.ctx.db.connectedAccount.findMany({
    where: { provider: "twilio", externalId: number, status: { not: "disabled" } },
  });
/** A new number of the server's account, assigned to `artist` and connected by them. */
async function assignedAndConnected(artist: { client: HttpClient; email: string }): Promise<string> {
  const number = n();
  twilio.addNumber(number);
  expect((await assign(number, artist.email)).status).toBe(200);
  expect((await connect(artist.client, { phoneNumber: number })).status).toBe(201);
  return number;
}
/** A new studio-owned account of the stand-in holding one new number, and the connect body for it. */
function ownAccountWithNumber() {
  const own = twilio.addAccount();
  const number = n();
  own.addNumber(number);
  return { own, number, body: { phoneNumber: number, accountSid: own.accountSid, authToken: own.authToken } };
}
/** The params of an inbound text as Twilio posts them, under a fresh MessageSid. */
const inboundSms = <F extends Record<string, string>>(fields: F) => ({
  MessageSid: `SM${randomBytes(16).toString("hex")}`,
  ...fields,
});
const smsThreads = async (c: HttpClient) =>
  (await c.get("/api/inbox/conversations?channel=twilio")).body.items as { id: string; snippet: string }[];

describe("numbers of the server's Twilio account", () => {
  it("a second studio cannot connect the number the first one uses: 403 TWILIO_NUMBER_NOT_ASSIGNED, nothing changes", async () => {
    const victim = await signedInUser(app),
      attacker = await signedInUser(app);
    const number = await assignedAndConnected(victim);

    const taken = await connect(attacker.client, { phoneNumber: number });
    expect(taken.status, taken.text).toBe(403);
    expect(taken.body.error).toMatchObject({
      code: "TWILIO_NUMBER_NOT_ASSIGNED",
      message: expect.stringContaining(number),
    });
    const live = await liveTwilio(number);
    expect(live.map((a) => a.userId)).toEqual([victim.userId]);
  });

  it("connect without a number means TWILIO_PHONE_NUMBER, under the same rule", async () => {
    const someone = await signedInUser(app);
    const res = await connect(someone.client, {});
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("TWILIO_NUMBER_NOT_ASSIGNED");
    expect(res.body.error.message).toContain(twilio.env().TWILIO_PHONE_NUMBER);
  });

  it("the assigned artist connects; reassigning disconnects the previous holder; unassigning disconnects the holder", async () => {
    const first = await signedInUser(app),
      second = await signedInUser(app);
    const number = await assignedAndConnected(first);
    const listed = await app.client().get("/api/admin/twilio-numbers", admin());
    expect(listed.body.items).toContainEqual(
      expect.objectContaining({ phoneNumber: number, email: first.email, connected: true }),
    );

    const moved = await assign(number, second.email);
    expect(moved.body).toMatchObject({ assignment: { phoneNumber: number, email: second.email }, disconnected: 1 });
    expect((await connect(first.client, { phoneNumber: number })).body.error.code).toBe("TWILIO_NUMBER_NOT_ASSIGNED");
    expect((await connect(second.client, { phoneNumber: number })).status).toBe(201);
    expect(
      (await first.client.get("/api/integrations")).body.items.find((a: { address: string }) => a.address === number),
    ).toMatchObject({ status: "disabled" });

    const gone = await app.client().delete(`/api/admin/twilio-numbers/${encodeURIComponent(number)}`, admin());
    expect(gone.body).toMatchObject({ unassigned: true, disconnected: 1 });
    expect(await liveTwilio(number)).toEqual([]);
  });

  it("the admin API: bearer or admin only, E.164 checked by zod, artists only", async () => {
    const artist = await signedInUser(app),
      customer = await signedInUser(app, { role: "customer" });
    expect((await app.client().put("/api/admin/twilio-numbers/%2B14155550100", { email: artist.email })).status).toBe(
      401,
    );
    expect((await artist.client.put("/api/admin/twilio-numbers/%2B14155550100", { email: artist.email })).status).toBe(
      403,
    );
    const bad = await app.client().put("/api/admin/twilio-numbers/555-0100", { email: artist.email }, admin());
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.e164).toMatch(/E\.164/);
    expect(
      (await app.client().put("/api/admin/twilio-numbers/%2B14155550100", { email: "nobody@example.test" }, admin()))
        .status,
    ).toBe(404);
    expect(
      (await app.client().put("/api/admin/twilio-numbers/%2B14155550100", { email: customer.email }, admin())).body
        .error.code,
    ).toBe("NOT_AN_ARTIST");
  });
});

describe("only artists connect inbox channels", () => {
  it("a customer gets 403 on every connect and OAuth start route, and nothing is connected", async () => {
    const customer = await signedInUser(app, { role: "customer" });
    const number = n();
    twilio.addNumber(number);
    await app.ctx.db.twilioNumberAssignment.create({
      data: { phoneNumber: number, userId: customer.userId, assignedBy: "test (a stale assignment)" },
    });
    const attempts = [
      await connect(customer.client, { phoneNumber: number }),
      await customer.client.post("/api/integrations/yahoo/connect", {
        email: "c@yahoo.test",
        appPassword: "abcdefghijklmnop",
      }),
      ...(await Promise.all(
        ["google", "outlook", "facebook", "twitter"].map((route) =>
          customer.client.get(`/api/integrations/${route}/auth?format=json`),
        ),
      )),
      await customer.client.get("/api/integrations/google/callback?state=x&code=y"),
    ];
    for (const res of attempts) expect(res.status, res.text).toBe(403);
    expect(attempts[0]!.body.error.code).toBe("ARTISTS_ONLY");
    expect(await app.ctx.db.connectedAccount.count({ where: { userId: customer.userId } })).toBe(0);
  });
});

describe("one live account per number", () => {
  it("two studios with the same Twilio credentials connect one number at once: exactly one wins, the other gets 409 TWILIO_NUMBER_IN_USE", async () => {
    const { number, body } = ownAccountWithNumber();
    const users = await Promise.all([signedInUser(app), signedInUser(app), signedInUser(app)]);
    const answers = await Promise.all(users.map((u) => connect(u.client, body)));
    expect(answers.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    for (const r of answers.filter((x) => x.status === 409)) expect(r.body.error.code).toBe("TWILIO_NUMBER_IN_USE");
    expect(await liveTwilio(number)).toHaveLength(1);

    // Later attempts change nothing either; the holder disconnecting frees the number.
    const winner = users[answers.findIndex((r) => r.status === 201)]!;
    const loser = users.find((u) => u !== winner)!;
    expect((await connect(loser.client, body)).status).toBe(409);
    const held = (await liveTwilio(number))[0]!;
    expect(held.userId).toBe(winner.userId);
    expect((await winner.client.delete(`/api/integrations/${held.id}`)).status).toBe(200);
    expect((await connect(loser.client, body)).status).toBe(201);
    expect((await connect(winner.client, body)).status).toBe(409);
  });
});

describe("a studio's own Twilio account", () => {
  it("wrong credentials → 400 TWILIO_CREDENTIALS_INVALID; a number of another account → 400; bad fields → 400 with messages", async () => {
    const studio = await signedInUser(app);
    const own = twilio.addAccount(),
      other = twilio.addAccount();
    const mine = n(),
      theirs = n();
    own.addNumber(mine);
    other.addNumber(theirs);
    const wrong = await connect(studio.client, {
      phoneNumber: mine,
      accountSid: own.accountSid,
      authToken: "f".repeat(32),
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toMatchObject({
      code: "TWILIO_CREDENTIALS_INVALID",
      message: expect.stringMatching(/Account SID and auth token/),
    });
    const notMine = await connect(studio.client, {
      phoneNumber: theirs,
      accountSid: own.accountSid,
      authToken: own.authToken,
    });
    expect(notMine.status).toBe(400);
    expect(notMine.body.error.code).toBe("TWILIO_NUMBER_NOT_IN_ACCOUNT");
    const fields = await connect(studio.client, { accountSid: "nope", authToken: own.authToken });
    expect(fields.status).toBe(400);
    expect(Object.keys(fields.body.error.fields).sort()).toEqual(["accountSid", "phoneNumber"]);
    expect(await app.ctx.db.connectedAccount.count({ where: { userId: studio.userId } })).toBe(0);
  });

  it("connects with its own credentials (sealed at rest), sends and syncs through its own account, and its webhooks verify with its own token", async () => {
    const studio = await signedInUser(app);
    const { own, number, body } = ownAccountWithNumber();
    const res = await connect(studio.client, body);
    expect(res.status, res.text).toBe(201);
    expect(res.body.account).toMatchObject({ address: number, twilioAccount: "own" });
    expect(JSON.stringify(res.body)).not.toContain(own.authToken);
    const row = await app.ctx.db.connectedAccount.findFirstOrThrow({
      where: { userId: studio.userId, provider: "twilio" },
    });
    expect(row.credentials).not.toContain(own.authToken);
    expect(row.providerAccountId).toBe(own.accountSid);
    expect(twilio.number(number)!.smsUrl).toBe(`${app.url}/api/webhooks/twilio`);

    // Twilio posts the text signed with the studio's own token; it lands in the studio's inbox.
    const delivery = await twilio.inbound(undefined, { from: "+14155550123", to: number, body: "own account hello" });
    expect(delivery.status).toBe(200);
    expect(delivery.params.AccountSid).toBe(own.accountSid);
    await until(
      async () => (await smsThreads(studio.client)).length === 1,
      10_000,
      "the text on the studio's own account",
    );

    // The reply goes out through the studio's own account.
    const [conv] = await smsThreads(studio.client);
    expect(
      (await studio.client.post(`/api/inbox/conversations/${conv!.id}/reply`, { text: "from my own account" })).status,
    ).toBe(202);
    await until(() => twilio.sent().some((s) => s.body === "from my own account"), 10_000, "the reply");
    expect(twilio.sent().find((s) => s.body === "from my own account")!.accountSid).toBe(own.accountSid);
    const sync = await studio.client.post(`/api/integrations/${row.id}/sync`, {});
    expect(sync.status, sync.text).toBe(200);
  });

  it("a webhook signed with the server's token but naming the studio's AccountSid, or naming an unknown AccountSid, is rejected like a bad signature", async () => {
    const studio = await signedInUser(app);
    const { own, number, body } = ownAccountWithNumber();
    expect((await connect(studio.client, body)).status).toBe(201);
    const params = inboundSms({ From: "+14155550124", To: number, Body: "forged", AccountSid: own.accountSid });
    const url = `${app.url}/api/webhooks/twilio`;
    expect((await twilio.postWebhook(url, params)).status).toBe(403); // the server's token
    expect(
      (
        await twilio.postWebhook(
          url,
          { ...params, AccountSid: `AC${randomBytes(16).toString("hex")}` },
          { authToken: own.authToken },
        )
      ).status,
    ).toBe(403);
    expect((await twilio.postWebhook(url, params, { authToken: own.authToken })).status).toBe(200);
  });

  it("another studio's own Twilio account cannot push texts into a number it does not own", async () => {
    const victim = await signedInUser(app),
      attacker = await signedInUser(app);
    const victimNumber = await assignedAndConnected(victim);
    const { own: evil, body } = ownAccountWithNumber();
    expect((await connect(attacker.client, body)).status).toBe(201);
    // Validly signed by the attacker's own account, but "To" the victim's number.
    const forged = inboundSms({
      From: "+14155550125",
      To: victimNumber,
      Body: "pay here: evil.example",
      AccountSid: evil.accountSid,
      NumMedia: "0",
    });
    expect(
      (await twilio.postWebhook(`${app.url}/api/webhooks/twilio`, forged, { authToken: evil.authToken })).status,
    ).toBe(200);
    await until(
      async () =>
        (await app.ctx.db.webhookEvent.findFirst({ where: { source: "twilio", eventId: forged.MessageSid } }))
          ?.status !== "received",
      10_000,
      "processing",
    );
    expect(await app.ctx.db.message.count({ where: { text: forged.Body } })).toBe(0);
  });
});

describe("inbound texts reach the one account owning the number", () => {
  it("two studios, two numbers: a text to A lands only in A's inbox, a text to B only in B's", async () => {
    const a = await signedInUser(app),
      b = await signedInUser(app);
    const numberA = n(),
      numberB = n();
    twilio.addNumber(numberA);
    twilio.addNumber(numberB);
    await assign(numberA, a.email);
    await assign(numberB, b.email);
    expect((await connect(a.client, { phoneNumber: numberA })).status).toBe(201);
    expect((await connect(b.client, { phoneNumber: numberB })).status).toBe(201);
    // B also tries to listen in on A's number (today: allowed, and every text fans out to both).
    await connect(b.client, { phoneNumber: numberA });

    expect((await twilio.inbound(undefined, { from: "+14155550126", to: numberA, body: "for A only" })).status).toBe(
      200,
    );
    expect((await twilio.inbound(undefined, { from: "+14155550127", to: numberB, body: "for B only" })).status).toBe(
      200,
    );
    await until(
      async () => (await smsThreads(a.client)).length >= 1 && (await smsThreads(b.client)).length >= 1,
      10_000,
      "both texts",
    );
    await webhooksProcessed(app, "twilio", 10_000);
    expect((await smsThreads(a.client)).map((c) => c.snippet)).toEqual(["for A only"]);
    expect((await smsThreads(b.client)).map((c) => c.snippet)).toEqual(["for B only"]);
    expect(await app.ctx.db.message.count({ where: { text: "for A only" } })).toBe(1);
  });
});
