// `tatu hypercare` on the seed's schedule and with the runbook's meaning of "sustained 5xx spike
// > 10 min": per-minute 5xx counts from GET /api/admin/metrics (rows the service's 5xx recorder
// writes, here with chosen timestamps), a 12-minute plateau fires, a 2-minute burst does not.
// Sentry's new issues since the launch start are listed (the app reports through @sentry/node
// to the Sentry stand-in).
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "../helpers/app.ts";
import { until } from "../helpers/realtime.ts";
import { flushSentry, reportError } from "../../service/observability/sentry.ts";
import { startSentryStandIn, type SentryStandIn } from "../../standins/sentry/index.ts";
import { secret, tatu, tempLaunchDir } from "./ops-helpers.ts";

vi.setConfig({ testTimeout: 90_000 });

const CRON_SECRET = secret("cron-");
let app: TestApp, sentry: SentryStandIn, launchDir: string;
let cliEnv: Record<string, string>;
const MINUTE = 60_000;
const minuteStart = (t: number) => Math.floor(t / MINUTE) * MINUTE;

beforeAll(async () => {
  sentry = await startSentryStandIn();
  app = await startTestApp({ databaseUrl: await isolatedDatabaseUrl(), env: { CRON_SECRET, SENTRY_DSN: sentry.dsn } });
  launchDir = tempLaunchDir();
  cliEnv = { CRON_SECRET, ...sentry.env(), TATU_LAUNCH_DIR: launchDir };
});
afterAll(async () => {
  await app?.close();
  await sentry?.close();
  fs.rmSync(launchDir, { recursive: true, force: true });
});
beforeEach(async () => {
  await app.ctx.db.serverErrorEvent.deleteMany({});
});

/** `perMinute` rows the 5xx recorder writes, in each of the minutes `fromAgo`…`toAgo` minutes ago. */
async function serverErrors(fromAgo: number, toAgo: number, perMinute: number) {
  const now = minuteStart(Date.now());
  const data = [];
  for (let ago = fromAgo; ago >= toAgo; ago--)
    for (let i = 0; i < perMinute; i++)
      data.push({
        at: new Date(now - ago * MINUTE + 1000 + i * 100),
        method: "GET",
        path: "/api/conversations",
        status: 500,
        provider: null,
      });
  await app.ctx.db.serverErrorEvent.createMany({ data });
}

const once = (extra: string[] = []) =>
  tatu(["--json", "--url", app.url, "hypercare", "--once", ...extra], cliEnv, [CRON_SECRET, sentry.authToken]);

describe("GET /api/admin/metrics per-minute series", () => {
  it("counts requests and 5xx per minute, oldest first; a bad ?minutes is a 400", async () => {
    await serverErrors(3, 3, 4);
    for (let i = 0; i < 3; i++) await fetch(`${app.url}/api/health`).catch(() => undefined);
    const auth = { authorization: `Bearer ${CRON_SECRET}` };
    const res = await fetch(`${app.url}/api/admin/metrics?minutes=5`, { headers: auth });
    expect(res.status).toBe(200);
    const { perMinute } = (await res.json()) as {
      perMinute: { minute: string; requests: number; serverErrors: number }[];
    };
    expect(perMinute).toHaveLength(5);
    expect(Date.parse(perMinute[4]!.minute)).toBe(minuteStart(Date.now()));
    expect(perMinute[1]!.serverErrors).toBe(4);
    expect(perMinute.reduce((n, m) => n + m.requests, 0)).toBeGreaterThanOrEqual(3);
    const bad = await fetch(`${app.url}/api/admin/metrics?minutes=lots`, { headers: auth });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toMatch(/minutes/);
  });
});

describe("sustained 5xx spike", () => {
  it("a 2-minute burst (40 a minute) is not a rollback trigger, only a warning", async () => {
    await serverErrors(4, 3, 40);
    const res = await once();
    expect(res.exitCode, res.stdout).toBe(0);
    expect(res.json.rollbackRecommended).toBe(false);
    expect(res.json.warnings.join("\n")).toMatch(/5xx above 5\/min for 2 minute\(s\) .*not sustained/);
    expect(res.json.steps[0].details.readings.serverErrorsPerMinute).toMatchObject({ max: 40, longestElevatedRun: 2 });
  });

  it("a 12-minute plateau (8 a minute) → ROLLBACK RECOMMENDED naming the sustained spike", async () => {
    await serverErrors(13, 2, 8);
    const res = await once();
    expect(res.exitCode, res.stdout).toBe(1);
    expect(res.json.triggers).toEqual([
      expect.objectContaining({
        id: "5xx-sustained",
        message: expect.stringMatching(
          /^sustained 5xx spike: 12 minutes in a row with more than 5 server errors a minute \(.* UTC, peak 8 of \d+ requests in a minute; trigger at 10 minutes\)/,
        ),
      }),
    ]);
  });

  it("the thresholds come from the env registry (TATU_HYPERCARE_*) and the flags override them", async () => {
    await serverErrors(13, 2, 8);
    const lenient = await tatu(
      ["--json", "--url", app.url, "hypercare", "--once"],
      { ...cliEnv, TATU_HYPERCARE_MAX_5XX_PER_MINUTE: "8" },
      [CRON_SECRET],
    );
    expect(lenient.exitCode, lenient.stdout).toBe(0);
    const strict = await once(["--sustained-minutes", "12"]);
    expect(strict.exitCode).toBe(1);
    const longer = await once(["--sustained-minutes", "13"]);
    expect(longer.exitCode).toBe(0);
    const bad = await tatu(
      ["--json", "--url", app.url, "hypercare", "--once"],
      { ...cliEnv, TATU_HYPERCARE_MAX_FAILED: "many" },
      [CRON_SECRET],
    );
    expect(bad.exitCode).toBe(2);
    expect(bad.stdout + bad.stderr).toMatch(/TATU_HYPERCARE_MAX_FAILED/);
  });
});

describe("schedule", () => {
  const plan = async (args: string[], env = cliEnv) => {
    const res = await tatu(["--json", "--url", app.url, "hypercare", "--plan", ...args], env);
    expect(res.exitCode, res.stdout + res.stderr).toBe(0);
    return res.json as {
      launchStart: string;
      launchStartFrom: string;
      smokes: string[];
      schedule: { at: string; minute: number; smoke: boolean }[];
    };
  };

  it("from --since: first check T+15m, every 15 min to T+120m included, smokes at 30, 60, 90 and 120", async () => {
    const since = new Date(Date.now() - 60_000);
    const p = await plan(["--since", since.toISOString()]);
    expect(p.launchStartFrom).toBe("--since");
    expect(p.schedule.map((s) => s.minute)).toEqual([15, 30, 45, 60, 75, 90, 105, 120]);
    expect(p.schedule.filter((s) => s.smoke).map((s) => s.minute)).toEqual([30, 60, 90, 120]);
    for (const s of p.schedule) expect(Date.parse(s.at) - since.getTime()).toBe(s.minute * MINUTE);
    // Smokes: every smoke unless TATU_SMOKE_PROVIDERS names some.
    expect(p.smokes).toEqual(expect.arrayContaining(["signup", "gmail", "sms", "calendar", "search"]));
    const named = await plan(["--since", since.toISOString()], { ...cliEnv, TATU_SMOKE_PROVIDERS: "signup,sms" });
    expect(named.smokes).toEqual(["signup", "sms"]);
  });

  it("started late (T+40m): the due +30 check runs at once with its smokes, then the rest", async () => {
    const p = await plan(["--since", new Date(Date.now() - 40 * MINUTE).toISOString()]);
    expect(p.schedule.map((s) => [s.minute, s.smoke])).toEqual([
      [30, true],
      [45, false],
      [60, true],
      [75, false],
      [90, true],
      [105, false],
      [120, true],
    ]);
    const over = await tatu(
      ["--url", app.url, "hypercare", "--since", new Date(Date.now() - 3 * 3_600_000).toISOString()],
      cliEnv,
    );
    expect(over.exitCode).toBe(2);
    expect(over.stderr + over.stdout).toMatch(/hypercare is over/);
    const bad = await tatu(["--url", app.url, "hypercare", "--plan", "--since", "yesterday"], cliEnv);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr + bad.stdout).toMatch(/--since "yesterday" is not an ISO-8601 time/);
  });

  it("without --since, T+0 is the first T-0 item of the newest launch run in the launch log", async () => {
    const t0 = new Date(Date.now() - 5 * MINUTE);
    const runId = `launch-${randomUUID().slice(0, 8)}`;
    const item = (startedAt: Date) => ({
      outcome: "passed",
      summary: "ok",
      operator: "ci-test",
      startedAt: startedAt.toISOString(),
      finishedAt: startedAt.toISOString(),
      attempts: 1,
    });
    fs.mkdirSync(path.join(launchDir, runId), { recursive: true });
    fs.writeFileSync(
      path.join(launchDir, runId, "state.json"),
      JSON.stringify({
        version: 1,
        runId,
        runbook: "launch",
        status: "running",
        rehearsal: false,
        operator: "ci-test",
        baseUrl: app.url,
        startedAt: new Date(Date.now() - 3 * 3_600_000).toISOString(),
        updatedAt: new Date().toISOString(),
        items: {
          "t24.env-vars": item(new Date(Date.now() - 3 * 3_600_000)),
          "t0.meta": item(t0),
          "t0.sms": item(new Date(t0.getTime() + 30_000)),
        },
      }),
    );
    try {
      const p = await plan([]);
      expect(p.launchStartFrom).toMatch(/launch log/);
      expect(p.launchStart).toBe(t0.toISOString());
      expect(p.schedule[0]).toMatchObject({ minute: 15, at: new Date(t0.getTime() + 15 * MINUTE).toISOString() });
      expect(p.schedule.at(-1)).toMatchObject({ minute: 120, smoke: true });
    } finally {
      fs.rmSync(path.join(launchDir, runId), { recursive: true, force: true });
    }
  });
});

describe("Sentry: new issues since the launch start", () => {
  it("lists the issues first seen after T+0 (most events first), not older ones", async () => {
    const since = new Date(Date.now() - 10 * MINUTE);
    sentry.recordErrors(4, new Date(since.getTime() - 5 * MINUTE), "known before launch");
    // The SDK drops consecutive duplicates (Dedupe): the repeated one is recorded on the stand-in.
    sentry.recordErrors(3, new Date(), "checkout button crashes");
    reportError(new Error("calendar sync timeout"), { errorId: randomUUID(), path: "/api/cron/sync-calendars" });
    await flushSentry(5000);
    await until(() => sentry.events().length >= 8, 10_000, "four new Sentry events");

    const res = await once(["--since", since.toISOString()]);
    expect(res.exitCode, res.stdout).toBe(0);
    expect(res.json.newIssues.since).toBe(since.toISOString());
    expect(res.json.newIssues.issues.map((i: { title: string; count: number }) => [i.title, i.count])).toEqual([
      ["Error: checkout button crashes", 3],
      ["Error: calendar sync timeout", 1],
    ]);
    expect(res.json.steps[0].summary).toMatch(
      /2 new Sentry issue\(s\) since .* \(top: TATU-\w+ Error: checkout button crashes ×3\)/,
    );

    const text = await tatu(["--url", app.url, "hypercare", "--once", "--since", since.toISOString()], cliEnv, [
      CRON_SECRET,
      sentry.authToken,
    ]);
    expect(text.stdout).toMatch(/Sentry: 2 new issue\(s\) since/);
    expect(text.stdout).toMatch(/TATU-\w+ {2}Error: checkout button crashes {2}×3, first seen/);
    expect(text.stdout).not.toContain("known before launch");
  });
});
