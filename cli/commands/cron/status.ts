// tatu cron status: every cron's switch (exit 1 when one is disabled).
import type { Command } from "commander";
import { exitCodeOf } from "../../steps/lib/results.ts";
import { cronStatusStep } from "../../steps/switches.ts";
import { operation, runStep } from "../context.ts";

export function registerCronStatus(cron: Command): void {
  cron.command("status")
    .description("list the cron switches (exit 1 when any cron is disabled)")
    .action(operation("cron status", async (run) => {
      const step = await runStep(cronStatusStep, run.stepContext(run.baseUrl));
      const switches = (step.details as { switches?: { name: string; enabled: boolean; reason: string | null; updatedBy: string | null }[] } | undefined)?.switches ?? [];
      return {
        command: "cron status", exitCode: exitCodeOf([step]), steps: [step],
        notes: run.mode.json ? [] : switches.map((s) => `  ${s.enabled ? "on " : "OFF"} ${s.name}${s.reason ? ` — ${s.reason}` : ""}${s.updatedBy ? ` (by ${s.updatedBy})` : ""}`),
      };
    }));
}
