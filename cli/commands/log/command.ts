// tatu log incident "<title>" [--sev N] | mitigation "<text>" [--incident INC-n] [--resolve] | incidents
import type { CommandSpec } from "../spec.ts";

export const logCommand: CommandSpec = {
  name: "log",
  description: "write incidents and mitigations into the launch log",
  subcommands: [
    {
      name: "incident",
      description: "record an incident (Sev-1/Sev-2 block sign-off until resolved)",
      arguments: [{ name: "<title>", description: "what is happening, in one line" }],
      options: [{ flags: "--sev <n>", description: "severity: 1 (critical) … 3 (minor)", default: "2" }],
      examples: [
        {
          what: "A Sev-2 that blocks sign-off until it is resolved",
          command: 'tatu log incident "Outlook replies stuck in pending" --sev 2',
        },
      ],
      action: () => import("./incident.ts").then((m) => m.logIncidentCommand),
    },
    {
      name: "mitigation",
      description: "record a mitigation; --resolve closes the incident",
      arguments: [{ name: "<text>", description: "what was done" }],
      options: [
        { flags: "--incident <id>", description: "the incident it mitigates (INC-n, see `tatu log incidents`)" },
        { flags: "--resolve", description: "the incident is resolved (no longer blocks sign-off)" },
      ],
      examples: [
        {
          what: "Close INC-1",
          command: 'tatu log mitigation "Outlook disabled, queue drained" --incident INC-1 --resolve',
        },
      ],
      action: () => import("./mitigation.ts").then((m) => m.logMitigationCommand),
    },
    {
      name: "incidents",
      description: "incidents with their status (open Sev-1/Sev-2 block sign-off)",
      action: () => import("./incidents.ts").then((m) => m.logIncidents),
    },
  ],
};
