// tatu cron status: every cron's switch and the last changes (exit 1 when one is disabled).
import { runStep } from "../../steps/runner.ts";
import { cronStatusStep, switchStatusOutcome } from "../../steps/switches.ts";
import type { CommandBody } from "../action.ts";

export const cronStatus: CommandBody = async (run) =>
  switchStatusOutcome(run.name, await runStep(cronStatusStep, run.stepContext(run.baseUrl)), run.mode.json);
