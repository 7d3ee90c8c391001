// tatu migrate deploy: `prisma migrate deploy` against DATABASE_URL (output streamed; exit 3 when the DB is unreachable).
import { migrateDeployStep } from "../../steps/migrate.ts";
import { singleStep } from "../../steps/runner.ts";
import type { CommandBody } from "../action.ts";

export const migrateDeploy: CommandBody = (run) => singleStep(run.name, migrateDeployStep, run.stepContext());
