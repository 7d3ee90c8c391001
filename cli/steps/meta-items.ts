// The automated items of runbooks/meta-done.md, one step each, keyed by the runbook's item id:
// what to register with Meta (redirect URIs, webhook callbacks, scopes) printed from the
// service's own routes and constants, and checked the way Meta sees it: the login the deployed
// app starts (redirect_uri, scope), Meta's debug_token (granted scopes) and the Page's
// subscribed_apps (webhook fields), read by the service, which holds the Page tokens.
import { FACEBOOK_ROUTE, INSTAGRAM_ROUTE, SCOPES } from "../../service/providers/meta/config.ts";
import { describeResponse, HttpSession } from "../clients/http.ts";
import { envValue } from "../environment.ts";
import { fail, guarded, pass } from "./results.ts";
import { providerChecks } from "./smoke.ts";
import type { Step, StepContext, StepResult } from "./types.ts";
import { testMetaWebhook } from "./webhooks.ts";

const CHANNELS = ["facebook", "instagram"] as const;
type Channel = (typeof CHANNELS)[number];
const ROUTES: Record<Channel, string> = { facebook: FACEBOOK_ROUTE, instagram: INSTAGRAM_ROUTE };

/** Everything to register in the Meta app for this deployment. */
export function metaRegistration(baseUrl: string) {
  const base = baseUrl.replace(/\/+$/, "");
  return {
    redirectUris: CHANNELS.map((c) => `${base}/api/integrations/${ROUTES[c]}/callback`),
    webhookUrls: CHANNELS.map((c) => `${base}/api/webhooks/${c}`),
    scopes: [...SCOPES],
  };
}

export const META_ENV = ["FACEBOOK_APP_ID", "FACEBOOK_APP_SECRET", "FACEBOOK_WEBHOOK_VERIFY_TOKEN"];

export function metaEnv(ctx: StepContext): StepResult {
  const missing = META_ENV.filter((n) => !envValue(ctx.env, n));
  return missing.length ? fail(`missing: ${missing.join(", ")}`) : pass(`${META_ENV.join(", ")} set`);
}

async function smokeSession(ctx: StepContext): Promise<HttpSession | string> {
  const email = envValue(ctx.env, "TATU_SMOKE_EMAIL");
  const password = envValue(ctx.env, "TATU_SMOKE_PASSWORD");
  if (!email || !password) return "TATU_SMOKE_EMAIL/TATU_SMOKE_PASSWORD unset: cannot sign in as the smoke account";
  const http = new HttpSession(ctx.baseUrl);
  const login = await http.post("/api/auth/login", { email, password });
  return login.status === 200 ? http : `the smoke account cannot sign in: ${describeResponse(login)}`;
}

/** The Facebook Login dialog URL the deployed app sends a person to, per connect route. */
async function loginDialogs(ctx: StepContext): Promise<{ dialogs: Record<Channel, URL> } | { problem: string }> {
  const http = await smokeSession(ctx);
  if (typeof http === "string") return { problem: http };
  const dialogs = {} as Record<Channel, URL>;
  for (const c of CHANNELS) {
    const res = await http.get(`/api/integrations/${ROUTES[c]}/auth?format=json`);
    if (res.status !== 200 || typeof res.body?.url !== "string")
      return { problem: `starting the ${c} login: ${describeResponse(res)}` };
    dialogs[c] = new URL(res.body.url);
  }
  return { dialogs };
}

async function redirectUris(ctx: StepContext): Promise<StepResult> {
  const { redirectUris } = metaRegistration(ctx.baseUrl);
  const register = `register as Valid OAuth Redirect URIs: ${redirectUris.join(" and ")}`;
  return guarded(async () => {
    const got = await loginDialogs(ctx);
    if ("problem" in got) return fail(`${register} — not checked: ${got.problem}`, { redirectUris });
    const problems: string[] = [];
    CHANNELS.forEach((c, i) => {
      const sent = got.dialogs[c].searchParams.get("redirect_uri");
      if (sent !== redirectUris[i]) problems.push(`the ${c} login sends redirect_uri ${sent}, not ${redirectUris[i]}`);
    });
    const appId = envValue(ctx.env, "FACEBOOK_APP_ID");
    const clientId = got.dialogs.facebook.searchParams.get("client_id");
    if (appId && clientId !== appId) problems.push(`the login uses app ${clientId}, not FACEBOOK_APP_ID ${appId}`);
    return problems.length
      ? fail(`${register} — ${problems.join("; ")}`, { redirectUris })
      : pass(`${register} (the deployed app's logins send exactly these)`, { redirectUris });
  });
}

async function webhookCallback(ctx: StepContext, channel: Channel): Promise<StepResult> {
  const url = metaRegistration(ctx.baseUrl).webhookUrls[CHANNELS.indexOf(channel)]!;
  const r = await testMetaWebhook(ctx, channel);
  return { ...r, summary: `callback ${url}: ${r.summary}`, details: { url, result: r.details } };
}

/** The smoke account's active Page / Instagram account and the service's checks of it. */
async function accountChecks(ctx: StepContext, channels: readonly Channel[], names: string[]): Promise<StepResult> {
  return guarded(async () => {
    const http = await smokeSession(ctx);
    if (typeof http === "string") return fail(http);
    const list = await http.get("/api/integrations");
    if (list.status !== 200) return fail(`listing integrations: ${describeResponse(list)}`);
    const items: { id: string; provider: string; status: string; address?: string | null }[] = list.body?.items ?? [];
    const bad: string[] = [];
    const good: string[] = [];
    for (const c of channels) {
      const acc = items.find((a) => a.provider === c && a.status === "active");
      if (!acc) {
        bad.push(`no active ${c} account connected to the smoke account`);
        continue;
      }
      for (const check of (await providerChecks(http, acc.id)).filter((x) => names.includes(x.name)))
        (check.ok ? good : bad).push(`${c} ${check.name}: ${check.note}`);
    }
    return bad.length ? fail(bad.join("; "), { good, bad }) : pass(good.join("; "), { good });
  });
}

async function scopes(ctx: StepContext): Promise<StepResult> {
  const wanted = metaRegistration(ctx.baseUrl).scopes;
  const requested = `requested scopes: ${wanted.join(", ")}`;
  return guarded(async () => {
    const got = await loginDialogs(ctx);
    if ("problem" in got) return fail(`${requested} — not checked: ${got.problem}`, { scopes: wanted });
    const asked = (got.dialogs.facebook.searchParams.get("scope") ?? "").split(",").filter(Boolean);
    const notAsked = wanted.filter((s) => !asked.includes(s));
    if (notAsked.length)
      return fail(`${requested} — the deployed login does not ask for ${notAsked.join(", ")}`, { scopes: wanted });
    const granted = await accountChecks(ctx, CHANNELS, ["granted scopes"]);
    return { ...granted, summary: `${requested} — ${granted.summary}`, details: { scopes: wanted, granted } };
  });
}

const step = (id: string, title: string, run: (ctx: StepContext) => Promise<StepResult>): Step => ({ id, title, run });

/** In the order of runbooks/meta-done.md; ids are its item ids. */
export const metaItemSteps: readonly Step[] = [
  step("meta.app-credentials", `${META_ENV.join(", ")} set`, async (ctx) => metaEnv(ctx)),
  step(
    "meta.redirect-uri",
    "Both OAuth redirect URIs (Facebook, Instagram) — as the deployed login sends them",
    redirectUris,
  ),
  step("meta.webhook-facebook", "Facebook callback: handshake + signature validation", (ctx) =>
    webhookCallback(ctx, "facebook"),
  ),
  step("meta.webhook-instagram", "Instagram callback: handshake + signature validation", (ctx) =>
    webhookCallback(ctx, "instagram"),
  ),
  step("meta.subscribed-fields", "The Pages' webhook subscription (subscribed_apps) has every messaging field", (ctx) =>
    accountChecks(ctx, CHANNELS, ["webhook subscription"]),
  ),
  step("meta.scopes", "Requested scopes asked by the login and granted (debug_token)", scopes),
  step("meta.page-linked", "A Facebook Page linked to the smoke account, its token valid", (ctx) =>
    accountChecks(ctx, ["facebook"], ["page"]),
  ),
  step("meta.ig-linked", "An Instagram professional account linked through a Page, its token valid", (ctx) =>
    accountChecks(ctx, ["instagram"], ["instagram account"]),
  ),
];
