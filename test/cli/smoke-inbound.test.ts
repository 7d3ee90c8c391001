// The inbound half of `tatu smoke`: a fresh message from outside must reach the unified inbox.
// Mail comes from a second test mailbox (an SMTP server routing to the Gmail stand-in), texts
// from a second Twilio number (through the Twilio stand-in's network), and on Messenger a
// person sends the one-time code the CLI shows. Each failing world fails with its reason.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startGoogleStandIn, type GoogleStandIn } from "../../standins/google/index.ts";
import { gmailHost, startMailExchange, type MailExchange } from "../../standins/mail-exchange/index.ts";
import { newPsid, startMetaStandIn, type MetaStandIn } from "../../standins/meta/index.ts";
import { startTwilioStandIn, type TwilioAccount, type TwilioStandIn } from "../../standins/twilio/index.ts";
import { PASSWORD, signedInUser } from "../helpers/accounts.ts";
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "../helpers/app.ts";
import type { HttpClient } from "../helpers/http.ts";
import { until } from "../helpers/realtime.ts";
import { secret, tatu, tatuInTerminal } from "./ops-helpers.ts";

vi.setConfig({ testTimeout: 90_000 });

const gmailAddress = "inbound.studio@gmail.test";
const sender = { email: "qa.sender@example.test", password: secret("smtp-") };
const customerPhone = "+14155550177";
let google: GoogleStandIn, meta: MetaStandIn, twilio: TwilioStandIn, exchange: MailExchange, app: TestApp;
let artist: { client: HttpClient; email: string };
let page: { id: string };
let studioNumber: string;
let studio: TwilioAccount;
let cliEnv: Record<string, string>;
let secrets: string[];

async function connectVia(client: HttpClient, route: string) {
  const start = await client.raw("GET", `/api/integrations/${route}/auth`);
  const consent = await fetch(start.headers.get("location")!, { redirect: "manual" });
  const callback = new URL(consent.headers.get("location")!);
  expect((await client.raw("GET", callback.pathname + callback.search)).status).toBe(303);
}

const itemsOf = (step: { details: { items: { name: string; ok: boolean; note: string }[] } }) => step.details.items;
const inboundOf = (step: Parameters<typeof itemsOf>[0]) => itemsOf(step).filter((i) => /inbound$/.test(i.name));

beforeAll(async () => {
  [google, meta, twilio] = await Promise.all([startGoogleStandIn(), startMetaStandIn(), startTwilioStandIn()]);
  twilio.setAutoDeliver(true); // "sent" and "delivered" callbacks, as Twilio posts them
  exchange = await startMailExchange({ sender: sender.email, password: sender.password, hosts: [gmailHost(google)] });
  app = await startTestApp({
    databaseUrl: await isolatedDatabaseUrl(),
    publicUrl: true,
    env: { ...google.env(), ...meta.env(), ...twilio.env() },
  });
  artist = await signedInUser(app, { role: "artist" });

  google.addMailbox(gmailAddress, { name: "Inbound Studio" });
  google.consentAs(gmailAddress);
  await connectVia(artist.client, "google");
  const owner = meta.addUser({ name: "Inbound Owner" });
  page = meta.addPage(owner.id, { name: "Inbound Ink" });
  meta.consentAs(owner.id);
  await connectVia(artist.client, "facebook");
  // The studio's own Twilio account and number; the customer's phone is a number of another account.
  studio = twilio.addAccount();
  studioNumber = studio.addNumber("+15017122670").phoneNumber;
  const sms = await artist.client.post("/api/integrations/twilio/connect", {
    phoneNumber: studioNumber,
    accountSid: studio.accountSid,
    authToken: studio.authToken,
  });
  expect(sms.status, sms.text).toBe(201);
  const phone = twilio.addAccount();
  phone.addNumber(customerPhone);
  // Messenger needs a conversation for its reply item (a person wrote before).
  await meta.postWebhook(
    `${app.url}/api/webhooks/facebook`,
    meta.customerMessage(page.id, { psid: newPsid(), name: "Earlier Fan", text: "hello before" }),
  );

  cliEnv = {
    TATU_SMOKE_EMAIL: artist.email,
    TATU_SMOKE_PASSWORD: PASSWORD,
    TWILIO_API_BASE_URL: twilio.url,
    ...exchange.env(),
    TATU_SMOKE_SENDER_TWILIO_ACCOUNT_SID: phone.accountSid,
    TATU_SMOKE_SENDER_TWILIO_AUTH_TOKEN: phone.authToken,
    TATU_SMOKE_SENDER_TWILIO_NUMBER: customerPhone,
  };
  secrets = [PASSWORD, sender.password, phone.authToken, studio.authToken];
}, 60_000);
afterAll(async () => {
  await app?.close();
  await Promise.all([google?.close(), meta?.close(), twilio?.close(), exchange?.close()]);
});

describe("email and SMS smokes send a fresh message in and see it arrive", () => {
  it("passes when the mail and the text reach the inbox; the replies go back to the test sender", async () => {
    const res = await tatu(["--json", "--url", app.url, "smoke", "gmail", "sms"], cliEnv, secrets);
    expect(res.exitCode, res.stdout).toBe(0);
    const [gmail, sms] = res.json.steps;
    expect(inboundOf(gmail)).toEqual([
      { name: "inbound", ok: true, note: expect.stringMatching(/^TATU-\d{6} arrived in [\d.]+ s$/) },
    ]);
    expect(inboundOf(sms)).toEqual([
      {
        name: `own Twilio account ${studioNumber}: inbound`,
        ok: true,
        note: expect.stringMatching(/^TATU-\d{6} arrived in/),
      },
    ]);
    // In order: the fresh message comes in before the reply, which answers it.
    const names = itemsOf(gmail).map((i) => i.name);
    expect(names.indexOf("inbound")).toBeLessThan(names.indexOf("reply"));
    const code = inboundOf(gmail)[0]!.note.slice(0, 11);
    expect(exchange.sent().filter((m) => m.subject.includes(code))).toEqual([
      { from: sender.email, to: [gmailAddress], subject: `Tatu inbound smoke ${code}`, bounced: [] },
    ]);
    const reply = google.sent(gmailAddress).find((s) => s.parsed.text?.includes("Tatu launch smoke test"));
    const to = [reply?.parsed.to ?? []].flat().flatMap((a) => a.value.map((v) => v.address));
    expect(to).toEqual([sender.email]);
    expect(twilio.sent().some((m) => m.to === customerPhone && m.body.includes("Tatu launch smoke test"))).toBe(true);
  });

  it("fails naming the variables when no second mailbox or number is configured", async () => {
    const env = Object.fromEntries(Object.entries(cliEnv).filter(([k]) => !k.startsWith("TATU_SMOKE_SENDER_")));
    const res = await tatu(["--json", "--url", app.url, "smoke", "gmail", "sms"], env, secrets);
    expect(res.exitCode, res.stdout).toBe(1);
    const [gmail, sms] = res.json.steps;
    expect(inboundOf(gmail)[0]).toMatchObject({ ok: false, note: expect.stringMatching(/TATU_SMOKE_SENDER_SMTP_URL/) });
    expect(inboundOf(sms)[0]).toMatchObject({
      ok: false,
      note: expect.stringMatching(/TATU_SMOKE_SENDER_TWILIO_ACCOUNT_SID/),
    });
  });

  it("fails when the sender mailbox refuses to send", async () => {
    const wrong = new URL(cliEnv.TATU_SMOKE_SENDER_SMTP_URL!);
    wrong.password = "not-the-password";
    const refused = await tatu(
      ["--json", "--url", app.url, "smoke", "gmail"],
      { ...cliEnv, TATU_SMOKE_SENDER_SMTP_URL: wrong.toString() },
      secrets,
    );
    expect(refused.exitCode).toBe(1);
    expect(inboundOf(refused.json.steps[0])[0]!.note).toMatch(/the sender mailbox could not send to .*535/);
  });

  it("fails when the mail lands in the mailbox but Tatu never fetches it", async () => {
    // Gmail's history.list answers 503 for the whole wait: the mail is there, the inbox never shows it.
    google.failNext(30, { status: 503, match: "/history" });
    const res = await tatu(
      ["--json", "--url", app.url, "smoke", "gmail"],
      { ...cliEnv, TATU_SMOKE_INBOUND_SECONDS: "3", TATU_SMOKE_ROUNDTRIP_SECONDS: "2" },
      secrets,
    );
    expect(res.exitCode).toBe(1);
    expect(inboundOf(res.json.steps[0])[0]).toMatchObject({
      ok: false,
      note: expect.stringMatching(/the mail with TATU-\d{6} did not reach the inbox within 3 s/),
    });
    const code = inboundOf(res.json.steps[0])[0]!.note.match(/TATU-\d{6}/)![0];
    expect(google.messages(gmailAddress).some((m) => m.subject?.includes(code))).toBe(true);
  });

  it("fails when the studio number's webhook points somewhere else", async () => {
    const configured = twilio.number(studioNumber)!.smsUrl;
    await setSmsUrl(studioNumber, "http://127.0.0.1:9/old-deploy/api/sms");
    try {
      const res = await tatu(
        ["--json", "--url", app.url, "smoke", "sms"],
        { ...cliEnv, TATU_SMOKE_INBOUND_SECONDS: "3" },
        secrets,
      );
      expect(res.exitCode).toBe(1);
      expect(inboundOf(res.json.steps[0])[0]).toMatchObject({
        ok: false,
        note: expect.stringMatching(/the text with TATU-\d{6} did not reach the inbox within 3 s/),
      });
    } finally {
      await setSmsUrl(studioNumber, configured);
    }
  });
});

describe("Messenger: a person sends the one-time code", () => {
  it("without a terminal it needs a person: exit 2, and the other items still run", async () => {
    const res = await tatu(["--json", "--url", app.url, "smoke", "facebook"], cliEnv, secrets);
    expect(res.exitCode, res.stdout).toBe(2);
    const step = res.json.steps[0];
    expect(step).toMatchObject({ ok: false, needsPerson: true, summary: expect.stringMatching(/needs a person/) });
    expect(
      itemsOf(step)
        .filter((i) => !i.ok)
        .map((i) => i.name),
    ).toEqual(["inbound"]);
  });

  it("in a terminal the CLI shows a code and passes once exactly that message arrives", async () => {
    let sent = false;
    const run = await tatuInTerminal(["--url", app.url, "smoke", "facebook"], cliEnv, [], secrets, (output) => {
      const code = output.match(/send exactly (TATU-\d{6})/)?.[1];
      if (!code || sent) return;
      sent = true;
      // First something else from the test user, then the code: only the code counts.
      const psid = newPsid();
      void meta
        .postWebhook(`${app.url}/api/webhooks/facebook`, meta.customerMessage(page.id, { psid, text: "hi there" }))
        .then(() =>
          meta.postWebhook(`${app.url}/api/webhooks/facebook`, meta.customerMessage(page.id, { psid, text: code })),
        );
    });
    expect(sent, run.output).toBe(true);
    expect(run.exitCode, run.output).toBe(0);
  });

  it("a message without the code does not pass: the wait ends with the reason", async () => {
    let wrongSent = false;
    const run = await tatuInTerminal(
      ["--url", app.url, "smoke", "facebook"],
      { ...cliEnv, TATU_SMOKE_INBOUND_SECONDS: "3" },
      [],
      secrets,
      (output) => {
        if (!/send exactly TATU-\d{6}/.test(output) || wrongSent) return;
        wrongSent = true;
        void meta.postWebhook(
          `${app.url}/api/webhooks/facebook`,
          meta.customerMessage(page.id, { psid: newPsid(), text: "TATU-000000 wrong code" }),
        );
      },
    );
    expect(run.exitCode, run.output).toBe(1);
    expect(run.output).toMatch(/no message with TATU-\d{6} reached the inbox within 3 s/);
  });

  it("a runbook run without a terminal stops at the item that needs a person (exit 2, resumable)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tatu-person-"));
    fs.mkdirSync(path.join(dir, "runbooks"));
    fs.writeFileSync(
      path.join(dir, "runbooks", "inbound.md"),
      "# Inbound\n\n## Smokes\n\n- [ ] `s.facebook` — Messenger smoke. `step: smoke.facebook`\n",
    );
    const res = await tatu(
      ["--json", "--url", app.url, "runbook", "run", "inbound"],
      { ...cliEnv, TATU_RUNBOOKS_DIR: path.join(dir, "runbooks"), TATU_LAUNCH_DIR: path.join(dir, "launch") },
      secrets,
    );
    expect(res.exitCode, res.stdout).toBe(2);
    expect(res.json.error).toMatch(/s\.facebook \(smoke\.facebook\).*needs a person.*--resume/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

/** What the studio's number posts incoming texts to (Twilio's IncomingPhoneNumbers update). */
async function setSmsUrl(e164: string, url: string): Promise<void> {
  const n = twilio.number(e164)!;
  const res = await fetch(`${twilio.url}/2010-04-01/Accounts/${studio.accountSid}/IncomingPhoneNumbers/${n.sid}.json`, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from(`${studio.accountSid}:${studio.authToken}`).toString("base64")}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ SmsUrl: url }),
  });
  expect(res.status).toBe(200);
}
