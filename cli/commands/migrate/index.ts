import type { Command } from "commander";
import { registerMigrateDeploy } from "./deploy.ts";
import { registerMigrateStatus } from "./status.ts";

export function registerMigrate(program: Command): void {
  const migrate = program.command("migrate").description("database migrations (prisma migrate through scripts/prisma.mjs)");
  registerMigrateStatus(migrate);
  registerMigrateDeploy(migrate);
}
