// The launch scope (runbooks/launch.md front matter) as the T-0 `provider.scope` step reads it
// against a real service's switches: in-scope providers must be on, the ones not in this launch
// off. The healthy world passes; a switched-off in-scope provider and a live out-of-scope one fail.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { frontMatter } from "../../cli/runbook/front-matter.ts";
import { AdminApi } from "../../cli/clients/tatu-admin-api.ts";
import { launchIntegrationIds, launchIntegrations, launchScope } from "../../cli/runbook/scope.ts";
import { providerScopeStep } from "../../cli/steps/scope-switches.ts";
import type { StepContext } from "../../cli/steps/types.ts";
import { providerMetas } from "../../service/providers/catalog.generated.ts";
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "../helpers/app.ts";
import { runbooksWithScope } from "./launch-env.ts";
import { secret } from "./ops-helpers.ts";

const CRON_SECRET = secret("cron-");
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ databaseUrl: await isolatedDatabaseUrl(), env: { CRON_SECRET } });
});
afterAll(async () => {
  await app?.close();
});

const ctxFor = (runbooksDir: string): StepContext => ({
  baseUrl: app.url,
  env: { CRON_SECRET, TATU_RUNBOOKS_DIR: runbooksDir },
  mode: { json: true, color: false, interactive: false, yes: true },
  operator: "ci-test",
  progress: () => undefined,
});
const setSwitch = (name: string, enabled: boolean) =>
  new AdminApi(app.url, { CRON_SECRET }, "ci-test").setSwitch(name, enabled, enabled ? "back on" : "test");

describe("launch scope", () => {
  it("the repository's launch.md declares every integration; front matter lists parse either way", () => {
    expect(launchScope({ ...process.env, TATU_RUNBOOKS_DIR: "" }).inScope).toEqual(launchIntegrationIds);
    expect(frontMatter("---\nscope:\n  - gmail\n  - twilio\n---\n# x").scope).toEqual(["gmail", "twilio"]);
    expect(frontMatter("---\nscope: [gmail, 'twilio']\n---\n").scope).toEqual(["gmail", "twilio"]);
    expect(frontMatter("# no front matter\nscope: gmail")).toEqual({});
  });

  it("asks of each provider at least the variables its own module needs", () => {
    for (const m of providerMetas) {
      const entry = Object.values(launchIntegrations).find((i) => "provider" in i && i.provider === m.id);
      expect(entry, `${m.id} has a launch-scope entry`).toBeDefined();
      for (const name of (m as { requiredEnv?: readonly string[] }).requiredEnv ?? [])
        expect(entry!.env as readonly string[], m.id).toContain(name);
    }
  });

  it("provider.scope passes when switches match, fails naming an in-scope provider that is off and an out-of-scope one that is on", async () => {
    const all = runbooksWithScope(undefined);
    const healthy = await providerScopeStep.run(ctxFor(all));
    expect(healthy.ok, healthy.summary).toBe(true);

    await setSwitch("provider.gmail", false);
    const gmailOff = await providerScopeStep.run(ctxFor(all));
    expect(gmailOff.ok).toBe(false);
    expect(gmailOff.summary).toMatch(/gmail is in this launch but switched off \(test\): `tatu provider enable gmail`/);

    // A launch without X: X must be off. Gmail is still off and in scope.
    const noX = runbooksWithScope(launchIntegrationIds.filter((id) => id !== "twitter"));
    const xOn = await providerScopeStep.run(ctxFor(noX));
    expect(xOn.ok).toBe(false);
    expect(xOn.summary).toMatch(/twitter is not in this launch but switched on: `tatu provider disable twitter`/);

    await setSwitch("provider.gmail", true);
    await setSwitch("provider.twitter", false);
    const matching = await providerScopeStep.run(ctxFor(noX));
    expect(matching.ok, matching.summary).toBe(true);
    expect(matching.summary).toMatch(/not in this launch off \(twitter\)/);
  });
});
