// tatu log mitigation "<text>" [--incident INC-n] [--resolve]: into the mitigations file and the current run's launch log.
import { CliExit, EXIT } from "../../output/exit-codes.ts";
import { logMitigation } from "../../runbook/incidents.ts";
import { LaunchLog } from "../../runbook/log.ts";
import { currentRunId } from "../../runbook/store.ts";
import type { CommandBody } from "../action.ts";

export const logMitigationCommand: CommandBody = async (run, [text]) => {
  if (!text?.trim()) throw new CliExit(EXIT.usage, "the mitigation needs a text");
  const m = logMitigation(
    {
      incident: run.opts.incident as string | undefined,
      text: text.trim(),
      resolved: Boolean(run.opts.resolve),
      operator: run.operator,
    },
    run.env,
  );
  const runId = currentRunId(run.env);
  if (runId)
    new LaunchLog(runId, run.env).append({
      type: "mitigation",
      incident: m.incident,
      text: m.text,
      resolved: m.resolved,
      operator: run.operator,
    });
  if (run.mode.json)
    process.stdout.write(
      JSON.stringify({ command: run.name, ok: true, exitCode: 0, mitigation: m, run: runId ?? null }, null, 2) + "\n",
    );
  else
    process.stdout.write(
      `Mitigation recorded${m.incident ? ` for ${m.incident}${m.resolved ? " (resolved)" : ""}` : ""}.\n`,
    );
  return EXIT.ok;
};
