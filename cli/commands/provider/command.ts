// tatu provider status [provider] | disable <provider> | enable <provider> | twilio assign|unassign|list
import { providerIds } from "../../clients/tatu-admin-api.ts";
import type { CommandSpec } from "../spec.ts";

const provider = { name: "<provider>", description: providerIds.join(" | ") };
const reason = { flags: "--reason <text>", description: "why (recorded with the switch)" };
const url = "--url https://tatu.example.com";

export const providerCommand: CommandSpec = {
  name: "provider",
  description:
    "provider kill switches, their history and Twilio number assignments of the deployed app (admin API, bearer CRON_SECRET)",
  subcommands: [
    {
      name: "status",
      description: "list the provider switches and their last changes (who, when, why; exit 1 when any is disabled)",
      arguments: [{ name: "[provider]", description: providerIds.join(" | ") }],
      examples: [{ what: "Gmail's switch and its recent changes", command: `tatu provider status gmail ${url}` }],
      action: () => import("./status.ts").then((m) => m.providerStatus),
    },
    {
      name: "disable",
      description:
        "DESTRUCTIVE: turn one provider integration off (connect, sync, send) without touching the rest; asks for confirmation unless --yes",
      arguments: [provider],
      options: [reason],
      examples: [
        {
          what: "Turn Facebook off while Meta has an outage",
          command: `tatu provider disable facebook --reason "Meta outage" ${url}`,
        },
      ],
      action: () => import("./toggle.ts").then((m) => m.providerDisable),
    },
    {
      name: "enable",
      description: "turn a provider integration back on",
      arguments: [provider],
      options: [reason],
      examples: [{ what: "Facebook back on", command: `tatu provider enable facebook ${url}` }],
      action: () => import("./toggle.ts").then((m) => m.providerEnable),
    },
    {
      name: "twilio",
      description:
        "which artist may connect which number of the server's Twilio account (admin API, bearer CRON_SECRET)",
      subcommands: [
        {
          name: "assign",
          description: "let one artist connect this number (anyone else holding it is disconnected)",
          arguments: [
            { name: "<number>", description: "E.164 number of the server's Twilio account, e.g. +15551234567" },
            { name: "<email>", description: "the artist's Tatu account email" },
          ],
          examples: [
            {
              what: "Give a studio the server's number",
              command: `tatu provider twilio assign +15551234567 ink@studio.example ${url}`,
            },
          ],
          action: () => import("./twilio.ts").then((m) => m.twilioAssign),
        },
        {
          name: "unassign",
          description: "nobody may connect this number any more; whoever holds it is disconnected",
          arguments: [{ name: "<number>", description: "E.164 number" }],
          action: () => import("./twilio.ts").then((m) => m.twilioUnassign),
        },
        {
          name: "list",
          description: "numbers of the server's Twilio account with their artist",
          action: () => import("./twilio.ts").then((m) => m.twilioList),
        },
      ],
    },
  ],
};
