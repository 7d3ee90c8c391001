// Applies and inspects Prisma migrations. Applying always goes through the Prisma CLI
// (`prisma migrate deploy`), exactly what production runs; inspection reads Prisma's own
// bookkeeping table so readiness can say which migrations are missing.
import fs from "node:fs";
import path from "node:path";
import { repoRoot } from "../paths.ts";
import type { Db } from "./client.ts";

export const migrationsDir = path.join(repoRoot, "prisma/migrations");

/** The migration folders (those with a migration.sql), oldest first. */
export function migrationNames(dir = migrationsDir): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(dir, d.name, "migration.sql")))
    .map((d) => d.name)
    .sort();
}

export async function migrateDeploy(databaseUrl: string): Promise<void> {
  const { execa } = await import("execa"); // only the embedded boot and tests apply migrations
  const result = await execa(process.execPath, [path.join(repoRoot, "scripts/prisma.mjs"), "migrate", "deploy"], {
    cwd: repoRoot,
    env: { DATABASE_URL: databaseUrl },
    all: true,
    reject: false,
  });
  if (result.exitCode !== 0) throw new Error(`prisma migrate deploy failed:\n${result.all}`);
}

/** Migrations present in prisma/migrations but not (successfully) applied to the database. */
export async function pendingMigrations(db: Db): Promise<string[]> {
  let applied: { migration_name: string }[] = [];
  try {
    applied = await db.$queryRawUnsafe<{ migration_name: string }[]>(
      `SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
    );
  } catch (err) {
    // 42P01: the bookkeeping table does not exist yet, so nothing is applied.
    if (!/42P01|does not exist/.test(String((err as Error).message) + String((err as { code?: string }).code)))
      throw err;
  }
  const done = new Set(applied.map((r) => r.migration_name));
  return migrationNames().filter((name) => !done.has(name));
}
