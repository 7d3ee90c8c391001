// tatu migrate status | deploy
import { envFileOption } from "../options.ts";
import type { CommandSpec } from "../spec.ts";

const databaseUrlFile = envFileOption("read DATABASE_URL from this dotenv file");

export const migrateCommand: CommandSpec = {
  name: "migrate",
  description: "database migrations (prisma migrate through scripts/prisma.mjs)",
  subcommands: [
    {
      name: "status",
      description: "show whether every migration is applied (exit 1 when some are pending)",
      options: [databaseUrlFile],
      examples: [
        {
          what: "Pending migrations of the production database (exit 1 when there are some, 3 when it is unreachable)",
          command: "tatu migrate status --env-file .env.production",
        },
      ],
      action: () => import("./status.ts").then((m) => m.migrateStatus),
    },
    {
      name: "deploy",
      description: "apply pending migrations to DATABASE_URL (changes the database)",
      options: [databaseUrlFile],
      examples: [
        {
          what: "Apply the pending migrations to the production database",
          command: "tatu migrate deploy --env-file .env.production",
        },
      ],
      action: () => import("./deploy.ts").then((m) => m.migrateDeploy),
    },
  ],
};
