// tatu env check
import { integrations } from "../../../service/config/registry.ts";
import { envFileOption } from "../options.ts";
import type { CommandSpec } from "../spec.ts";

export const envCommand: CommandSpec = {
  name: "env",
  description: "environment variables (from the shared env registry)",
  subcommands: [
    {
      name: "check",
      description:
        "check every variable of the env registry: present / missing / invalid, launch-critical vs optional, grouped by integration (values never printed)",
      options: [
        envFileOption("read variables from this dotenv file (over the process environment)"),
        {
          flags: "--vercel",
          description:
            "also check the Vercel project's variables by presence and target (VERCEL_TOKEN, VERCEL_PROJECT_ID, VERCEL_TEAM_ID)",
        },
        {
          flags: "--target <target>",
          description:
            "deployment target: production also requires every variable of the launch's in-scope integrations (runbooks/launch.md `scope`); with --vercel, the Vercel target checked",
          choices: ["production", "preview"],
          default: "production",
        },
        { flags: "--only <integration>", description: `only one integration (${integrations.join(", ")})` },
      ],
      examples: [
        {
          what: "Check a production env file before pasting it into Vercel",
          command: "tatu env check --env-file .env.production",
        },
        {
          what: "Check the Vercel project's production variables (presence and target only)",
          command: "tatu env check --vercel --target production",
        },
      ],
      action: () => import("./check.ts").then((m) => m.envCheck),
    },
  ],
};
