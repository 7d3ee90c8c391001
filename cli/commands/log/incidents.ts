// tatu log incidents: every incident with its status.
import { EXIT } from "../../output/exit-codes.ts";
import { listIncidents } from "../../runbook/incidents.ts";
import type { CommandBody } from "../action.ts";

export const logIncidents: CommandBody = async (run) => {
  const incidents = listIncidents(run.env);
  if (run.mode.json)
    process.stdout.write(JSON.stringify({ command: run.name, ok: true, exitCode: 0, incidents }, null, 2) + "\n");
  else if (!incidents.length) process.stdout.write("No incidents recorded.\n");
  else
    for (const i of incidents)
      process.stdout.write(`${i.id}  Sev-${i.sev}  ${i.open ? "OPEN    " : "resolved"}  ${i.at}  ${i.title}\n`);
  return EXIT.ok;
};
