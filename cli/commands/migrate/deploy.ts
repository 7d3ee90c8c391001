// tatu migrate deploy: `prisma migrate deploy` against DATABASE_URL (output streamed; exit 3 when the DB is unreachable).
import type { Command } from "commander";
import { exitCodeOf } from "../../steps/results.ts";
import { migrateDeployStep } from "../../steps/migrate.ts";
import { operation, runStep } from "../invocation.ts";

export function registerMigrateDeploy(migrate: Command): void {
  migrate.command("deploy")
    .description("apply pending migrations to DATABASE_URL (changes the database)")
    .option("--env-file <file>", "read DATABASE_URL from this dotenv file")
    .action(operation("migrate deploy", async (run) => {
      const step = await runStep(migrateDeployStep, run.stepContext());
      return { command: "migrate deploy", exitCode: exitCodeOf([step]), steps: [step] };
    }));
}
