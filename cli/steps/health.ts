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
    const checks = (res.body?.checks ?? {}) as Record<
      string,
      { ok?: boolean; error?: string; mode?: string; backend?: string; note?: string }
    >;
    const bad = Object.entries(checks)
      .filter(([, c]) => c?.ok === false)
      .map(([name, c]) => `${name}: ${c.error ?? "not ok"}`);
    if (res.status === 200)
      return pass(
        Object.keys(checks).length
          ? `ready (${Object.keys(checks).join(", ")} ok)${backendsLine(checks)}`
          : "ready (set CRON_SECRET to see each dependency)",
        res.body,
      );
    return fail(`not ready (${res.status})${bad.length ? `: ${bad.join("; ")}` : ""}`, res.body);
  });
}

/** Where jobs run and what counts rate limits, said plainly (an inline queue is a choice to know about). */
function backendsLine(checks: Record<string, { mode?: string; backend?: string; note?: string }>): string {
  const parts = [
    checks.queue?.mode ? `jobs: ${checks.queue.mode}${checks.queue.note ? ` — ${checks.queue.note}` : ""}` : "",
    checks.rateLimits?.backend ? `rate limits: ${checks.rateLimits.backend}` : "",
  ].filter(Boolean);
  return parts.length ? `; ${parts.join("; ")}` : "";
}

export const healthReadyStep: Step = {
  id: "health.ready",
  title: "Service readiness (database, migrations, Redis)",
  run: readiness,
};
