// tatu cron status | disable [name|--all] | enable [name|--all]
import type { CommandSpec } from "../spec.ts";

const cronName = { name: "[name]", description: "sync-messages | sync-calendars | worker-sync | appointment-reminders (the app's list: `tatu cron status`)" };
const reason = { flags: "--reason <text>", description: "why (recorded with the switch)" };

export const cronCommand: CommandSpec = {
  name: "cron",
  description: "cron switches of the deployed app (admin API, bearer CRON_SECRET)",
  subcommands: [
    {
      name: "status",
      description: "list the cron switches and their last changes (who, when, why; exit 1 when any cron is disabled)",
      examples: [{ what: "Every cron switch and its recent changes", command: "tatu cron status --url https://tatu.example.com" }],
      action: () => import("./status.ts").then((m) => m.cronStatus),
    },
    {
      name: "disable",
      description: "DESTRUCTIVE: stop a cron from running (or --all) until re-enabled; asks for confirmation unless --yes",
      arguments: [cronName],
      options: [{ flags: "--all", description: "disable every cron" }, reason],
      examples: [{ what: "Pause the mail sync during an incident", command: "tatu cron disable sync-messages --reason \"Gmail quota incident\" --url https://tatu.example.com" }],
      action: () => import("./toggle.ts").then((m) => m.cronDisable),
    },
    {
      name: "enable",
      description: "re-enable a cron (or --all)",
      arguments: [cronName],
      options: [{ flags: "--all", description: "enable every cron" }, reason],
      examples: [{ what: "Every cron back on after the incident", command: "tatu cron enable --all --reason \"incident resolved\" --url https://tatu.example.com" }],
      action: () => import("./toggle.ts").then((m) => m.cronEnable),
    },
  ],
};
