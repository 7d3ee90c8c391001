// tatu log incident "<title>" --sev N: into the incidents file and the current run's launch log.
import { CliExit, EXIT } from "../../output/exit-codes.ts";
import { logIncident } from "../../runbook/incidents.ts";
import { LaunchLog } from "../../runbook/log.ts";
import { currentRunId } from "../../runbook/store.ts";
import type { CommandBody } from "../action.ts";

export const logIncidentCommand: CommandBody = async (run, [title]) => {
  const sev = Number(run.opts.sev);
  if (![1, 2, 3].includes(sev))
    throw new CliExit(EXIT.usage, `--sev must be 1, 2 or 3 (got "${String(run.opts.sev)}")`);
  if (!title?.trim()) throw new CliExit(EXIT.usage, "the incident needs a title");
  const incident = logIncident({ title: title.trim(), sev: sev as 1 | 2 | 3, operator: run.operator }, run.env);
  const runId = currentRunId(run.env);
  if (runId)
    new LaunchLog(runId, run.env).append({
      type: "incident",
      id: incident.id,
      sev,
      title: incident.title,
      operator: run.operator,
    });
  if (run.mode.json)
    process.stdout.write(
      JSON.stringify({ command: run.name, ok: true, exitCode: 0, incident, run: runId ?? null }, null, 2) + "\n",
    );
  else
    process.stdout.write(
      `${incident.id} (Sev-${sev}) recorded${runId ? ` in the launch log of ${runId}` : ""}. Resolve with: tatu log mitigation "…" --incident ${incident.id} --resolve\n`,
    );
  return EXIT.ok;
};
