// env.check / env.vercel: the env registry (service + CLI) checked for presence and format,
// grouped by integration, launch-critical vs optional. Values are never printed. For a production
// target, every variable an in-scope integration needs (runbooks/launch.md's `scope`) is required too.
import { envNames, envRegistry, integrations, type EnvVarSpec } from "../../service/config/registry.ts";
import { cliEnvRegistry, envValue } from "../environment.ts";
import { fail, guarded, pass } from "./results.ts";
import { VercelApi } from "../clients/vercel-api.ts";
import { launchIntegrations, launchScope, requiredByScope, type LaunchScope } from "../runbook/scope.ts";
import type { Step, StepResult } from "./types.ts";

export type VarStatus = "present" | "missing" | "invalid";
export interface VarReport {
  name: string;
  integration: string;
  launchCritical: boolean;
  /** In-scope integrations of this launch that need it (production target only). */
  requiredBy?: string[];
  secret: boolean;
  status: VarStatus;
  problem?: string;
  value?: string;
}

const allSpecs = (): [string, EnvVarSpec][] => [
  ...envNames.map((n) => [n, envRegistry[n]] as [string, EnvVarSpec]),
  ...(Object.entries(cliEnvRegistry) as [string, EnvVarSpec][]),
];

/** Non-secret values are shown (they help); secrets only as "set". */
function shown(spec: EnvVarSpec, value: string): string {
  return spec.secret ? "[set]" : value.length > 60 ? `${value.slice(0, 57)}…` : value;
}

export function checkEnvVars(env: NodeJS.ProcessEnv, only?: string, scope?: LaunchScope): VarReport[] {
  const out: VarReport[] = [];
  const required = scope ? requiredByScope(scope) : new Map<string, string[]>();
  for (const [name, spec] of allSpecs()) {
    if (only && spec.integration !== only) continue;
    const value = envValue(env, name);
    const requiredBy = required.get(name);
    const base = {
      name,
      integration: spec.integration,
      launchCritical: spec.launchCritical,
      ...(requiredBy ? { requiredBy } : {}),
      secret: spec.secret,
    };
    if (value === undefined) {
      out.push({ ...base, status: "missing" });
      continue;
    }
    const parsed = spec.format.safeParse(value);
    // Only the registry's own messages: a zod issue may quote the input, which may be a secret.
    if (!parsed.success)
      out.push({
        ...base,
        status: "invalid",
        problem: parsed.error.issues.map((i) => (spec.secret ? "has the wrong format" : i.message)).join("; "),
      });
    else out.push({ ...base, status: "present", value: shown(spec, value) });
  }
  return out;
}

export function assertIntegration(only: string | undefined): void {
  if (only && !(integrations as readonly string[]).includes(only))
    throw new Error(`unknown integration "${only}" (one of: ${integrations.join(", ")})`);
}

/** Missing and needed: launch-critical, or listed for an in-scope integration. */
export const needed = (v: { launchCritical: boolean; requiredBy?: string[] }) =>
  v.launchCritical || Boolean(v.requiredBy);
const neededFor = (v: { name: string; requiredBy?: string[] }) =>
  v.requiredBy ? `${v.name} (${v.requiredBy.join(", ")})` : v.name;

/** What the scope adds to a result's details and summary. */
function scopeReport(scope: LaunchScope | undefined) {
  if (!scope) return {};
  const label = (id: keyof typeof launchIntegrations) => `${id} (${launchIntegrations[id].label})`;
  return {
    scope: { source: scope.source, inScope: scope.inScope, notInLaunch: scope.notInLaunch.map(label) },
  };
}
const notInLaunchNote = (scope: LaunchScope | undefined) =>
  scope?.notInLaunch.length ? `; not in this launch: ${scope.notInLaunch.join(", ")}` : "";

/** What the variables make of jobs and rate limits (BullMQ needs TCP Redis; Upstash REST cannot carry it). */
export function backendsOf(env: NodeJS.ProcessEnv) {
  const tcpRedis = Boolean(envValue(env, "REDIS_URL") || envValue(env, "REDIS_HOST"));
  const upstash = Boolean(envValue(env, "UPSTASH_REDIS_REST_URL") && envValue(env, "UPSTASH_REDIS_REST_TOKEN"));
  const imapPush = !tcpRedis
    ? "IMAP push: off (no long-running worker)"
    : envValue(env, "IMAP_IDLE_MAX_PER_WORKER") === "0"
      ? "IMAP push: off (IMAP_IDLE_MAX_PER_WORKER=0)"
      : "IMAP push: on where `npm run worker` or `npm start` runs (IDLE)";
  return {
    jobs: tcpRedis ? "bullmq" : "inline",
    rateLimits: tcpRedis ? "redis" : upstash ? "upstash" : "memory",
    imapPush,
    note: `${
      tcpRedis
        ? "jobs on BullMQ (TCP Redis); rate limits in Redis"
        : upstash
          ? "jobs will run inline (BullMQ needs a TCP Redis: REDIS_URL or REDIS_HOST; the Upstash REST pair cannot carry a queue); rate limits in Upstash"
          : "jobs will run inline (no REDIS_URL) and rate limits are per process (no Redis, no Upstash)"
    }; ${imapPush}`,
  } as const;
}

/** The local env check; with a scope (production target), in-scope integrations' variables are required. */
export function envCheckResult(env: NodeJS.ProcessEnv, only?: string, scope?: LaunchScope): StepResult {
  const vars = checkEnvVars(env, only, scope);
  const missingCritical = vars.filter((v) => v.status === "missing" && needed(v));
  const invalid = vars.filter((v) => v.status === "invalid");
  const groups: Record<
    string,
    { present: string[]; missing: string[]; invalid: string[]; missingLaunchCritical: string[] }
  > = {};
  for (const v of vars) {
    const g = (groups[v.integration] ??= { present: [], missing: [], invalid: [], missingLaunchCritical: [] });
    g[v.status].push(v.name);
    if (v.status === "missing" && needed(v)) g.missingLaunchCritical.push(v.name);
  }
  const present = vars.filter((v) => v.status === "present").length;
  const summary = `${present}/${vars.length} set; ${missingCritical.length} required missing${missingCritical.length ? ` (${missingCritical.map(neededFor).join(", ")})` : ""}; ${invalid.length} invalid${invalid.length ? ` (${invalid.map((v) => v.name).join(", ")})` : ""}${notInLaunchNote(scope)}`;
  const details = { groups, vars, backends: backendsOf(env), ...scopeReport(scope) };
  return missingCritical.length || invalid.length ? fail(summary, details) : pass(summary, details);
}

/** The Vercel project's variables for a target, by name and target only (values are never read). */
export async function vercelEnvResult(
  env: NodeJS.ProcessEnv,
  target: string,
  only?: string,
  scope?: LaunchScope,
): Promise<StepResult> {
  return guarded(async () => {
    const required = scope ? requiredByScope(scope) : new Map<string, string[]>();
    const api = new VercelApi(env);
    const keys = await api.envKeys();
    const forTarget = new Set(keys.filter((k) => k.targets.includes(target)).map((k) => k.key));
    const anyTarget = new Map(keys.map((k) => [k.key, k.targets]));
    const wanted = allSpecs().filter(([name, s]) => (!only || s.integration === only) && name in envRegistry);
    const vars = wanted.map(([name, s]) => ({
      name,
      integration: s.integration,
      launchCritical: s.launchCritical,
      ...(required.has(name) ? { requiredBy: required.get(name) } : {}),
      status: forTarget.has(name) ? "present" : anyTarget.has(name) ? "wrong-target" : "missing",
      targets: anyTarget.get(name) ?? [],
    }));
    // Everything required must be in the project for this target; a variable set only for
    // another target (preview, development) is as missing as an absent one on launch day.
    const missing = vars.filter((v) => needed(v) && v.status !== "present");
    const summary = `Vercel ${target}: ${vars.filter((v) => v.status === "present").length}/${vars.length} present; ${missing.length} required missing${missing.length ? ` (${missing.map((v) => `${neededFor(v)}${v.status === "wrong-target" ? ` only in ${v.targets.join("/")}` : ""}`).join(", ")})` : ""}${notInLaunchNote(scope)}`;
    const details = { target, vars, ...scopeReport(scope) };
    return missing.length ? fail(summary, details) : pass(summary, details);
  });
}

export const envCheckStep: Step = {
  id: "env.check",
  title: "Environment variables present and well-formed",
  run: async (ctx) => envCheckResult(ctx.env, undefined, launchScope(ctx.env)),
};

export const envVercelStep: Step = {
  id: "env.vercel",
  title: "Vercel production env vars present (presence + target only)",
  run: (ctx) => vercelEnvResult(ctx.env, "production", undefined, launchScope(ctx.env)),
};
