// health.ready: the deployed service's readiness (database, migrations, Redis).
import { envValue } from "../environment.ts";
import { HttpSession } from "../clients/http.ts";
import { fail, guarded, pass } from "./results.ts";
import type { Step, StepContext, StepResult } from "./types.ts";

export async function readiness(ctx: StepContext): Promise<StepResult> {
  return guarded(async () => {
    // The per-dependency details are shown only with the bearer; without it, the status alone.
    const secret = envValue(ctx.env, "CRON_SECRET");
    const res = await new HttpSession(ctx.baseUrl, secret ? { authorization: `Bearer ${secret}` } : {}).get(
      "/api/health/ready",
    );
    const checks = (res.body?.checks ?? {}) as Record<string, { ok?: boolean; error?: string }>;
    const bad = Object.entries(checks)
      .filter(([, c]) => c?.ok === false)
      .map(([name, c]) => `${name}: ${c.error ?? "not ok"}`);
    if (res.status === 200)
      return pass(
        Object.keys(checks).length
          ? `ready (${Object.keys(checks).join(", ")} ok)`
          : "ready (set CRON_SECRET to see each dependency)",
        res.body,
      );
    return fail(`not ready (${res.status})${bad.length ? `: ${bad.join("; ")}` : ""}`, res.body);
  });
}

export const healthReadyStep: Step = {
  id: "health.ready",
  title: "Service readiness (database, migrations, Redis)",
  run: readiness,
};
