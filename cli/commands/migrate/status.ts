// tatu migrate status: `prisma migrate status` against DATABASE_URL (output streamed; exit 3 when the DB is unreachable).
import { migrateStatusStep } from "../../steps/migrate.ts";
import { singleStep } from "../../steps/runner.ts";
import type { CommandBody } from "../action.ts";

export const migrateStatus: CommandBody = (run) => singleStep(run.name, migrateStatusStep, run.stepContext());
