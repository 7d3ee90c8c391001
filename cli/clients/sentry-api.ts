// Sentry Web API: accepted error events over the last hour (stats_v2), for hypercare.
import { z } from "zod";
import { envValue } from "../environment.ts";
import { describeResponse, HttpSession } from "./http.ts";

const stats = z
  .object({
    groups: z.array(z.object({ by: z.record(z.string(), z.unknown()), totals: z.record(z.string(), z.number()) })),
  })
  .passthrough();

export function sentryConfigured(env: NodeJS.ProcessEnv): boolean {
  return Boolean(envValue(env, "SENTRY_AUTH_TOKEN") && envValue(env, "SENTRY_ORG"));
}

/** Accepted error events in the last hour for the project (or the whole org). */
export async function sentryErrorsLastHour(env: NodeJS.ProcessEnv): Promise<number> {
  const base = envValue(env, "SENTRY_API_BASE_URL") ?? "https://sentry.io";
  const http = new HttpSession(base, { authorization: `Bearer ${envValue(env, "SENTRY_AUTH_TOKEN")}` });
  const q = new URLSearchParams({
    field: "sum(quantity)",
    groupBy: "outcome",
    category: "error",
    outcome: "accepted",
    statsPeriod: "1h",
    interval: "1h",
  });
  q.append("project", envValue(env, "SENTRY_PROJECT_ID") ?? "-1");
  const res = await http.get(`/api/0/organizations/${encodeURIComponent(envValue(env, "SENTRY_ORG")!)}/stats_v2/?${q}`);
  if (res.status !== 200)
    throw new Error(
      `Sentry stats: ${res.status === 401 || res.status === 403 ? `${res.status} (check SENTRY_AUTH_TOKEN, scope org:read)` : describeResponse(res)}`,
    );
  return stats.parse(res.body).groups.reduce((n, g) => n + (g.totals["sum(quantity)"] ?? 0), 0);
}
