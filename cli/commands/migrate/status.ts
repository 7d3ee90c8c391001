// tatu migrate status: `prisma migrate status` against DATABASE_URL (output streamed; exit 3 when the DB is unreachable).
import type { Command } from "commander";
import { exitCodeOf } from "../../steps/results.ts";
import { migrateStatusStep } from "../../steps/migrate.ts";
import { operation, runStep } from "../invocation.ts";

export function registerMigrateStatus(migrate: Command): void {
  migrate.command("status")
    .description("show whether every migration is applied (exit 1 when some are pending)")
    .option("--env-file <file>", "read DATABASE_URL from this dotenv file")
    .action(operation("migrate status", async (run) => {
      const step = await runStep(migrateStatusStep, run.stepContext());
      return { command: "migrate status", exitCode: exitCodeOf([step]), steps: [step] };
    }));
}
