// tatu env check: the env registry checked here (and with --vercel in the Vercel project). For
// the production target the launch scope (runbooks/launch.md) adds what in-scope integrations need.
import { integrations } from "../../../service/config/registry.ts";
import { CliExit, EXIT } from "../../output/exit-codes.ts";
import type { ReportedStep } from "../../output/print.ts";
import { backendsOf, envCheckResult, vercelEnvResult, type VarReport } from "../../steps/env.ts";
import { exitCodeOf } from "../../steps/results.ts";
import { launchIntegrations, launchScope, type LaunchScope } from "../../runbook/scope.ts";
import type { CommandBody } from "../action.ts";

export const envCheck: CommandBody = async (run) => {
  const only = run.opts.only as string | undefined;
  if (only && !(integrations as readonly string[]).includes(only))
    throw new CliExit(EXIT.usage, `unknown integration "${only}" (one of: ${integrations.join(", ")})`);
  const scope = run.opts.target === "production" ? launchScope(run.env) : undefined;
  const local = envCheckResult(run.env, only, scope);
  const steps: ReportedStep[] = [
    { id: "env.check", title: `Environment${run.opts.envFile ? ` (${run.opts.envFile})` : ""}`, ...local },
  ];
  if (run.opts.vercel)
    steps.push({
      id: "env.vercel",
      title: `Vercel project (${run.opts.target})`,
      ...(await vercelEnvResult(run.env, run.opts.target as string, only, scope)),
    });
  return {
    command: run.name,
    exitCode: exitCodeOf(steps),
    steps,
    notes: run.mode.json
      ? []
      : [
          ...scopeLines(scope),
          `Backends: ${backendsOf(run.env).note}.`,
          ...groupLines(local.details as { vars: VarReport[] }),
        ],
  };
};

/** Which integrations this launch has, and which it leaves out (their switches are expected off). */
function scopeLines(scope: LaunchScope | undefined): string[] {
  if (!scope) return ["Launch scope not applied (preview target): only launch-critical variables are required."];
  const label = (id: keyof typeof launchIntegrations) => launchIntegrations[id].label;
  return [
    `Launch scope (${scope.source}): ${scope.inScope.map(label).join(", ")}`,
    ...(scope.notInLaunch.length
      ? [`Not in this launch (switches expected off): ${scope.notInLaunch.map(label).join(", ")}`]
      : []),
  ];
}

/** Human table: one block per integration, one line per variable. */
function groupLines(details: { vars: VarReport[] }): string[] {
  const lines: string[] = [];
  const byGroup = new Map<string, VarReport[]>();
  for (const v of details.vars) byGroup.set(v.integration, [...(byGroup.get(v.integration) ?? []), v]);
  for (const [group, vars] of byGroup) {
    lines.push(`\n[${group}]`);
    for (const v of vars) {
      const mark =
        v.status === "present" ? "✔" : v.status === "invalid" || v.launchCritical || v.requiredBy ? "✖" : "·";
      const what =
        v.status === "present"
          ? v.value
          : v.status === "invalid"
            ? `invalid: ${v.problem}`
            : v.launchCritical
              ? "MISSING (launch-critical)"
              : v.requiredBy
                ? `MISSING (in this launch: ${v.requiredBy.join(", ")})`
                : "not set (optional)";
      lines.push(`  ${mark} ${v.name.padEnd(30)} ${what}`);
    }
  }
  return lines;
}
