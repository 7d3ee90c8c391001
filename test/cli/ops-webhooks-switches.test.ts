// `tatu webhooks test`, `tatu cron …` and `tatu provider …` against a running service: real
// signatures on the wire, switches flipped through the admin API (JSON and a real terminal),
// exit codes 0/1/2/3, and none of the configured secrets in any output.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { crons } from "../../service/jobs/cron-table.ts";
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "../helpers/app.ts";
import { freePort } from "../helpers/net.ts";
import { secret, tatu, tatuInTerminal } from "./ops-helpers.ts";

// Every test spawns the real CLI several times; on a loaded 2-core machine one spawn can take seconds.
vi.setConfig({ testTimeout: 90_000 });

const secrets = {
  FACEBOOK_APP_ID: "1234567890",
  FACEBOOK_APP_SECRET: secret("fbsecret-"),
  FACEBOOK_WEBHOOK_VERIFY_TOKEN: secret("verify-"),
  TWILIO_ACCOUNT_SID: `AC${randomBytes(16).toString("hex")}`,
  TWILIO_AUTH_TOKEN: randomBytes(16).toString("hex"),
  STRIPE_WEBHOOK_SECRET: `whsec_${randomBytes(16).toString("hex")}`,
  CRON_SECRET: secret("cron-"),
};
const secretValues = [
  secrets.FACEBOOK_APP_SECRET,
  secrets.FACEBOOK_WEBHOOK_VERIFY_TOKEN,
  secrets.TWILIO_AUTH_TOKEN,
  secrets.STRIPE_WEBHOOK_SECRET,
  secrets.CRON_SECRET,
];

let app: TestApp;
let cliEnv: Record<string, string>;
const isEnabled = (name: string) => app.ctx.switches.isEnabled(name);
const switchRow = (name: string) => app.ctx.db.switch.findUnique({ where: { name } });

beforeAll(async () => {
  app = await startTestApp({ databaseUrl: await isolatedDatabaseUrl(), publicUrl: true, env: secrets });
  cliEnv = { ...secrets };
});
afterAll(async () => {
  await app?.close();
});

describe("tatu webhooks test", () => {
  it("all four endpoints: handshakes, signed accepted, forgeries rejected (exit 0, JSON)", async () => {
    const res = await tatu(["--json", "--url", app.url, "webhooks", "test", "all"], cliEnv, secretValues);
    expect(res.exitCode, res.stdout).toBe(0);
    expect(res.json.steps.map((s: { id: string }) => s.id)).toEqual([
      "webhooks.facebook",
      "webhooks.instagram",
      "webhooks.twilio",
      "webhooks.stripe",
    ]);
    const fb = res.json.steps[0].details.checks as { name: string; got: string; ok: boolean }[];
    expect(fb.map((c) => [c.got, c.ok])).toEqual([
      ["200", true],
      ["403", true],
      ["200", true],
      ["401", true],
    ]);
    // The service really saw them: accepted events stored, signature rejections counted per provider.
    const rows = await app.ctx.db.webhookEvent.groupBy({ by: ["source", "status"], _count: true });
    const accepted = (source: string) =>
      rows.filter((r) => r.source === source && r.status !== "rejected").reduce((n, r) => n + r._count, 0);
    const metrics = await (
      await fetch(`${app.url}/api/admin/metrics`, { headers: { authorization: `Bearer ${app.ctx.config.cronSecret}` } })
    ).json();
    for (const provider of ["facebook", "instagram", "twilio", "stripe"])
      expect(metrics.windows["15m"].providers[provider].webhooksRejectedSignature, provider).toBeGreaterThanOrEqual(1);
    expect(accepted("stripe")).toBe(1); // harmless event type: stored once, no feature reacts
    expect(await app.ctx.db.message.count()).toBe(0); // no user data created
  });

  it("a CLI secret that differs from the app's fails that provider with the reason (exit 1)", async () => {
    const res = await tatu(
      ["--json", "--url", app.url, "webhooks", "test", "facebook"],
      { ...cliEnv, FACEBOOK_APP_SECRET: "not-the-apps-secret-123" },
      [...secretValues, "not-the-apps-secret-123"],
    );
    expect(res.exitCode).toBe(1);
    expect(res.json.steps[0].summary).toMatch(/signed event expected 200, got 401/);
    const human = await tatu(
      ["--url", app.url, "webhooks", "test", "stripe"],
      { ...cliEnv, STRIPE_WEBHOOK_SECRET: "whsec_wrong0000000000" },
      secretValues,
    );
    expect(human.exitCode).toBe(1);
    expect(human.stdout).toMatch(/✖ webhooks\.stripe .*signed event expected 200, got 400/);
  });

  it("unreachable --url → exit 3; unknown provider → exit 2; missing secrets → exit 1", async () => {
    const closed = await freePort(); // nothing listens there
    const down = await tatu(
      ["--json", "--url", `http://127.0.0.1:${closed}`, "webhooks", "test", "twilio"],
      cliEnv,
      secretValues,
    );
    expect(down.exitCode).toBe(3);
    expect(down.json.steps[0]).toMatchObject({
      unreachable: true,
      summary: `http://127.0.0.1:${closed} is unreachable: ECONNREFUSED`,
    });
    const typo = await tatu(["--json", "--url", app.url, "webhooks", "test", "twiter"], cliEnv);
    expect(typo.exitCode).toBe(2);
    const bare = await tatu(["--json", "--url", app.url, "webhooks", "test", "stripe"], {});
    expect(bare.exitCode).toBe(1);
    expect(bare.json.steps[0].summary).toMatch(/STRIPE_WEBHOOK_SECRET/);
  });
});

describe("tatu cron / provider", () => {
  it("status, disable (needs --yes without a TTY), enable --all — recorded with the operator", async () => {
    // cron status also wants each cron to have run (test/cli/cron-status.test.ts covers the rest).
    for (const c of crons)
      await fetch(`${app.url}${c.path}`, { headers: { authorization: `Bearer ${secrets.CRON_SECRET}` } });
    const status = await tatu(["--json", "--url", app.url, "cron", "status"], cliEnv, secretValues);
    expect(status.exitCode, status.stdout).toBe(0);
    expect(status.json.steps[0].summary).toMatch(/^all 5 crons active; /);

    const refused = await tatu(["--json", "--url", app.url, "cron", "disable", "sync-messages"], cliEnv, secretValues);
    expect(refused.exitCode).toBe(2);
    expect(refused.json.error).toMatch(/needs a confirmation.*--yes/);
    expect(await isEnabled("cron.sync-messages")).toBe(true);

    const off = await tatu(
      ["--json", "--yes", "--url", app.url, "cron", "disable", "sync-messages", "--reason", "inbox incident"],
      cliEnv,
      secretValues,
    );
    expect(off.exitCode).toBe(0);
    expect(await isEnabled("cron.sync-messages")).toBe(false);
    expect(await switchRow("cron.sync-messages")).toMatchObject({
      enabled: false,
      reason: "inbox incident",
      updatedBy: "ci-test",
    });

    const degraded = await tatu(["--url", app.url, "cron", "status"], cliEnv, secretValues);
    expect(degraded.exitCode).toBe(1);
    expect(degraded.stdout).toMatch(/OFF cron\.sync-messages — inbox incident \(by ci-test\)/);

    const on = await tatu(["--json", "--url", app.url, "cron", "enable", "--all"], cliEnv, secretValues);
    expect(on.exitCode).toBe(0);
    expect(on.json.steps[0].details.switches).toHaveLength(5);
    expect(await isEnabled("cron.sync-messages")).toBe(true);
  });

  it("cron status and provider status show the switch history: who, when, why, before → after (text and --json)", async () => {
    const off = await tatu(
      ["--json", "--yes", "--url", app.url, "provider", "disable", "twitter", "--reason", "X API outage"],
      cliEnv,
      secretValues,
    );
    expect(off.exitCode).toBe(0);
    const back = await tatu(
      ["--json", "--url", app.url, "provider", "enable", "twitter", "--reason", "X is back"],
      { ...cliEnv, TATU_OPERATOR: "rita" },
      secretValues,
    );
    expect(back.exitCode).toBe(0);

    const text = await tatu(["--url", app.url, "provider", "status", "twitter"], cliEnv, secretValues);
    expect(text.exitCode, text.stdout).toBe(0);
    expect(text.stdout).toMatch(/on  provider\.twitter — X is back \(by rita\)/);
    expect(text.stdout).toMatch(
      /\d{4}-\d\d-\d\dT[\d:.]+Z provider\.twitter OFF → on by rita — X is back\n.*\d{4}-\d\d-\d\dT[\d:.]+Z provider\.twitter on → OFF by ci-test — X API outage/,
    );
    const json = await tatu(["--json", "--url", app.url, "provider", "status"], cliEnv, secretValues);
    expect(json.json.history.slice(0, 2)).toEqual([
      expect.objectContaining({
        name: "provider.twitter",
        by: "rita",
        reason: "X is back",
        before: { enabled: false },
        after: { enabled: true },
        at: expect.any(String),
      }),
      expect.objectContaining({
        name: "provider.twitter",
        by: "ci-test",
        reason: "X API outage",
        before: { enabled: true },
        after: { enabled: false },
      }),
    ]);

    // cron status lists the cron changes of the test above (and no provider's).
    const cron = await tatu(["--json", "--url", app.url, "cron", "status"], cliEnv, secretValues);
    expect(cron.json.history.length).toBeGreaterThan(0);
    expect(cron.json.history.every((c: { name: string }) => c.name.startsWith("cron."))).toBe(true);
    expect(cron.json.history).toContainEqual(
      expect.objectContaining({
        name: "cron.sync-messages",
        by: "ci-test",
        reason: "inbox incident",
        before: { enabled: true },
        after: { enabled: false },
      }),
    );
    const cronText = await tatu(["--url", app.url, "cron", "status"], cliEnv, secretValues);
    expect(cronText.stdout).toMatch(
      /Recent changes \(newest first\):\n[\s\S]*cron\.sync-messages OFF → on by ci-test\n.*cron\.sync-messages on → OFF by ci-test — inbox incident/,
    );
  }, 300_000); // six CLI spawns: generous on a loaded machine

  it("usage errors (exit 2) and a wrong CRON_SECRET (exit 1) change nothing", async () => {
    expect(
      (await tatu(["--json", "--yes", "--url", app.url, "cron", "disable", "sync-everything"], cliEnv)).exitCode,
    ).toBe(2);
    expect((await tatu(["--json", "--yes", "--url", app.url, "provider", "disable", "myspace"], cliEnv)).exitCode).toBe(
      2,
    );
    const denied = await tatu(
      ["--json", "--yes", "--url", app.url, "provider", "disable", "gmail"],
      { ...cliEnv, CRON_SECRET: "wrong-cron-secret-1234" },
      ["wrong-cron-secret-1234"],
    );
    expect(denied.exitCode).toBe(1);
    expect(denied.json.steps[0].summary).toMatch(/401.*is CRON_SECRET the deployed app's/);
    expect(await isEnabled("provider.gmail")).toBe(true);
  });

  it("provider disable asks in a terminal: 'n' changes nothing (exit 2), 'y' disables it", async () => {
    const no = await tatuInTerminal(
      ["--url", app.url, "provider", "disable", "gmail"],
      cliEnv,
      [{ prompt: /Disable provider\.gmail/, keys: "n\r" }],
      secretValues,
    );
    expect(no.output).toMatch(/Disable provider\.gmail on http:\/\/127\.0\.0\.1:\d+\?/);
    expect(no.exitCode).toBe(2);
    expect(await isEnabled("provider.gmail")).toBe(true);

    const yes = await tatuInTerminal(
      ["--url", app.url, "provider", "disable", "gmail"],
      cliEnv,
      [{ prompt: /Disable provider\.gmail/, keys: "y\r" }],
      secretValues,
    );
    expect(yes.exitCode, yes.output).toBe(0);
    expect(await isEnabled("provider.gmail")).toBe(false);
    expect((await switchRow("provider.gmail"))?.updatedBy).toBe("tty-operator");

    const back = await tatu(["--json", "--url", app.url, "provider", "enable", "gmail"], cliEnv, secretValues);
    expect(back.exitCode).toBe(0);
    expect(await isEnabled("provider.gmail")).toBe(true);
  });
});
