// `tatu cron status` (step cron.status) and cron.trigger-sync against a running service and the
// Vercel stand-in: each way the crons can be misconfigured or not running builds its world and
// must fail naming the cron — a wrong vercel.json schedule, a Vercel project missing a cron or
// with crons disabled, a stale or never-run cron, a CRON_SECRET the app refuses — and the
// healthy world passes. The routes' dry run changes nothing.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { crons } from "../../service/jobs/cron-table.ts";
import { recordRun } from "../../service/jobs/runs.ts";
import { startVercelStandIn, type VercelStandIn } from "../../standins/vercel/index.ts";
import { checkVercelJson, cronStatusResult, cronTriggerSyncStep, readVercelJson } from "../../cli/steps/cron-status.ts";
import type { StepContext } from "../../cli/steps/types.ts";
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "../helpers/app.ts";
import { secret, tatu } from "./ops-helpers.ts";

vi.setConfig({ testTimeout: 90_000 });

const CRON_SECRET = secret("cron-");
let app: TestApp;
let vercel: VercelStandIn;

const context = (env: Record<string, string>): StepContext => ({
  baseUrl: app.url,
  env: { CRON_SECRET, ...env },
  mode: { json: true, interactive: false, color: false, yes: true },
  operator: "ci-test",
  progress: () => undefined,
});
const withVercel = () => context(vercel.env());
const checksOf = (r: { details?: unknown }) =>
  (r.details as { checks: { name: string; ok: boolean; summary: string; notChecked: boolean }[] }).checks;
const check = (r: { details?: unknown }, name: string) => checksOf(r).find((c) => c.name === name)!;
const runCount = () => app.ctx.db.jobRun.count();
const succeedNow = (name: string) => recordRun(app.ctx, "cron", name, async () => ({ done: 0 }));

beforeAll(async () => {
  [app, vercel] = await Promise.all([
    isolatedDatabaseUrl().then((databaseUrl) =>
      startTestApp({ databaseUrl, redis: true, publicUrl: true, env: { CRON_SECRET } }),
    ),
    startVercelStandIn(),
  ]);
});
afterAll(async () => {
  await Promise.all([app?.close(), vercel?.close()]);
});

describe("cron.trigger-sync", () => {
  it("runs /api/cron/sync-messages and /api/worker/sync for real; a disabled cron fails it", async () => {
    const before = await runCount();
    const ok = await cronTriggerSyncStep.run(context({}));
    expect(ok.ok, ok.summary).toBe(true);
    expect(ok.summary).toMatch(/\/api\/cron\/sync-messages .*; \/api\/worker\/sync /);
    const runs = await app.ctx.db.jobRun.findMany({ where: { kind: "cron" }, orderBy: { startedAt: "asc" } });
    expect(runs.map((r) => [r.name, r.status])).toEqual([
      ["sync-messages", "ok"],
      ["worker-sync", "ok"],
    ]);
    expect(await runCount()).toBe(before + 2);

    await app.ctx.switches.set("cron.worker-sync", false, "test", "ci-test");
    const off = await cronTriggerSyncStep.run(context({}));
    await app.ctx.switches.set("cron.worker-sync", true, "test", "ci-test");
    expect(off.ok).toBe(false);
    expect(off.summary).toBe("manual sync: /api/worker/sync skipped (disabled)");
  });
});

describe("tatu cron status", () => {
  it("the healthy world passes: vercel.json, the Vercel project, recent runs, CRON_SECRET (text output prints the last runs)", async () => {
    for (const c of crons) await succeedNow(c.name);
    const res = await tatu(["--url", app.url, "cron", "status"], { CRON_SECRET, ...vercel.env() }, [
      CRON_SECRET,
      vercel.token,
    ]);
    expect(res.exitCode, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toMatch(/ok +vercel\.json declares the 5 crons/);
    expect(res.stdout).toMatch(/ok +Vercel project runs the 5 crons/);
    expect(res.stdout).toMatch(/ok +CRON_SECRET accepted by the 5 cron routes \(dry run\)/);
    expect(res.stdout).toMatch(
      /Last runs:\n {2}ok +sync-messages "\*\/10 \* \* \* \*": last run \S+ ok; last success \d+ min ago/,
    );
  });

  it("without VERCEL_TOKEN/VERCEL_PROJECT_ID the project is not checked (not a failure)", async () => {
    const r = await cronStatusResult(context({}));
    expect(r.ok, r.summary).toBe(true);
    expect(check(r, "Vercel project")).toMatchObject({
      ok: true,
      notChecked: true,
      summary: "Vercel crons not checked: no Vercel project configured",
    });
  });

  it("vercel.json: a wrong schedule, a missing and an extra cron each fail naming it", () => {
    expect(checkVercelJson(readVercelJson()).ok).toBe(true);
    const good = readVercelJson() as { crons: { path: string; schedule: string }[] };
    const wrong = structuredClone(good);
    wrong.crons[0]!.schedule = "*/30 * * * *";
    expect(checkVercelJson(wrong)).toMatchObject({
      ok: false,
      summary: 'vercel.json: sync-messages scheduled "*/30 * * * *" instead of "*/10 * * * *"',
    });
    const changed = structuredClone(good);
    changed.crons = changed.crons.filter((c) => c.path !== "/api/cron/appointment-reminders");
    changed.crons.push({ path: "/api/cron/cleanup", schedule: "0 * * * *" });
    expect(checkVercelJson(changed).summary).toBe(
      'vercel.json: appointment-reminders (/api/cron/appointment-reminders, "0 9 * * *") missing; extra cron /api/cron/cleanup ("0 * * * *") not in the app',
    );
    expect(checkVercelJson({ builds: [] }).summary).toMatch(/^vercel\.json: sync-messages .* missing; sync-calendars/);
    expect(checkVercelJson({ crons: [{ path: 1 }] }).summary).toMatch(/^vercel\.json: "crons" is malformed/);
  });

  it("the Vercel project missing a cron, or its crons disabled, fails", async () => {
    const all = vercel.crons().definitions;
    vercel.setCrons({ definitions: all.filter((d) => d.path !== "/api/cron/sync-calendars") });
    const missing = await cronStatusResult(withVercel());
    expect(missing.ok).toBe(false);
    expect(missing.summary).toBe('Vercel project: sync-calendars (/api/cron/sync-calendars, "*/15 * * * *") missing');

    vercel.setCrons({ definitions: all, disabledAt: Date.parse("2026-12-01T10:00:00Z") });
    const disabled = await cronStatusResult(withVercel());
    expect(disabled.ok).toBe(false);
    expect(disabled.summary).toBe("Vercel project: crons disabled since 2026-12-01T10:00:00.000Z");

    vercel.setCrons({ disabledAt: null });
    expect((await cronStatusResult(withVercel())).ok).toBe(true);
  });

  it("a stale cron fails with its last run and reason; a never-run one fails unless the deployment is younger than two intervals", async () => {
    await app.ctx.db.jobRun.deleteMany({ where: { kind: "cron", name: "sync-calendars" } });
    const ago = (min: number) => new Date(Date.now() - min * 60_000);
    await app.ctx.db.jobRun.createMany({
      data: [
        { kind: "cron", name: "sync-calendars", status: "ok", startedAt: ago(45), finishedAt: ago(45) },
        { kind: "cron", name: "sync-calendars", status: "error", startedAt: ago(5), error: "calendar API 500" },
      ],
    });
    const stale = await cronStatusResult(context({}));
    expect(stale.ok).toBe(false);
    expect(stale.summary).toMatch(
      /^cron runs: sync-calendars "\*\/15 \* \* \* \*": last run \S+ error \(calendar API 500\); STALE: last success \S+ \(45 min ago, more than two intervals of 15 min\)$/,
    );
    await succeedNow("sync-calendars");

    // appointment-reminders runs daily: never ran fails, unless production was deployed < 48 h ago.
    await app.ctx.db.jobRun.deleteMany({ where: { kind: "cron", name: "appointment-reminders" } });
    const never = await cronStatusResult(context({}));
    expect(never.summary).toMatch(
      /^cron runs: appointment-reminders "0 9 \* \* \*": never ran; no successful run recorded$/,
    );
    const young = await cronStatusResult(withVercel()); // the stand-in's production deploy is < 1 day old
    expect(young.ok, young.summary).toBe(true);
    expect((young.details as { runs: { line: string }[] }).runs.map((r) => r.line)).toContainEqual(
      expect.stringMatching(/^appointment-reminders "0 9 \* \* \*": never ran; deployed \d+ h ago, not due yet$/),
    );
    await succeedNow("appointment-reminders");
  });

  it("a CRON_SECRET the app refuses fails: the dry run answers 401 (exit 1, the secret never printed)", async () => {
    const wrong = secret("wrong-");
    const res = await tatu(["--json", "--url", app.url, "cron", "status"], { CRON_SECRET: wrong }, [wrong]);
    expect(res.exitCode).toBe(1);
    const checks = res.json.steps[0].details.checks as { name: string; summary: string }[];
    expect(checks.find((c) => c.name === "CRON_SECRET")!.summary).toMatch(
      /^CRON_SECRET is not the app's: \/api\/cron\/sync-messages refused it \(401 CRON_UNAUTHORIZED/,
    );
  });
});

describe("GET <cron path>?dryRun=1", () => {
  it("reports what a run would do and changes nothing: no job enqueued, no run recorded", async () => {
    const user = await app.ctx.db.user.create({
      data: { email: `dry-${Date.now()}@example.test`, name: "Dry Run", role: "artist", passwordHash: "x" },
    });
    await app.ctx.db.connectedAccount.create({
      data: {
        userId: user.id,
        provider: "gmail",
        externalId: "dry@gmail.test",
        address: "dry@gmail.test",
        credentials: "v1.x.y.z",
        scopes: [],
      },
    });
    const [runsBefore, queueBefore, switchesBefore] = await Promise.all([
      runCount(),
      app.ctx.queue.counts(),
      app.ctx.db.switch.count(),
    ]);
    const auth = { authorization: `Bearer ${CRON_SECRET}` };
    const answers: Record<string, { wouldRun: boolean; wouldEnqueue: Record<string, number> }> = {};
    for (const c of crons) {
      const res = await fetch(`${app.url}${c.path}?dryRun=1`, { headers: auth });
      expect(res.status).toBe(200);
      answers[c.name] = await res.json();
    }
    const total = (n: string) => Object.values(answers[n]!.wouldEnqueue).reduce((a, b) => a + b, 0);
    expect(answers["sync-messages"]).toMatchObject({ dryRun: true, wouldRun: true, wouldSkip: 0 });
    expect(total("sync-messages")).toBe(1); // the one connected Gmail account
    expect(total("worker-sync")).toBe(1);
    expect(answers["worker-sync"]).toHaveProperty("waiting");
    expect(await runCount()).toBe(runsBefore);
    expect(await app.ctx.queue.counts()).toEqual(queueBefore);
    expect(await app.ctx.db.switch.count()).toBe(switchesBefore);

    const bad = await fetch(`${app.url}/api/cron/sync-messages?dryRun=maybe`, { headers: auth });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { fields: { dryRun: "dryRun must be 1 or 0." } } });
    const denied = await fetch(`${app.url}/api/cron/sync-messages?dryRun=1`);
    expect(denied.status).toBe(401);
    expect(await runCount()).toBe(runsBefore);
  });
});
