// Sentry Web API: accepted error events over the last hour (stats_v2) and the issues first seen
// since the launch start, for hypercare; one event by id, for the `sentry.ingestion` step.
import { z } from "zod";
import { envValue } from "../environment.ts";
import { describeResponse, HttpSession, type HttpResponse } from "./http.ts";

const stats = z
  .object({
    groups: z.array(z.object({ by: z.record(z.string(), z.unknown()), totals: z.record(z.string(), z.number()) })),
  })
  .passthrough();

export function sentryConfigured(env: NodeJS.ProcessEnv): boolean {
  return Boolean(envValue(env, "SENTRY_AUTH_TOKEN") && envValue(env, "SENTRY_ORG"));
}

function sentryApi(env: NodeJS.ProcessEnv): HttpSession {
  const base = envValue(env, "SENTRY_API_BASE_URL") ?? "https://sentry.io";
  return new HttpSession(base, { authorization: `Bearer ${envValue(env, "SENTRY_AUTH_TOKEN")}` });
}

const denied = (res: HttpResponse, scope: string) =>
  res.status === 401 || res.status === 403
    ? `${res.status} (check SENTRY_AUTH_TOKEN, scope ${scope})`
    : describeResponse(res);

/** Accepted error events in the last hour for the project (or the whole org). */
export async function sentryErrorsLastHour(env: NodeJS.ProcessEnv): Promise<number> {
  const http = sentryApi(env);
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
  if (res.status !== 200) throw new Error(`Sentry stats: ${denied(res, "org:read")}`);
  return stats.parse(res.body).groups.reduce((n, g) => n + (g.totals["sum(quantity)"] ?? 0), 0);
}

const issue = z
  .object({
    id: z.string(),
    shortId: z.string().optional(),
    title: z.string(),
    culprit: z.string().nullish(),
    permalink: z.string().optional(),
    firstSeen: z.string(),
    lastSeen: z.string().optional(),
    count: z.coerce.number(),
    userCount: z.number().optional(),
    level: z.string().optional(),
  })
  .passthrough();
export type SentryIssue = z.infer<typeof issue>;

/** Issues first seen after `since` in SENTRY_PROJECT_ID, most events first (at most `limit`). */
export async function sentryNewIssues(env: NodeJS.ProcessEnv, since: Date, limit = 5): Promise<SentryIssue[]> {
  const project = envValue(env, "SENTRY_PROJECT_ID");
  if (!project) throw new Error("SENTRY_PROJECT_ID unset: new issues are listed per project");
  const q = new URLSearchParams({ query: `firstSeen:>${since.toISOString()}`, statsPeriod: "" });
  const res = await sentryApi(env).get(
    `/api/0/projects/${encodeURIComponent(envValue(env, "SENTRY_ORG")!)}/${encodeURIComponent(project)}/issues/?${q}`,
  );
  if (res.status !== 200) throw new Error(`Sentry issues: ${denied(res, "event:read")}`);
  return z
    .array(issue)
    .parse(res.body)
    .sort((a, b) => b.count - a.count)
    .slice(0, limit);
}

/** One event of a project by id: undefined while Sentry does not have it (404). */
export async function sentryEvent(
  env: NodeJS.ProcessEnv,
  project: string,
  eventId: string,
): Promise<{ eventID: string; message?: string } | undefined> {
  const res = await sentryApi(env).get(
    `/api/0/projects/${encodeURIComponent(envValue(env, "SENTRY_ORG")!)}/${encodeURIComponent(project)}/events/${eventId}/`,
  );
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new Error(`Sentry event lookup: ${denied(res, "event:read")}`);
  return z.object({ eventID: z.string(), message: z.string().optional() }).passthrough().parse(res.body);
}
