// tatu cron status: every cron's switch and the last changes (exit 1 when one is disabled).
import type { Command } from "commander";
import { exitCodeOf } from "../../steps/results.ts";
import { cronStatusStep, historyLine } from "../../steps/switches.ts";
import type { SwitchChange } from "../../clients/tatu-admin-api.ts";
import { operation, runStep } from "../invocation.ts";

export function registerCronStatus(cron: Command): void {
  cron.command("status")
    .description("list the cron switches and their last changes (who, when, why; exit 1 when any cron is disabled)")
    .action(operation("cron status", async (run) => {
      const step = await runStep(cronStatusStep, run.stepContext(run.baseUrl));
      const details = step.details as { switches?: { name: string; enabled: boolean; reason: string | null; updatedBy: string | null }[]; history?: SwitchChange[] } | undefined;
      const switches = details?.switches ?? [], history = details?.history ?? [];
      return {
        command: "cron status", exitCode: exitCodeOf([step]), steps: [step], extra: { history },
        notes: run.mode.json ? [] : [
          ...switches.map((s) => `  ${s.enabled ? "on " : "OFF"} ${s.name}${s.reason ? ` — ${s.reason}` : ""}${s.updatedBy ? ` (by ${s.updatedBy})` : ""}`),
          history.length ? "Recent changes (newest first):" : "No changes recorded.",
          ...history.map(historyLine),
        ],
      };
    }));
}
