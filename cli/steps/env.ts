// env.check / env.vercel: the env registry (service + CLI) checked for presence and format,
// grouped by integration, launch-critical vs optional. Values are never printed.
import { envNames, envRegistry, integrations, type EnvVarSpec } from "../../service/config/registry.ts";
import { cliEnvRegistry, envValue } from "../environment.ts";
import { fail, guarded, pass } from "./results.ts";
import { VercelApi } from "../clients/vercel-api.ts";
import type { Step, StepResult } from "./types.ts";

export type VarStatus = "present" | "missing" | "invalid";
export interface VarReport {
  name: string;
  integration: string;
  launchCritical: boolean;
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

export function checkEnvVars(env: NodeJS.ProcessEnv, only?: string): VarReport[] {
  const out: VarReport[] = [];
  for (const [name, spec] of allSpecs()) {
    if (only && spec.integration !== only) continue;
    const value = envValue(env, name);
    const base = { name, integration: spec.integration, launchCritical: spec.launchCritical, secret: spec.secret };
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

export function envCheckResult(env: NodeJS.ProcessEnv, only?: string): StepResult {
  const vars = checkEnvVars(env, only);
  const missingCritical = vars.filter((v) => v.status === "missing" && v.launchCritical);
  const invalid = vars.filter((v) => v.status === "invalid");
  const groups: Record<
    string,
    { present: string[]; missing: string[]; invalid: string[]; missingLaunchCritical: string[] }
  > = {};
  for (const v of vars) {
    const g = (groups[v.integration] ??= { present: [], missing: [], invalid: [], missingLaunchCritical: [] });
    g[v.status].push(v.name);
    if (v.status === "missing" && v.launchCritical) g.missingLaunchCritical.push(v.name);
  }
  const present = vars.filter((v) => v.status === "present").length;
  const summary = `${present}/${vars.length} set; ${missingCritical.length} launch-critical missing${missingCritical.length ? ` (${missingCritical.map((v) => v.name).join(", ")})` : ""}; ${invalid.length} invalid${invalid.length ? ` (${invalid.map((v) => v.name).join(", ")})` : ""}`;
  const details = { groups, vars };
  return missingCritical.length || invalid.length ? fail(summary, details) : pass(summary, details);
}

export async function vercelEnvResult(env: NodeJS.ProcessEnv, target: string, only?: string): Promise<StepResult> {
  return guarded(async () => {
    const api = new VercelApi(env);
    const keys = await api.envKeys();
    const forTarget = new Set(keys.filter((k) => k.targets.includes(target)).map((k) => k.key));
    const anyTarget = new Map(keys.map((k) => [k.key, k.targets]));
    const wanted = allSpecs().filter(([name, s]) => (!only || s.integration === only) && name in envRegistry);
    const vars = wanted.map(([name, s]) => ({
      name,
      integration: s.integration,
      launchCritical: s.launchCritical,
      status: forTarget.has(name) ? "present" : anyTarget.has(name) ? "wrong-target" : "missing",
      targets: anyTarget.get(name) ?? [],
    }));
    // NODE_ENV is set by Vercel itself; everything else launch-critical must be in the project.
    const missing = vars.filter((v) => v.launchCritical && v.status !== "present");
    const summary = `Vercel ${target}: ${vars.filter((v) => v.status === "present").length}/${vars.length} present; ${missing.length} launch-critical missing${missing.length ? ` (${missing.map((v) => `${v.name}${v.status === "wrong-target" ? ` only in ${v.targets.join("/")}` : ""}`).join(", ")})` : ""}`;
    return missing.length ? fail(summary, { target, vars }) : pass(summary, { target, vars });
  });
}

export const envCheckStep: Step = {
  id: "env.check",
  title: "Environment variables present and well-formed",
  run: async (ctx) => envCheckResult(ctx.env),
};

export const envVercelStep: Step = {
  id: "env.vercel",
  title: "Vercel production env vars present (presence + target only)",
  run: (ctx) => vercelEnvResult(ctx.env, "production"),
};
