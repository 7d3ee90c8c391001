// `tatu smoke`, `tatu meta check` and `tatu gate` against a running service whose smoke
// account has Gmail (Google stand-in) and a Facebook Page + Instagram account (Meta stand-in)
// connected through the real OAuth routes: health, manual sync, a reply that really goes out.
import { runbooksWithScope } from "./launch-env.ts";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startGoogleStandIn, type GoogleStandIn } from "../../standins/google/index.ts";
import { gmailHost, startMailExchange, type MailExchange } from "../../standins/mail-exchange/index.ts";
import { newPsid, startMetaStandIn, type MetaStandIn } from "../../standins/meta/index.ts";
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "../helpers/app.ts";
import { PASSWORD, signedInUser } from "../helpers/accounts.ts";
import type { HttpClient } from "../helpers/http.ts";
import { until } from "../helpers/realtime.ts";
import { metaManualItems } from "../../cli/steps/meta.ts";
import { secret, tatu, tatuInTerminal } from "./ops-helpers.ts";

// Every test spawns the real CLI several times; on a loaded 2-core machine one spawn can take seconds.
vi.setConfig({ testTimeout: 90_000 });

const gmailAddress = "smoke.studio@gmail.test";
const cronSecret = secret("cron-");
let google: GoogleStandIn, meta: MetaStandIn, app: TestApp, exchange: MailExchange;
const senderPassword = secret("smtp-");
let smoke: { client: HttpClient; email: string };
let databaseUrl: string;
let page: { id: string; instagram?: { id: string } };
let cliEnv: Record<string, string>;
let secrets: string[];

async function connectVia(client: HttpClient, route: string) {
  const start = await client.raw("GET", `/api/integrations/${route}/auth`);
  const consent = await fetch(start.headers.get("location")!, { redirect: "manual" });
  const callback = new URL(consent.headers.get("location")!);
  const done = await client.raw("GET", callback.pathname + callback.search);
  expect(done.status).toBe(303);
}

beforeAll(async () => {
  [google, meta] = await Promise.all([startGoogleStandIn(), startMetaStandIn()]);
  // The second test mailbox the Gmail smoke mails the studio from.
  exchange = await startMailExchange({
    sender: "qa.sender@example.test",
    password: senderPassword,
    hosts: [gmailHost(google)],
  });
  databaseUrl = await isolatedDatabaseUrl();
  app = await startTestApp({
    databaseUrl,
    publicUrl: true,
    env: { ...google.env(), ...meta.env(), CRON_SECRET: cronSecret },
  });
  smoke = await signedInUser(app, { role: "artist" });
  // On the map, for smoke.search (TATU_SMOKE_SEARCH_ARTIST below).
  const profile = await smoke.client.put("/api/me/artist-profile", {
    displayName: "Smoke Studio",
    timeZone: "Europe/Amsterdam",
    workingHours: { mon: [{ start: "10:00", end: "18:00" }] },
    lat: 52.37,
    lng: 4.89,
    visible: true,
  });
  expect(profile.status, profile.text).toBe(201);

  // The smoke account's providers, connected as a person would.
  google.addMailbox(gmailAddress, { name: "Smoke Studio" });
  await google.deliver(gmailAddress, {
    from: "QA Person <qa@example.test>",
    subject: "Smoke thread",
    text: "Reply here, smoke test.",
  });
  google.consentAs(gmailAddress);
  await connectVia(smoke.client, "google");
  const owner = meta.addUser({ name: "Smoke Owner" });
  page = meta.addPage(owner.id, { name: "Smoke Tattoo", instagram: { username: "smoke.tattoo" } });
  meta.consentAs(owner.id);
  await connectVia(smoke.client, "facebook");
  expect(
    (
      await meta.postWebhook(
        `${app.url}/api/webhooks/facebook`,
        meta.customerMessage(page.id, { psid: newPsid(), name: "QA Fan", text: "smoke hello" }),
      )
    ).status,
  ).toBe(200);
  expect(
    (
      await meta.postWebhook(
        `${app.url}/api/webhooks/instagram`,
        meta.customerMessage(page.instagram!.id, { psid: newPsid(), name: "QA Insta", text: "smoke hi" }),
      )
    ).status,
  ).toBe(200);
  await until(
    async () => (await smoke.client.get("/api/inbox/conversations")).body.items.length === 3,
    15_000,
    "gmail, facebook and instagram conversations",
  );

  const m = meta.env();
  cliEnv = {
    TATU_SMOKE_EMAIL: smoke.email,
    TATU_SMOKE_PASSWORD: PASSWORD,
    TATU_SMOKE_SEARCH_ARTIST: "Smoke Studio",
    FACEBOOK_APP_ID: m.FACEBOOK_APP_ID!,
    FACEBOOK_APP_SECRET: m.FACEBOOK_APP_SECRET!,
    FACEBOOK_WEBHOOK_VERIFY_TOKEN: m.FACEBOOK_WEBHOOK_VERIFY_TOKEN!,
    CRON_SECRET: cronSecret,
    ...exchange.env(),
  };
  secrets = [PASSWORD, m.FACEBOOK_APP_SECRET!, m.FACEBOOK_WEBHOOK_VERIFY_TOKEN!, cronSecret, senderPassword];
}, 60_000);
afterAll(async () => {
  await app?.close();
  await Promise.all([google?.close(), meta?.close(), exchange?.close()]);
});

describe("tatu smoke", () => {
  it("signup, gmail, facebook, instagram, search in parallel: every automated item passes, the replies really went out, and Messenger/Instagram need a person (exit 2)", async () => {
    const res = await tatu(
      ["--json", "--url", app.url, "smoke", "signup", "gmail", "facebook", "instagram", "search"],
      cliEnv,
      secrets,
    );
    // Without a terminal nobody can send Messenger's and Instagram's one-time code; all else passes.
    expect(res.exitCode, res.stdout).toBe(2);
    expect(
      res.json.steps
        .filter((s: { ok: boolean }) => !s.ok)
        .map((s: { id: string; needsPerson?: boolean }) => [s.id, s.needsPerson]),
    ).toEqual([
      ["smoke.facebook", true],
      ["smoke.instagram", true],
    ]);
    const byId = Object.fromEntries(res.json.steps.map((s: { id: string }) => [s.id, s]));
    expect(byId["smoke.signup"].details.items.map((i: { name: string; ok: boolean }) => [i.name, i.ok])).toEqual([
      ["signup.create-customer", true],
      ["signup.response-shape", true],
      ["signup.unverified-guidance", true],
      ["signup.resend", true],
      ["signup.verify-link", true],
      ["signup.login-verified", true],
      ["signup.delete-account", true],
    ]);
    // The smoke's throwaway account is gone again; the smoke account (another user) is untouched.
    expect(await app.ctx.db.user.count({ where: { email: { startsWith: "tatu-smoke-" } } })).toBe(0);
    expect(await app.ctx.db.user.count({ where: { email: smoke.email } })).toBe(1);
    // The provider's own checks run by the service between health and the manual sync.
    const providerChecks = {
      "smoke.gmail": ["credentials", "users.getProfile", "users.messages.list"],
      "smoke.facebook": ["page", "granted scopes", "webhook subscription"],
      "smoke.instagram": ["instagram account", "granted scopes", "webhook subscription"],
    } as Record<string, string[]>;
    for (const id of ["smoke.gmail", "smoke.facebook", "smoke.instagram"])
      expect(
        byId[id].details.items.map((i: { name: string }) => i.name),
        id,
      ).toEqual(["connected", "healthy", ...providerChecks[id]!, "inbound", "reply", "manual sync", "round trip"]);
    expect(byId["smoke.gmail"].details.items.find((i: { name: string }) => i.name === "inbound").ok).toBe(true);
    // Each reply came back from its provider: Gmail's SENT copy and Meta's conversation on the sync after the send.
    for (const id of ["smoke.gmail", "smoke.facebook", "smoke.instagram"])
      expect(
        byId[id].details.items.find((i: { name: string }) => i.name === "round trip"),
        id,
      ).toMatchObject({ ok: true, note: expect.stringMatching(/reported the reply back by (sync|webhook)/) });
    // The providers received the smoke replies.
    expect(google.sent(gmailAddress).some((s) => s.parsed.text?.includes("Tatu launch smoke test"))).toBe(true);
    // Parallel: the wall time is close to the slowest smoke, not the sum.
    const { wallMs, slowestMs, sumMs } = res.json.timing;
    expect(wallMs).toBeLessThan(sumMs);
    console.log(
      `smoke parallel: wall ${wallMs} ms, slowest ${slowestMs} ms, sum ${sumMs} ms (ratio ${(wallMs / slowestMs).toFixed(2)})`,
    );
  });

  it("a reply the provider never reports back fails the round trip, with the reason", async () => {
    // The sent copy vanishes from the mailbox before any sync can list it (as if deleted at once).
    let stop = false;
    const known = new Set(google.sent(gmailAddress).map((s) => s.id));
    const remover = (async () => {
      while (!stop) {
        for (const s of google.sent(gmailAddress))
          if (!known.has(s.id)) {
            known.add(s.id);
            google.deleteMessage(gmailAddress, s.id);
          }
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    try {
      const res = await tatu(
        ["--json", "--url", app.url, "smoke", "gmail"],
        { ...cliEnv, TATU_SMOKE_ROUNDTRIP_SECONDS: "2" },
        secrets,
      );
      expect(res.exitCode, res.stdout).toBe(1);
      const items = res.json.steps[0].details.items as { name: string; ok: boolean; note: string }[];
      expect(items.filter((i) => !i.ok).map((i) => i.name)).toEqual(["round trip"]);
      expect(items.find((i) => i.name === "round trip")!.note).toMatch(
        /did not report the reply back within 2 s after the sync/,
      );
    } finally {
      stop = true;
      await remover;
    }
  });

  it("a provider the account lacks, a broken login and an unknown smoke fail with exit 1 / 2; plain lines without a TTY", async () => {
    const missing = await tatu(["--url", app.url, "smoke", "outlook"], cliEnv, secrets);
    expect(missing.exitCode).toBe(1);
    expect(missing.stdout).toMatch(/✖ smoke\.outlook .*no connected outlook account/);
    const wrong = await tatu(
      ["--json", "--url", app.url, "smoke", "gmail"],
      { ...cliEnv, TATU_SMOKE_PASSWORD: "wrong-password-123" },
      ["wrong-password-123"],
    );
    expect(wrong.exitCode).toBe(1);
    expect(wrong.json.steps[0].summary).toMatch(/cannot sign in: 401/);
    expect((await tatu(["--json", "--url", app.url, "smoke", "myspace"], cliEnv)).exitCode).toBe(2);
    const noName = await tatu(["smoke"], cliEnv); // commander's own usage error, also 2
    expect(noName.exitCode).toBe(2);
    expect(noName.stderr).toMatch(/missing required argument 'names'/);
  });
});

describe("tatu meta check", () => {
  it("automated items pass but the inbound code needs a person (exit 2); manual items fail without a TTY and need --reason with --yes", async () => {
    const plain = await tatu(["--json", "--url", app.url, "meta", "check"], cliEnv, secrets);
    expect(plain.exitCode).toBe(1);
    const manual = new Set(metaManualItems().map((i) => i.id));
    const auto = plain.json.steps.filter((s: { id: string }) => !manual.has(s.id));
    // Inbound on Messenger/Instagram needs a test user to send the one-time code: no person here.
    const personOnly = (steps: { id: string; ok: boolean; needsPerson?: boolean }[]) =>
      steps.filter((s) => !s.ok).map((s) => [s.id, s.needsPerson]);
    expect(personOnly(auto)).toEqual([
      ["meta.inbound-facebook", true],
      ["meta.inbound-instagram", true],
    ]);
    expect(auto.map((s: { id: string }) => s.id)).toContain("meta.subscribed-fields");
    expect(plain.json.steps.find((s: { id: string }) => s.id === "meta.app-review")).toMatchObject({ ok: false });

    expect((await tatu(["--json", "--yes", "--url", app.url, "meta", "check"], cliEnv, secrets)).exitCode).toBe(2);
    const confirmed = await tatu(
      ["--json", "--yes", "--url", app.url, "meta", "check", "--reason", "approved in Meta dashboard 2026-11-20"],
      cliEnv,
      secrets,
    );
    // --yes confirms what a person checked by hand, never the inbound code nobody sent.
    expect(confirmed.exitCode).toBe(2);
    expect(personOnly(confirmed.json.steps)).toEqual([
      ["meta.inbound-facebook", true],
      ["meta.inbound-instagram", true],
    ]);
    expect(confirmed.json.steps.find((s: { id: string }) => s.id === "meta.app-review").summary).toBe(
      "confirmed with --yes by ci-test: approved in Meta dashboard 2026-11-20",
    );
  });
  it("in a terminal the operator confirms manual items with a note; one declined → exit 1", async () => {
    // The start of each title (long ones wrap in the terminal).
    const titleRe = (t: string) => new RegExp(t.slice(0, 30).replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    const manual = metaManualItems();
    const appReview = manual.findIndex((i) => i.id === "meta.app-review");
    const answers = manual.flatMap((item, i) =>
      i < manual.length - 1
        ? [
            { prompt: titleRe(item.title), keys: "y\r" },
            { prompt: /Note \(optional\)/, keys: `checked ${i}\r` },
          ]
        : [{ prompt: titleRe(item.title), keys: "n\r" }],
    );
    // The person at the terminal sends each one-time code from the test user when asked.
    const sent = new Set<string>();
    const run = await tatuInTerminal(["--url", app.url, "meta", "check"], cliEnv, answers, secrets, (output) => {
      for (const [, code, channel] of output.matchAll(/send exactly (TATU-\d{6}) to (Messenger|Instagram)/g)) {
        if (sent.has(code!)) continue;
        sent.add(code!);
        const target = channel === "Messenger" ? "facebook" : "instagram";
        const id = target === "facebook" ? page.id : page.instagram!.id;
        void meta.postWebhook(
          `${app.url}/api/webhooks/${target}`,
          meta.customerMessage(id, { psid: newPsid(), name: "QA Person", text: code }),
        );
      }
    });
    expect(sent.size, run.output).toBe(2);
    expect(run.exitCode, run.output).toBe(1);
    expect(run.output).toMatch(/✔ meta\.inbound-facebook/);
    expect(run.output).toMatch(/✔ meta\.inbound-instagram/);
    expect(run.output).toMatch(new RegExp(`✔ meta\\.app-review .*confirmed by tty-operator: checked ${appReview}`));
    expect(run.output).toMatch(/✖ meta\.roundtrip-production .*not confirmed by tty-operator/);
  });
});

describe("tatu gate", () => {
  it("GO (exit 0, JSON summary) with env, migrations, readiness, webhooks and the configured smokes; NO-GO names what failed", async () => {
    const env = {
      ...cliEnv,
      NEXTAUTH_URL: app.url,
      NEXTAUTH_SECRET: secret(),
      TOKEN_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
      DATABASE_URL: databaseUrl,
      SMTP_URL: "smtp://127.0.0.1:2525",
      EMAIL_FROM: "Tatu <hello@example.test>",
      TATU_SMOKE_PROVIDERS: "signup,gmail",
      // A launch whose scope needs no provider variables: the core ones decide the env check.
      TATU_RUNBOOKS_DIR: runbooksWithScope(["yahoo"]),
    };
    const go = await tatu(["--json", "gate"], env, [...secrets, env.NEXTAUTH_SECRET, env.TOKEN_ENCRYPTION_KEY]);
    expect(go.exitCode, go.stdout).toBe(0);
    expect(go.json).toMatchObject({ decision: "GO", failed: [] });
    expect(go.json.steps.map((s: { id: string }) => s.id)).toEqual([
      "env.check",
      "migrate.status",
      "health.ready",
      "webhooks.facebook",
      "webhooks.instagram",
      "smoke.signup",
      "smoke.gmail",
    ]);

    const nogo = await tatu(["--json", "gate"], { ...env, TATU_SMOKE_PROVIDERS: "signup,hotmail" }, secrets);
    expect(nogo.exitCode).toBe(1);
    expect(nogo.json).toMatchObject({ decision: "NO-GO", failed: ["smoke.hotmail"] });
  });
});
