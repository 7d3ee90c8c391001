// gate: the CI go/no-go — env check, migration status, readiness, webhook tests and the
// configured smokes (TATU_SMOKE_PROVIDERS; signup when unset). Non-interactive.
import { envCheckStep, envVercelStep } from "./env.ts";
import { envValue } from "../environment.ts";
import { healthReadyStep } from "./health.ts";
import { migrateStatusStep } from "./migrate.ts";
import { smokeNames, smokeSteps, type SmokeName } from "./smoke.ts";
import { webhookProviders, webhookSteps, webhookTestNeeds } from "./webhooks.ts";
import type { Step, StepContext } from "./types.ts";

export function configuredSmokes(env: NodeJS.ProcessEnv): SmokeName[] {
  const raw = envValue(env, "TATU_SMOKE_PROVIDERS");
  if (!raw) return ["signup"];
  const names = raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(smokeNames as readonly string[]).includes(n));
  if (unknown.length)
    throw new Error(
      `TATU_SMOKE_PROVIDERS names unknown smokes: ${unknown.join(", ")} (one of: ${smokeNames.join(", ")})`,
    );
  return names as SmokeName[];
}

/** Webhook tests only for providers whose secrets the CI environment carries. */
export function configuredWebhooks(env: NodeJS.ProcessEnv) {
  const has = (n: string) => Boolean(envValue(env, n));
  return webhookProviders.filter((p) => webhookTestNeeds(p).every(has));
}

/** vercel: check the Vercel project's variables (presence + target) instead of the CI's own env. */
export function gateSteps(ctx: StepContext, opts: { vercel?: boolean } = {}): { sequential: Step[]; parallel: Step[] } {
  return {
    sequential: [
      opts.vercel ? envVercelStep : envCheckStep,
      ...(envValue(ctx.env, "DATABASE_URL") ? [migrateStatusStep] : []),
      healthReadyStep,
    ],
    parallel: [
      ...configuredWebhooks(ctx.env).map((p) => webhookSteps[p]!),
      ...configuredSmokes(ctx.env).map((n) => smokeSteps[n]!),
    ],
  };
}

export const gateStep: Step = {
  id: "gate",
  title: "Go/No-Go gate: env, migrations, readiness, webhooks, smokes",
  run: async (ctx) => {
    const { sequential, parallel } = gateSteps(ctx);
    const results = [];
    for (const s of sequential) results.push({ id: s.id, ...(await s.run(ctx)) });
    results.push(...(await Promise.all(parallel.map(async (s) => ({ id: s.id, ...(await s.run(ctx)) })))));
    const bad = results.filter((r) => !r.ok);
    return {
      ok: !bad.length,
      unreachable: results.some((r) => r.unreachable),
      ...(bad.length > 0 && bad.every((r) => r.needsPerson) && { needsPerson: true }),
      summary: bad.length ? `NO-GO: ${bad.map((r) => r.id).join(", ")} failed` : `GO: ${results.length} checks pass`,
      details: results,
    };
  },
};
