// `tatu rollback` and `tatu hypercare` against a running service (Redis-backed queue), the
// Vercel stand-in (production really moves back) and the Sentry stand-in (error volume).
import { runbooksWithScope } from "./launch-env.ts";
import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { isolatedDatabaseUrl, REDIS_URL, startTestApp, type TestApp } from "../helpers/app.ts";
import { signedInUser } from "../helpers/accounts.ts";
import { freePort } from "../helpers/net.ts";
import { flushSentry, reportError } from "../../service/observability/sentry.ts";
import { startSentryStandIn, type SentryStandIn } from "../../standins/sentry/index.ts";
import { startVercelStandIn, type VercelStandIn } from "../../standins/vercel/index.ts";
import { secret, tatu, tatuInTerminal, tempLaunchDir } from "./ops-helpers.ts";
import { until } from "../helpers/realtime.ts";

// Every test spawns the real CLI several times; on a loaded 2-core machine one spawn can take seconds.
vi.setConfig({ testTimeout: 90_000 });

const prefix = `tatu-test-ops-${randomBytes(4).toString("hex")}`;
const appSecrets = {
  CRON_SECRET: secret("cron-"),
  FACEBOOK_APP_SECRET: secret("fb-"),
  FACEBOOK_WEBHOOK_VERIFY_TOKEN: secret("verify-"),
};
/** The app's only (the CLI's gate would otherwise add a Stripe webhook test). */
const STRIPE_WEBHOOK_SECRET = secret("whsec_");

let app: TestApp, vercel: VercelStandIn, sentry: SentryStandIn;
let databaseUrl: string, launchDir: string;
let cliEnv: Record<string, string>;
let secrets: string[];

beforeAll(async () => {
  [vercel, sentry] = await Promise.all([startVercelStandIn({ deployments: 3 }), startSentryStandIn()]);
  databaseUrl = await isolatedDatabaseUrl();
  // The app reports to the Sentry stand-in through the real @sentry/node SDK.
  app = await startTestApp({
    databaseUrl,
    redis: prefix,
    env: { ...appSecrets, STRIPE_WEBHOOK_SECRET, SENTRY_DSN: sentry.dsn },
  });
  launchDir = tempLaunchDir();
  cliEnv = {
    ...appSecrets,
    ...vercel.env(),
    ...sentry.env(),
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    TATU_REDIS_PREFIX: prefix,
    TATU_LAUNCH_DIR: launchDir,
  };
  secrets = [...Object.values(appSecrets), STRIPE_WEBHOOK_SECRET, vercel.token, sentry.authToken];
});
afterAll(async () => {
  const keys = await app?.ctx.redis?.keys(`${prefix}:*`).catch(() => [] as string[]);
  if (keys?.length) await app.ctx.redis!.del(...keys);
  await app?.close();
  await Promise.all([vercel?.close(), sentry?.close()]);
  fs.rmSync(launchDir, { recursive: true, force: true });
});

const incidents = () => {
  const file = path.join(launchDir, "incidents.jsonl");
  return fs.existsSync(file)
    ? fs
        .readFileSync(file, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l))
    : [];
};

describe("tatu rollback", () => {
  it("refuses to change production without a terminal or --yes (exit 2), changing nothing", async () => {
    const before = vercel.production().uid;
    const res = await tatu(["--json", "--url", app.url, "rollback", "--provider", "facebook"], cliEnv, secrets);
    expect(res.exitCode).toBe(2);
    expect(res.json.error).toMatch(/--yes/);
    expect(vercel.production().uid).toBe(before);
    expect(await app.ctx.switches.isEnabled("cron.sync-messages")).toBe(true);
    expect(incidents()).toEqual([]);
  });

  it("--yes runs the quick actions in order: crons off, provider off, Vercel back one deployment, SQL, incident", async () => {
    const [older, previous, current] = vercel.deployments();
    expect(vercel.production().uid).toBe(current!.uid);
    const sql = path.join(launchDir, "0001-probe.sql");
    fs.writeFileSync(sql, "CREATE TABLE tatu_rollback_probe (id int); INSERT INTO tatu_rollback_probe VALUES (1);");

    const res = await tatu(
      [
        "--json",
        "--yes",
        "--url",
        app.url,
        "rollback",
        "--provider",
        "facebook",
        "--sql",
        sql,
        "--title",
        "Inbox sync failing",
        "--severity",
        "sev1",
      ],
      cliEnv,
      secrets,
    );
    expect(res.exitCode, res.stdout).toBe(0);
    expect(res.json.steps.map((s: { id: string }) => s.id)).toEqual([
      "cron.disable-sync",
      "provider.disable",
      "rollback.vercel",
      "rollback.sql",
      "incident.record",
    ]);

    // Production really moved back to the previous deployment (not an older one).
    expect(vercel.production().uid).toBe(previous!.uid);
    expect(vercel.production().uid).not.toBe(older!.uid);
    expect(res.json.steps[2].details).toMatchObject({
      from: current!.uid,
      to: previous!.uid,
      nowServing: previous!.uid,
    });
    for (const cron of ["sync-messages", "sync-calendars", "worker-sync"])
      expect(await app.ctx.switches.isEnabled(`cron.${cron}`)).toBe(false);
    expect(await app.ctx.switches.isEnabled("cron.appointment-reminders")).toBe(true);
    expect(await app.ctx.switches.isEnabled("provider.facebook")).toBe(false);
    expect(await app.ctx.db.$queryRawUnsafe<{ id: number }[]>("SELECT id FROM tatu_rollback_probe")).toEqual([
      { id: 1 },
    ]);

    const [incident] = incidents();
    expect(incident).toMatchObject({
      severity: "sev1",
      title: "Inbox sync failing",
      operator: "ci-test",
      source: "tatu rollback",
    });
    expect(incident.mitigations.join("\n")).toContain(`${current!.uid} → ${previous!.uid}`);
    for (const s of secrets) expect(JSON.stringify(incident)).not.toContain(s);
  });

  it("a failing action is reported (exit 1) and the incident still recorded", async () => {
    const res = await tatu(
      ["--json", "--yes", "--url", app.url, "rollback", "--skip-vercel", "--sql", path.join(launchDir, "missing.sql")],
      cliEnv,
      secrets,
    );
    expect(res.exitCode).toBe(2); // validated before anything changes
    const broken = path.join(launchDir, "0002-broken.sql");
    fs.writeFileSync(broken, "SELECT * FROM no_such_table;");
    const failed = await tatu(
      ["--json", "--yes", "--url", app.url, "rollback", "--skip-vercel", "--sql", broken],
      cliEnv,
      secrets,
    );
    expect(failed.exitCode).toBe(1);
    expect(failed.json.steps.find((s: { id: string }) => s.id === "rollback.sql").summary).toMatch(
      /failed and was rolled back: relation "no_such_table" does not exist/,
    );
    expect(incidents()).toHaveLength(2);
  });
  it("in a terminal each action is asked: a declined Vercel rollback is skipped and recorded", async () => {
    const serving = vercel.production().uid;
    const run = await tatuInTerminal(
      ["--url", app.url, "rollback", "--provider", "twilio", "--title", "SMS delays"],
      cliEnv,
      [
        { prompt: /Disable the sync crons/, keys: "y\r" },
        { prompt: /Disable provider\.twilio/, keys: "y\r" },
        { prompt: /Roll back the Vercel production deployment/, keys: "n\r" },
      ],
      secrets,
    );
    expect(run.exitCode, run.output).toBe(0);
    expect(run.output).toMatch(/rollback\.vercel .*skipped: declined/);
    expect(vercel.production().uid).toBe(serving);
    expect(await app.ctx.switches.isEnabled("provider.twilio")).toBe(false);
    expect((await app.ctx.db.switch.findUnique({ where: { name: "provider.twilio" } }))?.updatedBy).toBe(
      "tty-operator",
    );
    expect(incidents().at(-1)).toMatchObject({ title: "SMS delays", operator: "tty-operator" });
  });
});

describe("tatu hypercare", () => {
  it("--once on a quiet service: no trigger (exit 0), readings from metrics, BullMQ and Sentry", async () => {
    const res = await tatu(["--json", "--url", app.url, "hypercare", "--once"], cliEnv, secrets);
    expect(res.exitCode, res.stdout).toBe(0);
    expect(res.json.rollbackRecommended).toBe(false);
    const readings = res.json.steps[0].details.readings;
    expect(readings.queue).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
    expect(readings.sentryErrors1h).toBe(0);
    expect(readings.metrics["15m"]).toMatchObject({ serverErrors: 0, webhooksRejectedSignature: 0 });
  });

  it("a Sentry error spike → ROLLBACK RECOMMENDED with the command (exit 1)", async () => {
    for (let i = 0; i < 3; i++)
      reportError(new Error(`signup exploded ${i}`), { errorId: randomUUID(), path: "/api/auth/signup" });
    await flushSentry(5000);
    await until(() => sentry.events().length >= 3, 10_000, "three Sentry events");
    expect(
      sentry
        .events()
        .map((e) => e.message)
        .sort(),
    ).toEqual(["signup exploded 0", "signup exploded 1", "signup exploded 2"]);
    const res = await tatu(["--url", app.url, "hypercare", "--once", "--max-sentry-errors", "3"], cliEnv, secrets);
    expect(res.exitCode).toBe(1);
    expect(res.stdout).toMatch(/ROLLBACK RECOMMENDED: 3 errors in Sentry in the last hour \(threshold 3\)/);
    expect(res.stdout).toContain(`run: tatu rollback --url ${app.url}`);
    expect(incidents().at(-1)).toMatchObject({
      severity: "sev2",
      title: "Rollback trigger: sentry-errors",
      source: "tatu hypercare",
    });
  });

  it("watches on a schedule until --for ends, re-running the configured smokes; an unreachable service is exit 3", async () => {
    // The search smoke needs someone to find (it fails on an empty map).
    const artist = await signedInUser(app, { role: "artist" });
    const put = await artist.client.put("/api/me/artist-profile", {
      displayName: "Hypercare Ink",
      timeZone: "Europe/Berlin",
      workingHours: { mon: [{ start: "10:00", end: "18:00" }] },
      lat: 52.52,
      lng: 13.405,
      visible: true,
    });
    expect(put.status, put.text).toBe(201);
    const res = await tatu(
      [
        "--json",
        "--url",
        app.url,
        "hypercare",
        "--first",
        "1s",
        "--every",
        "1s",
        "--for",
        "2500ms",
        "--smoke-every",
        "1s",
        "--max-signature-failures",
        "100",
        "--max-sentry-errors",
        "1000",
      ],
      { ...cliEnv, TATU_SMOKE_PROVIDERS: "search", TATU_SMOKE_SEARCH_ARTIST: artist.userId },
      secrets,
    );
    expect(res.exitCode, res.stdout).toBe(0);
    const ids = res.json.steps.map((s: { id: string }) => s.id);
    expect(ids.filter((id: string) => id === "hypercare.once").length).toBeGreaterThanOrEqual(2);
    expect(ids).toContain("smoke.search");
    const down = await tatu(
      ["--json", "--url", `http://127.0.0.1:${await freePort()}`, "hypercare", "--once"],
      cliEnv,
      secrets,
    );
    expect(down.exitCode).toBe(3);
    expect(down.json).toMatchObject({
      rollbackRecommended: false,
      steps: [
        { unreachable: true, summary: expect.stringMatching(/^cannot evaluate: .* is unreachable: ECONNREFUSED/) },
      ],
    });
    expect(incidents().at(-1).title).not.toMatch(/unreachable/); // "could not look" is not an incident
  });

  it("1,000 forged webhooks from many addresses are not a rollback trigger (a warning at most)", async () => {
    for (let batch = 0; batch < 20; batch++) {
      const statuses = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          fetch(`${app.url}/api/webhooks/instagram`, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              "x-hub-signature-256": `sha256=${"0".repeat(64)}`,
              "x-forwarded-for": `203.0.113.${((batch * 50 + i) % 100) + 1}`,
            },
            body: "{}",
          }).then((r) => r.status),
        ),
      );
      expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    }
    const res = await tatu(
      ["--json", "--url", app.url, "hypercare", "--once", "--max-sentry-errors", "1000"],
      cliEnv,
      secrets,
    );
    expect(res.exitCode, res.stdout).toBe(0);
    expect(res.json.rollbackRecommended).toBe(false);
    expect(res.json.warnings.join("\n")).toMatch(
      /instagram: \d+ webhooks? with a bad signature .*not a rollback trigger/,
    );
    expect(res.stdout).not.toContain("ROLLBACK RECOMMENDED");
  }, 300_000);

  it("the real provider's deliveries failing their signature (a wrong secret) → ROLLBACK RECOMMENDED pointing at it", async () => {
    const stripeAddress = "192.0.2.44";
    const post = (body: string, secret: string) =>
      fetch(`${app.url}/api/webhooks/stripe`, {
        method: "POST",
        body,
        headers: {
          "content-type": "application/json",
          "x-forwarded-for": stripeAddress,
          "stripe-signature": Stripe.webhooks.generateTestHeaderString({ payload: body, secret }),
        },
      });
    const event = () =>
      JSON.stringify({
        id: `evt_${randomBytes(12).toString("hex")}`,
        object: "event",
        type: "tatu.hypercare_test",
        created: Math.floor(Date.now() / 1000),
        data: { object: { id: "obj_1" } },
      });
    // Stripe delivers fine, then the secret is rotated on Stripe's side only: its deliveries fail.
    for (let i = 0; i < 6; i++) expect((await post(event(), STRIPE_WEBHOOK_SECRET)).status).toBe(200);
    for (let i = 0; i < 10; i++) expect((await post(event(), "whsec_rotated_on_stripe_only")).status).toBe(400);
    const res = await tatu(
      ["--json", "--url", app.url, "hypercare", "--once", "--max-sentry-errors", "1000"],
      cliEnv,
      secrets,
    );
    expect(res.exitCode, res.stdout).toBe(1);
    expect(res.json.triggers).toEqual([
      expect.objectContaining({
        id: "webhook-rejection-ratio",
        message: expect.stringMatching(
          /^stripe: 10 of 16 deliveries from its known senders failed the signature check in the last 15 min/,
        ),
      }),
    ]);
    expect(res.json.rollbackCommand).toBe(`tatu rollback --url ${app.url} --provider stripe`);
  });
});

describe("tatu gate --vercel", () => {
  it("checks the Vercel project's variables instead of the CI's own: NO-GO until they are there, then GO", async () => {
    // A launch of Yahoo only (no provider variables): the core variables are what must be there.
    const env = { ...cliEnv, TATU_SMOKE_PROVIDERS: "signup", TATU_RUNBOOKS_DIR: runbooksWithScope(["yahoo"]) };
    const nogo = await tatu(["--json", "--url", app.url, "gate", "--vercel"], env, secrets);
    expect(nogo.exitCode, nogo.stdout).toBe(1);
    expect(nogo.json).toMatchObject({ decision: "NO-GO", failed: ["env.vercel"] });
    expect(nogo.json.steps[0].summary).toMatch(/required missing \(.*NEXTAUTH_SECRET/);

    for (const key of [
      "NEXTAUTH_URL",
      "NEXTAUTH_SECRET",
      "CRON_SECRET",
      "TOKEN_ENCRYPTION_KEY",
      "DATABASE_URL",
      "SMTP_URL",
      "EMAIL_FROM",
    ])
      vercel.setEnv(key, ["production"]);
    const go = await tatu(["--json", "--url", app.url, "gate", "--vercel"], env, secrets);
    expect(go.exitCode, go.stdout).toBe(0);
    expect(go.json.steps.map((s: { id: string }) => s.id)).toEqual([
      "env.vercel",
      "migrate.status",
      "health.ready",
      "webhooks.facebook",
      "webhooks.instagram",
      "smoke.signup",
    ]);
  });
});

describe("tatu runbook run rollback", () => {
  // Every switch back on: earlier tests in this file turn providers (e.g. the suspect one) and crons off.
  const restore = async () =>
    Promise.all((await app.ctx.switches.list()).map((s) => app.ctx.switches.set(s.name, true, null, "test-reset")));

  it("without --provider and without a person it stops at rb.disable-provider (exit 2) and disables no provider; --resume --provider finishes it", async () => {
    await restore();
    const env = { ...cliEnv, TATU_LAUNCH_DIR: tempLaunchDir() };
    const serving = vercel.production().uid;
    const args = ["--url", app.url, "--yes", "runbook", "run", "rollback", "--reason", "rollback drill"];
    const stopped = await tatu(args, env, secrets);
    expect(stopped.exitCode, stopped.stderr).toBe(2);
    expect(stopped.stderr).toMatch(
      /item rb\.disable-provider runs provider\.disable, which needs a person to decide which provider integration to disable: pass --provider <id> \(one of: gmail, .*facebook.*\), or run in a terminal/,
    );
    const providers = (await app.ctx.switches.list()).filter((s) => s.kind === "provider");
    expect(providers.filter((s) => !s.enabled)).toEqual([]);
    expect(vercel.production().uid, "nothing after the stop ran").toBe(serving);

    const resumed = await tatu(["--json", ...args, "--resume", "--provider", "facebook"], env, secrets);
    expect(resumed.exitCode, resumed.stdout + resumed.stderr).toBe(0);
    const item = resumed.json.items.find((i: { id: string }) => i.id === "rb.disable-provider");
    expect(item).toMatchObject({ outcome: "passed", summary: expect.stringMatching(/^provider\.facebook=off/) });
    expect(await app.ctx.switches.isEnabled("provider.facebook")).toBe(false);
    expect(await app.ctx.switches.isEnabled("provider.instagram"), "only the chosen provider").toBe(true);
    await restore();
  });

  it("an unknown --provider is a usage error with a suggestion, before anything runs", async () => {
    const env = { ...cliEnv, TATU_LAUNCH_DIR: tempLaunchDir() };
    const res = await tatu(["--url", app.url, "--yes", "runbook", "run", "rollback", "--provider", "facebok"], env);
    expect(res.exitCode).toBe(2);
    expect(res.stderr).toMatch(/unknown provider "facebok" \(Did you mean facebook\?\)/);
    expect(fs.readdirSync(env.TATU_LAUNCH_DIR)).toEqual([]);
  });

  it("in a terminal it asks which provider to disable and disables only that one", async () => {
    await restore();
    // A one-item runbook bound to the same step as rb.disable-provider.
    const dir = tempLaunchDir();
    fs.writeFileSync(
      path.join(dir, "disable-one.md"),
      "# Disable one\n\n## Quick actions\n\n- [ ] `rb.disable-provider` — The failing provider disabled. `step: provider.disable`\n",
    );
    const run = await tatuInTerminal(
      ["--url", app.url, "runbook", "run", "disable-one"],
      { ...cliEnv, TATU_LAUNCH_DIR: dir, TATU_RUNBOOKS_DIR: dir },
      [
        // The provider list (gmail, outlook, yahoo, facebook, instagram, …): four down picks instagram.
        { prompt: /which provider integration to disab[\s\S]*↑↓ navigate/, keys: "\x1b[B\x1b[B\x1b[B\x1b[B\r" },
        { prompt: /\(y\/N\)/, keys: "y\r" },
      ],
      secrets,
    );
    expect(run.exitCode, run.output).toBe(0);
    expect(run.output).toMatch(/provider\.instagram=off \(by tty-operator\)/);
    expect(await app.ctx.switches.isEnabled("provider.instagram")).toBe(false);
    expect(await app.ctx.switches.isEnabled("provider.facebook")).toBe(true);
    await restore();
  });
});
