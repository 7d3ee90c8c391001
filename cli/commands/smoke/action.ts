// tatu smoke <signup|gmail|…|all>: the runbook's smoke checks; `all` runs them in parallel.
import { CliExit, EXIT } from "../../output/exit-codes.ts";
import { didYouMean } from "../../output/suggest.ts";
import { exitCodeOf } from "../../steps/results.ts";
import { smokeNames, smokeSteps, type SmokeName } from "../../steps/smoke.ts";
import { runInParallel } from "../../steps/runner.ts";
import type { CommandBody } from "../action.ts";

export const smoke: CommandBody = async (run, names) => {
  const unknown = names.filter((n) => n !== "all" && !(smokeNames as readonly string[]).includes(n));
  if (unknown.length)
    throw new CliExit(
      EXIT.usage,
      `unknown smoke ${unknown.map((n) => `'${n}'${didYouMean(n, [...smokeNames, "all"])}`).join(", ")} (one of: ${smokeNames.join(", ")}, all)`,
    );
  const chosen: SmokeName[] = names.includes("all") ? [...smokeNames] : [...new Set(names as SmokeName[])];
  const started = Date.now();
  const steps = await runInParallel(
    chosen.map((n) => smokeSteps[n]!),
    run.stepContext(run.baseUrl),
  );
  const wallMs = Date.now() - started;
  const sumMs = steps.reduce((n, s) => n + (s.durationMs ?? 0), 0);
  return {
    command: run.name,
    exitCode: exitCodeOf(steps),
    steps,
    extra: { timing: { wallMs, sumMs, slowestMs: Math.max(...steps.map((s) => s.durationMs ?? 0)) } },
    notes:
      steps.length > 1
        ? [`parallel wall time ${(wallMs / 1000).toFixed(1)} s (sum of parts ${(sumMs / 1000).toFixed(1)} s)`]
        : [],
  };
};
