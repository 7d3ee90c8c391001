// tatu gate: CI's go/no-go — env check, migrate status, readiness, webhook tests, configured
// smokes. Never prompts; JSON summary with --json; exit 0 GO, 1 NO-GO, 3 unreachable.
import type { Command } from "commander";
import type { ReportedStep } from "../../output/print.ts";
import { gateSteps } from "../../steps/gate.ts";
import { exitCodeOf } from "../../steps/results.ts";
import { operation, runStep } from "../invocation.ts";
import { runInParallel } from "../../steps/runner.ts";

export function registerGate(program: Command): void {
  program.command("gate")
    .summary("CI go/no-go: env, migrations, readiness, webhooks, smokes")
    .description("CI go/no-go: env check + migrate status (when DATABASE_URL is set) + readiness + webhook tests (providers whose secrets are set) + smokes in TATU_SMOKE_PROVIDERS (default signup); non-interactive")
    .option("--vercel", "check the env vars in the Vercel project (presence + production target) instead of this environment's own")
    .option("--env-file <file>", "read the environment from this dotenv file")
    .action(operation("gate", async (run) => {
      const ctx = run.stepContext(run.baseUrl);
      const { sequential, parallel } = gateSteps(ctx, { vercel: Boolean(run.opts.vercel) });
      const steps: ReportedStep[] = [];
      for (const s of sequential) steps.push(await runStep(s, ctx));
      steps.push(...(await runInParallel(parallel, ctx)));
      const exitCode = exitCodeOf(steps);
      return {
        command: "gate", exitCode, steps,
        extra: { decision: exitCode === 0 ? "GO" : "NO-GO", failed: steps.filter((s) => !s.ok).map((s) => s.id) },
        notes: [exitCode === 0 ? "GO" : `NO-GO: ${steps.filter((s) => !s.ok).map((s) => s.id).join(", ")}`],
      };
    }));
}
