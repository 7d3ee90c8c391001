// tatu runbook list | show <name> | run <name>; the run options are shared with `tatu launch`.
import { ROLE_FLAGS } from "../../runbook/roles.ts";
import { providerIds } from "../../clients/tatu-admin-api.ts";
import { providerSwitchName } from "../../steps/switches.ts";
import { envFileOption } from "../options.ts";
import type { CommandSpec, OptionSpec } from "../spec.ts";

export const runbookRunOptions: readonly OptionSpec[] = [
  {
    flags: "--resume [run-id]",
    description: "continue the newest unfinished run (or the given one); finished items are not repeated",
  },
  ...ROLE_FLAGS.map((r) => ({
    flags: `${r.flag} <name>`,
    description:
      r.key === "releaseCommander"
        ? `${r.label} (recorded at the start; the only one who can override a gate)`
        : r.label,
  })),
  { flags: "--window <text>", description: 'launch window, e.g. "2026-12-01 14:00-16:00 UTC"' },
  {
    flags: "--reason <text>",
    description: "with --yes: confirms manual items non-interactively; the reason is logged",
  },
  { flags: "--skip <item=reason...>", description: "skip an item; the reason is required and logged (repeatable)" },
  {
    flags: "--override <gate=reason...>",
    description: "override a blocked Go/No-Go gate (needs --override-by = the Release Commander)",
  },
  { flags: "--override-by <name>", description: "the Release Commander's name, for --override" },
  {
    flags: "--approve <gate-id...>",
    description:
      "the Release Commander's GO for a Go/No-Go gate, given up front (non-interactive runs stop at a gate without it, exit 2); logged with who and when (repeatable)",
  },
  envFileOption("read variables from a dotenv file over the environment"),
];

/** `runbook run --provider`: the provider provider.disable turns off (rollback); asked in a terminal when not given. */
const providerChoiceOption: OptionSpec = {
  flags: "--provider <id>",
  description: `the provider integration the rollback disables (rb.disable-provider): ${providerIds.join(", ")}; asked in a terminal when not given`,
  parse: (value) => providerSwitchName(value).replace(/^provider\./, ""),
};

export const runbookCommand: CommandSpec = {
  name: "runbook",
  description: "list, show and run the launch runbooks (runbooks/*.md)",
  subcommands: [
    {
      name: "list",
      description: "the runbooks and their item counts",
      action: () => import("./list.ts").then((m) => m.runbookList),
    },
    {
      name: "show",
      description: "the items of a runbook: id, kind, bound step (and whether it is registered)",
      arguments: [{ name: "<name>", description: "runbook name (see `tatu runbook list`)" }],
      examples: [
        { what: "The rollback runbook's items and the steps they run", command: "tatu runbook show rollback" },
      ],
      action: () => import("./show.ts").then((m) => m.runbookShow),
    },
    {
      name: "run",
      description:
        "run a runbook: automated items execute, manual ones are confirmed; resumable with --resume. Items bound to steps that change production (migrate deploy, switches, Vercel rollback) ask first, or take --yes",
      arguments: [{ name: "<name>", description: "runbook name" }],
      options: [...runbookRunOptions, providerChoiceOption],
      examples: [
        {
          what: "The signup smoke checklist against staging",
          command: "tatu runbook run signup-smoke --url https://staging.tatu.example.com",
        },
        {
          what: "The rollback runbook for a failing Facebook integration (without --provider it asks which one)",
          command: "tatu runbook run rollback --provider facebook --url https://tatu.example.com",
        },
        {
          what: "Continue the last unfinished run, skipping an item with a logged reason",
          command: 'tatu runbook run provider-qa --resume --skip "qa.twitter=X API outage"',
        },
      ],
      action: () => import("./run.ts").then((m) => m.runbookRun),
    },
  ],
};
