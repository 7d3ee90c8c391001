// tatu cron status: every cron's switch and recent changes, and whether the crons are really
// configured and running (vercel.json, the Vercel project, last runs, CRON_SECRET): exit 1 when not.
import { runStep } from "../../steps/runner.ts";
import { cronStatusStep, type CronRunVerdict } from "../../steps/cron-status.ts";
import { switchStatusOutcome } from "../../steps/switches.ts";
import type { CommandBody } from "../action.ts";

export const cronStatus: CommandBody = async (run) => {
  const step = await runStep(cronStatusStep, run.stepContext(run.baseUrl));
  const outcome = switchStatusOutcome(run.name, step, run.mode.json);
  const details = step.details as
    | { checks?: { name: string; ok: boolean; summary: string; notChecked: boolean }[]; runs?: CronRunVerdict[] }
    | undefined;
  if (run.mode.json) return outcome;
  return {
    ...outcome,
    notes: [
      ...outcome.notes!,
      "Checks:",
      ...(details?.checks ?? []).map((c) => `  ${c.notChecked ? "—  " : c.ok ? "ok " : "FAIL"} ${c.summary}`),
      "Last runs:",
      ...(details?.runs ?? []).map((r) => `  ${r.ok ? "ok " : "FAIL"} ${r.line}`),
    ],
  };
};
