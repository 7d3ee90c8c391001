// tatu smoke <signup|gmail|…|all>: the runbook's smoke checks; `all` runs them in parallel.
import type { Command } from "commander";
import { CliExit, EXIT } from "../../output/exit-codes.ts";
import { exitCodeOf } from "../../steps/results.ts";
import { smokeNames, smokeSteps, type SmokeName } from "../../steps/smoke.ts";
import { operation } from "../invocation.ts";
import { runInParallel } from "../../steps/runner.ts";

export function registerSmoke(program: Command): void {
  program.command("smoke")
    .summary("signup and per-provider smoke tests against --url (all: in parallel)")
    .argument("<names...>", `${smokeNames.join(" | ")} | all (several allowed)`)
    .description("smoke tests against --url: `signup` runs the signup checklist with a fresh address, reading the verification mail from the dev outbox or, with TATU_SMOKE_SIGNUP_EMAIL + TATU_SMOKE_IMAP_URL, a test mailbox; provider smokes sign in as TATU_SMOKE_EMAIL / TATU_SMOKE_PASSWORD (a dedicated test account), check its connected account is healthy, run a manual sync and send a reply on its newest conversation")
    .option("--env-file <file>", "read TATU_SMOKE_* from this dotenv file")
    .action(operation("smoke", async (run, names) => {
      const unknown = names.filter((n) => n !== "all" && !(smokeNames as readonly string[]).includes(n));
      if (unknown.length) throw new CliExit(EXIT.usage, `unknown smoke ${unknown.join(", ")} (one of: ${smokeNames.join(", ")}, all)`);
      const chosen: SmokeName[] = names.includes("all") ? [...smokeNames] : [...new Set(names as SmokeName[])];
      const started = Date.now();
      const steps = await runInParallel(chosen.map((n) => smokeSteps[n]!), run.stepContext(run.baseUrl));
      const wallMs = Date.now() - started;
      const sumMs = steps.reduce((n, s) => n + (s.durationMs ?? 0), 0);
      return {
        command: "smoke", exitCode: exitCodeOf(steps), steps,
        extra: { timing: { wallMs, sumMs, slowestMs: Math.max(...steps.map((s) => s.durationMs ?? 0)) } },
        notes: steps.length > 1 ? [`parallel wall time ${(wallMs / 1000).toFixed(1)} s (sum of parts ${(sumMs / 1000).toFixed(1)} s)`] : [],
      };
    }));
}
