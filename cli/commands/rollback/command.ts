// tatu rollback [--provider P] [--sql file] [--skip-vercel]
import { envFileOption } from "../options.ts";
import type { CommandSpec } from "../spec.ts";

export const rollbackCommand: CommandSpec = {
  name: "rollback",
  summary: "DESTRUCTIVE: rollback quick actions, each confirmed (or --yes)",
  description:
    "DESTRUCTIVE: rollback quick actions in order, each confirmed (or --yes): disable the sync crons, disable --provider, roll back the Vercel production deployment, apply --sql from runbooks/rollback/, record the incident",
  options: [
    { flags: "--provider <id>", description: "the failing provider to disable (e.g. gmail, facebook, twilio)" },
    {
      flags: "--sql <file>",
      description:
        "prepared rollback SQL (a name in runbooks/rollback/ or a path), applied in one transaction to DATABASE_URL",
    },
    {
      flags: "--skip-vercel",
      description: "do not roll back the Vercel deployment (otherwise VERCEL_TOKEN + VERCEL_PROJECT_ID are required)",
    },
    { flags: "--title <text>", description: "incident title for the launch log", default: "Rollback executed" },
    { flags: "--severity <sev>", description: "incident severity", choices: ["sev1", "sev2", "sev3"], default: "sev2" },
    envFileOption("read CRON_SECRET, VERCEL_*, DATABASE_URL from this dotenv file"),
  ],
  examples: [
    {
      what: "What hypercare recommends when Gmail's sync fails (each action confirmed at the prompt)",
      command: "tatu rollback --provider gmail --url https://tatu.example.com --env-file .env.production",
    },
    {
      what: "Without a terminal: everything confirmed by --yes, the newest migration's down script applied, Vercel left alone",
      command:
        'tatu rollback --yes --sql 20261206150000_reschedule_approval.down.sql --skip-vercel --title "bad migration" --severity sev1',
    },
  ],
  action: () => import("./action.ts").then((m) => m.rollback),
};
