// The Meta done checklist: automated items (env, both handshakes + signatures, connected
// Page + Instagram accounts with the required scopes) and the manual items an operator confirms.
import { SCOPES } from "../../service/providers/meta/config.ts";
import { envValue } from "../environment.ts";
import { providerChecks } from "./smoke.ts";
import { describeResponse, HttpSession } from "../clients/http.ts";
import { fail, guarded, pass } from "./results.ts";
import { testMetaWebhook } from "./webhooks.ts";
import type { Step, StepContext, StepResult } from "./types.ts";

export const metaManualItems = [
  { id: "meta.app-domain", title: "App domain configured in Meta settings" },
  { id: "meta.privacy-terms", title: "Privacy Policy URL and Terms URL configured in the Meta app" },
  {
    id: "meta.oauth-redirect",
    title: "OAuth redirect URI https://<domain>/api/integrations/facebook/callback added; Facebook Login enabled",
  },
  { id: "meta.dev-mode-testing", title: "Development-mode testing complete with app roles/test users" },
  { id: "meta.app-review", title: "App Review approvals complete for production use" },
  { id: "meta.business-verification", title: "Business verification completed (if required by the granted scopes)" },
] as const;

export function metaEnv(ctx: StepContext): StepResult {
  const names = ["FACEBOOK_APP_ID", "FACEBOOK_APP_SECRET", "FACEBOOK_WEBHOOK_VERIFY_TOKEN"];
  const missing = names.filter((n) => !envValue(ctx.env, n));
  return missing.length ? fail(`missing: ${missing.join(", ")}`) : pass(`${names.join(", ")} set`);
}

/** The smoke account has an active Facebook Page and Instagram account whose grant, as Meta's
 *  debug_token reports it, has every scope Tatu needs, and whose Page is subscribed to the app's
 *  messaging webhooks (checked by the service, which holds the Page tokens). */
export async function metaAccounts(ctx: StepContext): Promise<StepResult> {
  return guarded(async () => {
    const email = envValue(ctx.env, "TATU_SMOKE_EMAIL"),
      password = envValue(ctx.env, "TATU_SMOKE_PASSWORD");
    if (!email || !password)
      return fail("TATU_SMOKE_EMAIL/TATU_SMOKE_PASSWORD unset: cannot look at the connected Meta accounts");
    const http = new HttpSession(ctx.baseUrl);
    const login = await http.post("/api/auth/login", { email, password });
    if (login.status !== 200) return fail(`the smoke account cannot sign in: ${describeResponse(login)}`);
    const items: { id: string; provider: string; status: string }[] =
      (await http.get("/api/integrations")).body?.items ?? [];
    const problems: string[] = [];
    for (const provider of ["facebook", "instagram"]) {
      const acc = items.find((a) => a.provider === provider && a.status === "active");
      if (!acc) {
        problems.push(`no active ${provider} account connected`);
        continue;
      }
      const checks = await providerChecks(http, acc.id);
      for (const c of checks.filter((c) => !c.ok)) problems.push(`${provider} ${c.name}: ${c.note}`);
    }
    return problems.length
      ? fail(problems.join("; "))
      : pass(
          `Facebook Page + Instagram account connected; Meta reports ${SCOPES.join(", ")} granted and the Page subscribed to the messaging webhooks`,
        );
  });
}

export async function metaAutomated(ctx: StepContext): Promise<{ id: string; title: string; result: StepResult }[]> {
  return [
    {
      id: "meta.env",
      title: "FACEBOOK_APP_ID, FACEBOOK_APP_SECRET, FACEBOOK_WEBHOOK_VERIFY_TOKEN set",
      result: metaEnv(ctx),
    },
    {
      id: "meta.webhook-facebook",
      title: "Facebook endpoint: handshake + signature validation",
      result: await testMetaWebhook(ctx, "facebook"),
    },
    {
      id: "meta.webhook-instagram",
      title: "Instagram endpoint: handshake + signature validation",
      result: await testMetaWebhook(ctx, "instagram"),
    },
    {
      id: "meta.accounts",
      title:
        "Page + Instagram account connected; scopes (debug_token) and webhook subscription (subscribed_apps) as Meta reports them",
      result: await metaAccounts(ctx),
    },
  ];
}

export const metaCheckStep: Step = {
  id: "meta.check",
  title: "Meta done checklist (automated items)",
  run: async (ctx) => {
    const all = await metaAutomated(ctx);
    const bad = all.filter((a) => !a.result.ok);
    const summary = bad.length
      ? bad.map((a) => `${a.id}: ${a.result.summary}`).join("; ")
      : `${all.length} automated Meta items pass`;
    return { ok: !bad.length, unreachable: all.some((a) => a.result.unreachable), summary, details: all };
  },
};
