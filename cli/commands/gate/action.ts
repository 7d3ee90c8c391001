// tatu gate: CI's go/no-go — env check, migrate status, readiness, webhook tests, configured
// smokes. Never prompts; JSON summary with --json; exit 0 GO, 1 NO-GO, 3 unreachable.
import type { ReportedStep } from "../../output/print.ts";
import { gateSteps } from "../../steps/gate.ts";
import { exitCodeOf } from "../../steps/results.ts";
import { runInParallel, runStep } from "../../steps/runner.ts";
import type { CommandBody } from "../action.ts";

export const gate: CommandBody = async (run) => {
  const ctx = run.stepContext(run.baseUrl);
  const { sequential, parallel } = gateSteps(ctx, { vercel: Boolean(run.opts.vercel) });
  const steps: ReportedStep[] = [];
  for (const s of sequential) steps.push(await runStep(s, ctx));
  steps.push(...(await runInParallel(parallel, ctx)));
  const exitCode = exitCodeOf(steps);
  return {
    command: run.name,
    exitCode,
    steps,
    extra: { decision: exitCode === 0 ? "GO" : "NO-GO", failed: steps.filter((s) => !s.ok).map((s) => s.id) },
    notes: [
      exitCode === 0
        ? "GO"
        : `NO-GO: ${steps
            .filter((s) => !s.ok)
            .map((s) => s.id)
            .join(", ")}`,
    ],
  };
};
