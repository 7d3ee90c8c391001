// `tatu meta check` is runbooks/meta-done.md item by item: every automated item of the runbook
// has its result line (keyed by the item id) and every result line is a runbook item; the lines
// print the redirect URIs, webhook callbacks and scopes to register. Failing worlds, built in
// the Meta stand-in: a Page subscription without a messaging field, a scope taken back, a
// deployment whose login sends another redirect URI — each fails naming what is wrong.
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { loadRunbook } from "../../cli/runbook/parse.ts";
import { findStep } from "../../cli/steps/catalog.ts";
import { metaItemSteps } from "../../cli/steps/meta-items.ts";
import { detectMode } from "../../cli/output/mode.ts";
import type { StepResult } from "../../cli/steps/types.ts";
import { SCOPES, SUBSCRIBED_FIELDS } from "../../service/providers/meta/config.ts";
import { newPsid, startMetaStandIn, type MetaStandIn } from "../../standins/meta/index.ts";
import { PASSWORD, signedInUser } from "../helpers/accounts.ts";
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "../helpers/app.ts";
import { until } from "../helpers/realtime.ts";
import { tatu } from "./ops-helpers.ts";

vi.setConfig({ testTimeout: 90_000 });

let meta: MetaStandIn, app: TestApp;
let owner: { id: string };
let page: { id: string; accessToken: string; instagram?: { id: string } };
let cliEnv: Record<string, string>;
let secrets: string[];

const runItem = (id: string, baseUrl = app.url): Promise<StepResult> =>
  findStep(id)!.run({
    baseUrl,
    env: cliEnv,
    mode: detectMode({ json: true, yes: true }, {}),
    operator: "test",
    progress: () => {},
  });

/** Graph calls from a server carry HMAC-SHA256(token, app secret). */
const proof = () => createHmac("sha256", meta.env().FACEBOOK_APP_SECRET!).update(page.accessToken).digest("hex");
const subscribe = (fields: string[]) =>
  fetch(`${meta.env().META_GRAPH_BASE_URL}/v21.0/${page.id}/subscribed_apps?appsecret_proof=${proof()}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${page.accessToken}` },
    body: JSON.stringify({ subscribed_fields: fields.join(",") }),
  });

beforeAll(async () => {
  meta = await startMetaStandIn();
  app = await startTestApp({ databaseUrl: await isolatedDatabaseUrl(), publicUrl: true, env: meta.env() });
  const smoke = await signedInUser(app, { role: "artist" });
  owner = meta.addUser({ name: "Meta Owner" });
  page = meta.addPage(owner.id, { name: "Meta Check Ink", instagram: { username: "meta.check.ink" } });
  meta.consentAs(owner.id);
  const start = await smoke.client.raw("GET", "/api/integrations/facebook/auth");
  const consent = await fetch(start.headers.get("location")!, { redirect: "manual" });
  const callback = new URL(consent.headers.get("location")!);
  expect((await smoke.client.raw("GET", callback.pathname + callback.search)).status).toBe(303);
  for (const [path, id] of [
    ["facebook", page.id],
    ["instagram", page.instagram!.id],
  ] as const)
    await meta.postWebhook(
      `${app.url}/api/webhooks/${path}`,
      meta.customerMessage(id, { psid: newPsid(), name: "QA", text: "hi" }),
    );
  await until(
    async () => (await smoke.client.get("/api/inbox/conversations")).body.items.length === 2,
    15_000,
    "facebook and instagram conversations",
  );
  const m = meta.env();
  cliEnv = {
    TATU_SMOKE_EMAIL: smoke.email,
    TATU_SMOKE_PASSWORD: PASSWORD,
    FACEBOOK_APP_ID: m.FACEBOOK_APP_ID!,
    FACEBOOK_APP_SECRET: m.FACEBOOK_APP_SECRET!,
    FACEBOOK_WEBHOOK_VERIFY_TOKEN: m.FACEBOOK_WEBHOOK_VERIFY_TOKEN!,
  };
  secrets = [PASSWORD, m.FACEBOOK_APP_SECRET!, m.FACEBOOK_WEBHOOK_VERIFY_TOKEN!];
}, 90_000);
afterAll(async () => {
  await app?.close();
  await meta?.close();
});

describe("tatu meta check and runbooks/meta-done.md", () => {
  it("every automated runbook item has its result line and every line is a runbook item; healthy → all automated items pass but the inbound code (a person's), printing what to register", async () => {
    const runbook = loadRunbook("meta-done").items;
    const run = await tatu(
      ["--json", "--yes", "--url", app.url, "meta", "check", "--reason", "confirmed in the test"],
      cliEnv,
      secrets,
    );
    expect(run.json, run.stdout + run.stderr).toBeDefined();
    const ids = run.json.steps.map((s: { id: string }) => s.id);
    expect(ids).toEqual(runbook.map((i) => i.id));
    const automated = runbook.filter((i) => i.step).map((i) => i.id);
    const resultIds = new Set(ids);
    expect(automated.filter((id) => !resultIds.has(id))).toEqual([]);
    expect(ids.filter((id: string) => !runbook.some((i) => i.id === id))).toEqual([]);
    // Each meta.* step is the runbook item of the same id.
    for (const step of metaItemSteps) expect(runbook.find((i) => i.id === step.id)?.step, step.id).toBe(step.id);

    // All pass but the inbound items, which need a person to send the one-time code (exit 2):
    // ops-smoke-gate's terminal run has that person.
    expect(run.exitCode, run.stdout).toBe(2);
    expect(
      run.json.steps
        .filter((s: { ok: boolean }) => !s.ok)
        .map((s: { id: string; needsPerson?: boolean }) => [s.id, s.needsPerson]),
    ).toEqual([
      ["meta.inbound-facebook", true],
      ["meta.inbound-instagram", true],
    ]);
    const text = run.json.steps.map((s: { summary: string }) => s.summary).join("\n");
    for (const url of [
      `${app.url}/api/integrations/facebook/callback`,
      `${app.url}/api/integrations/facebook-instagram/callback`,
      `${app.url}/api/webhooks/facebook`,
      `${app.url}/api/webhooks/instagram`,
    ])
      expect(text).toContain(url);
    for (const scope of [...SCOPES, "pages_manage_metadata"]) expect(text).toContain(scope);
  });

  it("a Page subscribed without a messaging field fails meta.subscribed-fields naming the fields", async () => {
    const partial = await subscribe(["messages", "messaging_postbacks"]);
    expect(partial.status, await partial.clone().text()).toBe(200);
    try {
      const r = await runItem("meta.subscribed-fields");
      expect(r.ok).toBe(false);
      expect(r.summary).toMatch(
        /facebook webhook subscription: subscribed without: message_deliveries, message_reads, message_echoes/,
      );
    } finally {
      expect((await subscribe(SUBSCRIBED_FIELDS)).status).toBe(200);
    }
    expect((await runItem("meta.subscribed-fields")).ok).toBe(true);
  });

  it("a login that would register another redirect URI fails meta.redirect-uri naming both", async () => {
    // The CLI looks at the deployment under another name than its public URL (NEXTAUTH_URL).
    const other = app.url.replace("127.0.0.1", "localhost");
    const r = await runItem("meta.redirect-uri", other);
    expect(r.ok).toBe(false);
    expect(r.summary).toContain(
      `the facebook login sends redirect_uri ${app.url}/api/integrations/facebook/callback, not ${other}/api/integrations/facebook/callback`,
    );
  });

  it("a scope the user took back fails meta.scopes naming it (checked last: the grant stays reduced)", async () => {
    meta.revokePermission(owner.id, "pages_manage_metadata");
    const r = await runItem("meta.scopes");
    expect(r.ok).toBe(false);
    expect(r.summary).toMatch(
      /requested scopes: .*pages_manage_metadata.* — .*facebook granted scopes: not granted: pages_manage_metadata/,
    );
  });
});
