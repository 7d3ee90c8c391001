// tatu cron status | disable [name|--all] | enable [name|--all]
import type { CommandSpec, ExampleSpec } from "../spec.ts";

const cronName = {
  name: "[name]",
  description:
    "sync-messages | sync-calendars | worker-sync | appointment-reminders | notify-replies (the app's list: `tatu cron status`)",
};
const reason = { flags: "--reason <text>", description: "why (recorded with the switch)" };

/** disable and enable differ only in their words and action. */
const toggle = (verb: "disable" | "enable", description: string, example: ExampleSpec): CommandSpec => ({
  name: verb,
  description,
  arguments: [cronName],
  options: [{ flags: "--all", description: `${verb} every cron` }, reason],
  examples: [example],
  action: () => import("./toggle.ts").then((m) => (verb === "enable" ? m.cronEnable : m.cronDisable)),
});

export const cronCommand: CommandSpec = {
  name: "cron",
  description: "cron switches of the deployed app (admin API, bearer CRON_SECRET)",
  subcommands: [
    {
      name: "status",
      description: "list the cron switches and their last changes (who, when, why; exit 1 when any cron is disabled)",
      examples: [
        {
          what: "Every cron switch and its recent changes",
          command: "tatu cron status --url https://tatu.example.com",
        },
      ],
      action: () => import("./status.ts").then((m) => m.cronStatus),
    },
    toggle(
      "disable",
      "DESTRUCTIVE: stop a cron from running (or --all) until re-enabled; asks for confirmation unless --yes",
      {
        what: "Pause the mail sync during an incident",
        command: 'tatu cron disable sync-messages --reason "Gmail quota incident" --url https://tatu.example.com',
      },
    ),
    toggle("enable", "re-enable a cron (or --all)", {
      what: "Every cron back on after the incident",
      command: 'tatu cron enable --all --reason "incident resolved" --url https://tatu.example.com',
    }),
  ],
};
