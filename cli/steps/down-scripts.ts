// Prepared down scripts: every migration in prisma/migrations has runbooks/rollback/<migration
// folder>.down.sql, the exact inverse the rollback runbook's rb.sql applies (newest first).
// test/cli/rollback-sql.test.ts applies each up → down → up and compares the schemas.
import fs from "node:fs";
import path from "node:path";
import { migrationNames, migrationsDir } from "../../service/db/migrations.ts";
import { rollbackSqlDir } from "./rollback.ts";

/** `20261206150000_reschedule_approval` → `20261206150000_reschedule_approval.down.sql`. */
export const downScriptName = (migration: string): string => `${migration}.down.sql`;

/** Migrations (oldest first) that have no prepared down script: each one is a rollback nobody prepared. */
export function migrationsWithoutDownScript(migrations = migrationsDir, downScripts = rollbackSqlDir): string[] {
  return migrationNames(migrations).filter((m) => !fs.existsSync(path.join(downScripts, downScriptName(m))));
}
