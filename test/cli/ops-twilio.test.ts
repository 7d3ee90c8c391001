// `tatu provider twilio assign|unassign|list` (the admin API, bearer CRON_SECRET) and `tatu smoke
// sms` covering both ways a studio texts: a number of the server's Twilio account assigned to
// the smoke artist, and a number of the studio's own Twilio account.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startTwilioStandIn, type TwilioStandIn } from "../../standins/twilio/index.ts";
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "../helpers/app.ts";
import { PASSWORD, signedInUser } from "../helpers/accounts.ts";
import type { HttpClient } from "../helpers/http.ts";
import { until } from "../helpers/realtime.ts";
import { secret, tatu } from "./ops-helpers.ts";

vi.setConfig({ testTimeout: 90_000 });

const cronSecret = secret("cron-");
let twilio: TwilioStandIn, app: TestApp;
let smoke: { client: HttpClient; email: string; userId: string };
let cliEnv: Record<string, string>;
let senderToken: string;
const customerPhone = "+14155550143";

beforeAll(async () => {
  twilio = await startTwilioStandIn();
  twilio.setAutoDeliver(true); // like the real Twilio: sent + delivered callbacks
  app = await startTestApp({
    publicUrl: true,
    databaseUrl: await isolatedDatabaseUrl(),
    env: { ...twilio.env(), CRON_SECRET: cronSecret },
  });
  smoke = await signedInUser(app, { role: "artist" });
  // The second test number that texts the studio (a number of another Twilio account).
  const phone = twilio.addAccount();
  phone.addNumber(customerPhone);
  senderToken = phone.authToken;
  cliEnv = {
    CRON_SECRET: cronSecret,
    TATU_SMOKE_EMAIL: smoke.email,
    TATU_SMOKE_PASSWORD: PASSWORD,
    TATU_SMOKE_ROUNDTRIP_SECONDS: "20",
    TWILIO_API_BASE_URL: twilio.url,
    TATU_SMOKE_SENDER_TWILIO_ACCOUNT_SID: phone.accountSid,
    TATU_SMOKE_SENDER_TWILIO_AUTH_TOKEN: phone.authToken,
    TATU_SMOKE_SENDER_TWILIO_NUMBER: customerPhone,
  };
}, 60_000);
afterAll(async () => {
  await app?.close();
  await twilio?.close();
});

describe("tatu provider twilio", () => {
  it("assign lets only that artist connect the server number; bad input is a usage error (exit 2); list and unassign", async () => {
    const number = twilio.env().TWILIO_PHONE_NUMBER!;
    const other = await signedInUser(app, { role: "artist" });
    expect((await other.client.post("/api/integrations/twilio/connect", {})).body.error.code).toBe(
      "TWILIO_NUMBER_NOT_ASSIGNED",
    );

    const bad = await tatu(
      ["--json", "--url", app.url, "provider", "twilio", "assign", "555-0100", smoke.email],
      cliEnv,
      [cronSecret],
    );
    expect(bad.exitCode).toBe(2);
    const noSecret = await tatu(
      ["--json", "--url", app.url, "provider", "twilio", "assign", number, smoke.email],
      {},
      [],
    );
    expect(noSecret.exitCode).toBe(2);
    const unknown = await tatu(
      ["--json", "--url", app.url, "provider", "twilio", "assign", number, "nobody@example.test"],
      cliEnv,
      [cronSecret],
    );
    expect(unknown.exitCode).toBe(1);
    expect(unknown.json.steps[0].summary).toMatch(/No Tatu account uses/);

    const res = await tatu(["--json", "--url", app.url, "provider", "twilio", "assign", number, smoke.email], cliEnv, [
      cronSecret,
    ]);
    expect(res.exitCode, res.stdout + res.stderr).toBe(0);
    expect(res.json.steps[0]).toMatchObject({
      id: "provider.twilio.assign",
      ok: true,
      details: { assignment: { phoneNumber: number, email: smoke.email } },
    });
    expect((await smoke.client.post("/api/integrations/twilio/connect", {})).status).toBe(201);
    expect((await other.client.post("/api/integrations/twilio/connect", {})).body.error.code).toBe(
      "TWILIO_NUMBER_NOT_ASSIGNED",
    );

    const list = await tatu(["--json", "--url", app.url, "provider", "twilio", "list"], cliEnv, [cronSecret]);
    expect(list.exitCode).toBe(0);
    expect(list.json.steps[0].details.items).toEqual([
      expect.objectContaining({ phoneNumber: number, email: smoke.email, connected: true }),
    ]);

    // Unassigning a number nobody holds is a failed step; confirming is needed without --yes.
    const spare = "+15017120000";
    expect(
      (await tatu(["--json", "--url", app.url, "provider", "twilio", "unassign", spare], cliEnv, [cronSecret]))
        .exitCode,
    ).toBe(2);
    expect(
      (await tatu(["--json", "--yes", "--url", app.url, "provider", "twilio", "unassign", spare], cliEnv, [cronSecret]))
        .exitCode,
    ).toBe(1);
  });
});

describe("tatu smoke sms", () => {
  it("checks the assigned server number and the studio's own Twilio account: replies go out through each account and come back", async () => {
    const own = twilio.addAccount();
    const ownNumber = own.addNumber("+15017122663").phoneNumber;
    const connected = await smoke.client.post("/api/integrations/twilio/connect", {
      phoneNumber: ownNumber,
      accountSid: own.accountSid,
      authToken: own.authToken,
    });
    expect(connected.status, connected.text).toBe(201);
    for (const to of [twilio.env().TWILIO_PHONE_NUMBER!, ownNumber])
      expect(
        (
          await twilio.inbound(undefined, {
            from: "+14155550142",
            to,
            body: `smoke hello ${randomBytes(2).toString("hex")}`,
          })
        ).status,
      ).toBe(200);
    await until(
      async () => (await smoke.client.get("/api/inbox/conversations?channel=twilio")).body.items.length === 2,
      15_000,
      "both texts",
    );

    const res = await tatu(["--json", "--url", app.url, "smoke", "sms"], cliEnv, [
      PASSWORD,
      own.authToken,
      cronSecret,
      senderToken,
    ]);
    expect(res.exitCode, res.stdout).toBe(0);
    const names = res.json.steps[0].details.items.map((i: { name: string }) => i.name);
    for (const prefix of [`server number ${twilio.env().TWILIO_PHONE_NUMBER}`, `own Twilio account ${ownNumber}`])
      for (const check of [
        "connected",
        "healthy",
        "number",
        "messages",
        "inbound",
        "reply",
        "manual sync",
        "round trip",
      ])
        expect(names).toContain(`${prefix}: ${check}`);
    const bodies = twilio.sent().filter((s) => s.body.includes("Tatu launch smoke test") && s.from !== customerPhone);
    expect(bodies.map((s) => s.accountSid).sort()).toEqual([twilio.accountSid, own.accountSid].sort());
    // Each number got a fresh text from the second number, and answered it there.
    expect(bodies.map((s) => s.to)).toEqual([customerPhone, customerPhone]);
  });
});
