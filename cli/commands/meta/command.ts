// tatu meta check
import { envFileOption } from "../options.ts";
import type { CommandSpec } from "../spec.ts";

export const metaCommand: CommandSpec = {
  name: "meta",
  description: "Meta (Facebook/Instagram) launch readiness",
  subcommands: [
    {
      name: "check",
      description:
        "Meta (Facebook/Instagram) done checklist: env, handshake + signatures on both endpoints, connected Page/Instagram with the required scopes; manual items (app review, business verification, …) confirmed interactively or with --yes --reason",
      options: [
        { flags: "--reason <text>", description: "with --yes: why the manual items count as confirmed (recorded)" },
        envFileOption("read FACEBOOK_* and TATU_SMOKE_* from this dotenv file"),
      ],
      examples: [
        {
          what: "At a terminal: automated items run, manual ones are asked",
          command: "tatu meta check --url https://tatu.example.com --env-file .env.production",
        },
        {
          what: "In CI: manual items confirmed with a recorded reason",
          command: 'tatu meta check --yes --reason "App Review approved 2026-11-20" --url https://tatu.example.com',
        },
      ],
      action: () => import("./check.ts").then((m) => m.metaCheck),
    },
  ],
};
