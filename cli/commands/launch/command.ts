// tatu launch [--resume] [--rehearse]: the launch runbook with the run options of `runbook run`.
import { runbookRunOptions } from "../runbook/command.ts";
import type { CommandSpec } from "../spec.ts";

export const launchCommand: CommandSpec = {
  name: "launch",
  description:
    "run the launch runbook (runbooks/launch.md): T-24h → T-2h → T-30m Go/No-Go #1 → T-0 Go/No-Go #2 → hypercare → sign-off. Changes production (migrate deploy): those items ask first, or take --yes",
  options: [
    ...runbookRunOptions,
    {
      flags: "--rehearse",
      description:
        "rehearse the whole launch locally: embedded DB, worker, provider stand-ins, seeded test accounts — no credentials, no network",
    },
  ],
  examples: [
    {
      what: "Start the launch with the roles and window recorded",
      command:
        'tatu launch --release-commander Ada --backend Bo --frontend Fe --qa Quinn --observer Obi --window "2026-12-01 14:00-16:00 UTC" --url https://tatu.example.com',
    },
    { what: "Continue after a crash or Ctrl-C (finished items are not repeated)", command: "tatu launch --resume" },
    { what: "The whole launch locally: no credentials, no network", command: "tatu launch --rehearse" },
  ],
  action: () => import("./action.ts").then((m) => m.launch),
};
