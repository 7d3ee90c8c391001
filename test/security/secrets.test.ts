// No configured secret (service/config/load.ts secretValues, by env name) and no provider token
// stored for a connected account shows up in what the system emits: the service's debug log,
// response bodies and headers of a representative set of flows (auth errors, webhook
// rejections, provider failures, admin metrics, integrations listing…), and the CLI's output.
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { createHmac } from "node:crypto";
import { execa } from "execa";
import { afterAll, beforeAll, expect, it } from "vitest";
import { newPsid } from "../../standins/meta/index.ts";
import type { Res } from "../helpers/http.ts";
import { PASSWORD } from "../helpers/accounts.ts";
import { uniqueEmail } from "../helpers/app.ts";
import { configuredSecrets, scanForSecrets, storedProviderSecrets, type Captured } from "./secrets-scan.ts";
import { startWorld, type World } from "./world.ts";

const logLines: string[] = [];
const captured: Captured[] = [];
let w: World;
const explicit = {
  CRON_SECRET: `cron-${randomBytes(24).toString("hex")}`,
  NEXTAUTH_SECRET: randomBytes(48).toString("base64"),
  JWT_SECRET: `jwt-${randomBytes(24).toString("hex")}`,
};

beforeAll(async () => {
  const destination = new Writable({
    write(chunk, _e, cb) {
      logLines.push(String(chunk));
      cb();
    },
  });
  w = await startWorld({ logLevel: "debug", logDestination: destination, env: explicit });
}, 90_000);
afterAll(async () => {
  await w?.close();
});

/** Keeps a response's status line, headers and body for the scan. */
async function keep(where: string, p: Promise<Res | Response>): Promise<Res | Response> {
  const res = await p;
  const text = res instanceof Response ? await res.clone().text() : res.text;
  const headers: string[] = [];
  res.headers.forEach((value, name) => headers.push(`${name}: ${value}`));
  captured.push({ where: `${where} (${res.status})`, text: `${headers.join("\n")}\n\n${text}` });
  return res;
}

async function authFlows() {
  const anon = w.app.client();
  await keep(
    "signup duplicate",
    anon.post("/api/auth/signup", { email: w.a.email, password: PASSWORD, name: "Dup", role: "artist" }),
  );
  await keep("signup invalid", anon.post("/api/auth/signup", { email: "nope", password: "x", role: "wizard" }));
  await keep(
    "signup as form",
    anon.request("POST", "/api/auth/signup", {
      body: "email=a@b.c",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    }),
  );
  await keep("login wrong password", anon.post("/api/auth/login", { email: w.a.email, password: "wrong-password-1" }));
  const unverified = uniqueEmail("unverified");
  await keep(
    "signup unverified",
    anon.post("/api/auth/signup", { email: unverified, password: PASSWORD, name: "U", role: "customer" }),
  );
  await keep("login unverified", anon.post("/api/auth/login", { email: unverified, password: PASSWORD }));
  await keep("verify bad token", anon.get("/api/auth/verify-email?token=not-a-token"));
  await keep("resend", anon.post("/api/auth/resend-verification", { email: unverified }));
  await keep("me", w.a.client.get("/api/auth/me"));
  await keep("realtime token", w.a.client.get("/api/realtime/token"));
  await keep(
    "admin with a wrong bearer",
    anon.get("/api/admin/metrics", { authorization: `Bearer ${explicit.CRON_SECRET.slice(0, -2)}xx` }),
  );
}

async function webhookFlows() {
  const env = w.config.env;
  const fb = await w.app.ctx.db.connectedAccount.findFirstOrThrow({
    where: { userId: w.a.userId, provider: "facebook" },
  });
  const body = JSON.stringify(
    w.standIns.meta.customerMessage(fb.externalId, { psid: newPsid(), text: "secret scan hello" }),
  );
  const metaSig = (b: string, s: string) => `sha256=${createHmac("sha256", s).update(b).digest("hex")}`;
  const post = (path: string, b: string, headers: Record<string, string>) =>
    fetch(`${w.app.url}${path}`, { method: "POST", body: b, headers });
  await keep(
    "facebook genuine",
    post("/api/webhooks/facebook", body, {
      "content-type": "application/json",
      "x-hub-signature-256": metaSig(body, env.FACEBOOK_APP_SECRET!),
    }),
  );
  await keep(
    "facebook forged",
    post("/api/webhooks/facebook", body, {
      "content-type": "application/json",
      "x-hub-signature-256": metaSig(body, "not-the-app-secret"),
    }),
  );
  await keep(
    "facebook signed garbage",
    post("/api/webhooks/facebook", '{"object":1}', {
      "content-type": "application/json",
      "x-hub-signature-256": metaSig('{"object":1}', env.FACEBOOK_APP_SECRET!),
    }),
  );
  await keep(
    "twilio unsigned",
    post("/api/webhooks/twilio", "Body=hi&From=%2B1555", { "content-type": "application/x-www-form-urlencoded" }),
  );
  await keep(
    "twilio status forged",
    post("/api/webhooks/twilio/status", "MessageSid=SM1&MessageStatus=delivered", {
      "content-type": "application/x-www-form-urlencoded",
      "x-twilio-signature": "AAAA",
    }),
  );
  await keep(
    "stripe forged",
    post("/api/webhooks/stripe", '{"id":"evt_1"}', {
      "content-type": "application/json",
      "stripe-signature": "t=1,v1=deadbeef",
    }),
  );
  await keep("stripe wrong type", post("/api/webhooks/stripe", "a=b", { "content-type": "text/plain" }));
  await keep(
    "meta handshake wrong token",
    fetch(`${w.app.url}/api/webhooks/facebook?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`),
  );
}

async function providerFailureFlows() {
  const a = w.a.client;
  const conversations = ((await keep("inbox list", a.get("/api/inbox/conversations"))) as Res).body.items as {
    id: string;
    channel: string;
  }[];
  for (const c of conversations) {
    await keep(`conversation ${c.channel}`, a.get(`/api/inbox/conversations/${c.id}`));
    await keep(`messages ${c.channel}`, a.get(`/api/inbox/conversations/${c.id}/messages`));
  }
  const sms = conversations.find((c) => c.channel === "twilio")!;
  const facebook = conversations.find((c) => c.channel === "facebook")!;
  await keep("suggest reply", a.post(`/api/inbox/conversations/${sms.id}/suggest-reply`, {}));
  w.standIns.openai.failNext(1, { status: 401 });
  await keep("suggest reply, OpenAI refuses the key", a.post(`/api/inbox/conversations/${sms.id}/suggest-reply`, {}));
  w.standIns.twilio.failNext(1, { status: 500 });
  await keep("SMS reply, Twilio 500", a.post(`/api/inbox/conversations/${sms.id}/reply`, { text: "will fail once" }));
  w.standIns.twilio.failNext(1, { status: 401 });
  await keep("SMS reply, Twilio 401", a.post(`/api/inbox/conversations/${sms.id}/reply`, { text: "auth fails" }));
  const fb = await w.app.ctx.db.connectedAccount.findFirstOrThrow({
    where: { userId: w.a.userId, provider: "facebook" },
  });
  w.standIns.meta.expireTokens(fb.externalId);
  await keep(
    "Messenger reply, expired Page token",
    a.post(`/api/inbox/conversations/${facebook.id}/reply`, { text: "token expired" }),
  );
  const accounts = ((await keep("integrations", a.get("/api/integrations"))) as Res).body.items as { id: string }[];
  for (const acc of accounts) {
    await keep("integration detail", a.get(`/api/integrations/${acc.id}`));
    await keep("integration sync now", a.post(`/api/integrations/${acc.id}/sync`, {}));
  }
  // A failed OAuth code exchange, Yahoo and Apple credentials refused, a revoked Square token.
  const start = ((await keep("google auth", a.get("/api/integrations/google/auth?format=json"))) as Res).body
    .url as string;
  const state = new URL(start).searchParams.get("state");
  await keep(
    "google callback, bad code",
    a.raw("GET", `/api/integrations/google/callback?state=${state}&code=bogus-code`),
  );
  await keep(
    "yahoo refused",
    a.post("/api/integrations/yahoo/connect", { email: "artist@yahoo.test", appPassword: "abcd efgh ijkl mnop" }),
  );
  await keep(
    "apple refused",
    a.post("/api/calendars/apple/connect", { appleId: "artist@icloud.test", appPassword: "abcd-efgh-ijkl-mnop" }),
  );
  const merchant = w.standIns.square.addMerchant();
  const cal = (
    (await keep("square connect", a.post("/api/calendars/square/connect", { accessToken: merchant.token }))) as Res
  ).body.items[0].id as string;
  await new Promise((r) => setTimeout(r, 300)); // let the first sync finish
  w.standIns.square.revokeToken(merchant.token);
  await keep("square sync, revoked token", a.post(`/api/calendars/${cal}/sync`, {}));
  await keep("calendars", a.get("/api/calendars"));
  await keep("bookings", a.get("/api/bookings/requests?as=artist"));
  await keep("own profile", a.get("/api/me/artist-profile"));
}

async function operatorFlows() {
  const bearer = { authorization: `Bearer ${explicit.CRON_SECRET}`, "x-tatu-operator": "secrets-test" };
  const op = w.app.client();
  await keep("cron sync-messages", op.get("/api/cron/sync-messages", bearer));
  await keep("cron sync-calendars", op.get("/api/cron/sync-calendars", bearer));
  await keep("worker sync", op.get("/api/worker/sync", bearer));
  await keep("switches", op.get("/api/admin/switches", bearer));
  await keep(
    "switch flip",
    op.put("/api/admin/switches/cron.sync-calendars", { enabled: true, reason: "secrets scan" }, bearer),
  );
  await keep("metrics", op.get("/api/admin/metrics", bearer));
  await keep("health ready", op.get("/api/health/ready", bearer));
}

/** The launch CLI with the same secrets in its environment, against this instance. */
async function cliFlows() {
  const env = { ...process.env, ...w.env, NODE_ENV: "test", LOG_LEVEL: "debug" };
  const runs: string[][] = [
    ["--help"],
    ["env", "check", "--json"],
    ["cron", "status", "--json", "--url", w.app.url],
    ["webhooks", "test", "--json", "--url", w.app.url],
    ["hypercare", "--once", "--json", "--url", w.app.url],
  ];
  const results = await Promise.all(
    runs.map((args) =>
      execa("node", ["cli/bin.mjs", ...args], { env, extendEnv: false, reject: false, timeout: 60_000, all: true }),
    ),
  );
  results.forEach((r, i) =>
    captured.push({ where: `tatu ${runs[i]!.join(" ")} (exit ${r.exitCode})`, text: r.all ?? "" }),
  );
  expect(results[0]!.exitCode).toBe(0);
  expect(results[0]!.stdout).toContain("Usage: tatu");
}

it("no configured secret or stored provider token appears in logs, responses or CLI output", async () => {
  await authFlows();
  await webhookFlows();
  await providerFailureFlows();
  await operatorFlows();
  await cliFlows();
  // A provider error that echoes a credential, logged as an object and as an Error: masked too.
  w.app.ctx.log.warn(
    {
      err: new Error(`upstream echoed ${w.config.env.TWILIO_AUTH_TOKEN}`),
      detail: { url: `https://api.example.test/?key=${w.config.env.OPENAI_API_KEY}` },
    },
    "provider error echoing a credential",
  );
  await new Promise((r) => setTimeout(r, 500)); // background jobs finish logging
  captured.push(
    ...logLines.map((line, i) => ({
      where: `service log line ${i + 1}: ${(JSON.parse(line) as { msg?: string }).msg ?? ""}`,
      text: line,
    })),
  );

  const secrets = [...configuredSecrets(w.config), ...(await storedProviderSecrets(w.app.ctx))];
  // The scan covers what it should: secrets of every kind, debug logs, many responses.
  expect(secrets.map((s) => s.name)).toEqual(
    expect.arrayContaining([
      "CRON_SECRET",
      "NEXTAUTH_SECRET",
      "FACEBOOK_APP_SECRET",
      "TWILIO_AUTH_TOKEN",
      "STRIPE_WEBHOOK_SECRET",
      "OPENAI_API_KEY",
    ]),
  );
  expect(secrets.some((s) => s.name.startsWith("facebook credentials."))).toBe(true);
  expect(
    secrets.some((s) => s.name.startsWith("square-calendar credentials.") || s.name.startsWith("square credentials.")),
  ).toBe(true);
  expect(logLines.length).toBeGreaterThan(100);
  expect(logLines.some((l) => l.includes('"level":"debug"'))).toBe(true);
  expect(logLines.find((l) => l.includes("provider error echoing a credential"))).toContain(
    "upstream echoed [redacted]",
  );
  expect(captured.filter((c) => !c.where.startsWith("service log")).length).toBeGreaterThan(50);
  // ...and it would see a leak: a planted one is found.
  expect(
    scanForSecrets([{ where: "planted", text: `Bearer ${encodeURIComponent(explicit.CRON_SECRET)}` }], secrets),
  ).toEqual([{ secret: "CRON_SECRET", where: "planted" }]);

  expect(scanForSecrets(captured, secrets)).toEqual([]);
}, 120_000);
