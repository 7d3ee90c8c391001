// The rollback runbook's prepared SQL works as written: every migration has a down script in
// runbooks/rollback/, and each one, applied the way `tatu rollback --sql` applies it (one
// transaction), leaves exactly the schema the previous migration left — checked on a scratch
// database, newest migration first, with the migration applied again after each down.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes, randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { downScriptName, migrationsWithoutDownScript } from "../../cli/steps/down-scripts.ts";
import { applyRollbackSql, rollbackSqlDir } from "../../cli/steps/rollback.ts";
import type { StepContext } from "../../cli/steps/types.ts";
import { migrateDeploy, migrationNames, migrationsDir } from "../../service/db/migrations.ts";
import { ADMIN_URL, databaseUrl, withPgClient } from "../helpers/global-setup.ts";
import { schemaCatalog, schemaDiff } from "../helpers/schema-catalog.ts";

const prefix = `tatu_rollback_sql_${randomBytes(4).toString("hex")}`;
const created: string[] = [];
const migrations = migrationNames();

async function scratchDatabase(suffix: string): Promise<string> {
  const name = `${prefix}_${suffix}`;
  await withPgClient(ADMIN_URL, (c) => c.query(`CREATE DATABASE "${name}"`));
  created.push(name);
  return databaseUrl(name);
}

const up = (c: pg.Client, m: string) => c.query(fs.readFileSync(path.join(migrationsDir, m, "migration.sql"), "utf8"));

/** What `prisma migrate deploy` records for an applied migration (the down script deletes it). */
const recordApplied = (c: pg.Client, m: string) =>
  c.query(
    `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, finished_at, applied_steps_count) VALUES ($1, 'test', $2, now(), 1)`,
    [randomUUID(), m],
  );

/** The down script applied through the rollback's own code path (one transaction, rolled back on error). */
async function down(url: string, file: string) {
  const ctx: StepContext = {
    baseUrl: "",
    env: { DATABASE_URL: url },
    mode: { json: true, interactive: false, color: false, yes: true },
    operator: "rollback-sql test",
    progress: () => undefined,
  };
  return applyRollbackSql(ctx, file);
}

afterAll(async () => {
  await withPgClient(ADMIN_URL, async (c) => {
    for (const name of created) await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });
});

describe("prepared down scripts (runbooks/rollback/)", () => {
  it("exist for every migration in prisma/migrations", () => {
    expect(migrations.length).toBeGreaterThanOrEqual(12);
    expect(migrationsWithoutDownScript()).toEqual([]);
  });

  it("a new migration without its down script is reported by name", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tatu-migrations-"));
    try {
      fs.cpSync(migrationsDir, tmp, { recursive: true });
      fs.mkdirSync(path.join(tmp, "29991231000000_new_feature"));
      fs.writeFileSync(path.join(tmp, "29991231000000_new_feature", "migration.sql"), 'ALTER TABLE "User" ADD x int;');
      expect(migrationsWithoutDownScript(tmp, rollbackSqlDir)).toEqual(["29991231000000_new_feature"]);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  describe("up → down → up on a scratch database, schemas compared", () => {
    /** after[i] = the schema after migrations[0..i-1] (after[0]: an empty database). */
    const after: string[][] = [];
    let url: string;

    beforeAll(async () => {
      // The expected schemas: the migrations applied one by one on a database of their own.
      const steps = await scratchDatabase("steps");
      await withPgClient(steps, async (c) => {
        after.push(await schemaCatalog(c));
        for (const m of migrations) {
          await up(c, m);
          after.push(await schemaCatalog(c));
        }
      });
      // The database the downs run on is deployed the production way (prisma migrate deploy).
      url = await scratchDatabase("deployed");
      await migrateDeploy(url);
    }, 120_000);

    it("prisma migrate deploy gives the schema the migrations give one by one", async () => {
      const deployed = await withPgClient(url, schemaCatalog);
      expect(schemaDiff(after.at(-1)!, deployed)).toEqual([]);
    });

    it("each down script, newest first, leaves the previous migration's schema; the migration then applies again", async () => {
      for (let i = migrations.length - 1; i >= 0; i--) {
        const m = migrations[i]!;
        const file = downScriptName(m);
        const first = await down(url, file);
        expect(first.summary, m).toBe(`applied ${file}`);
        await withPgClient(url, async (c) => {
          expect(
            schemaDiff(after[i]!, await schemaCatalog(c)),
            `${file} leaves the schema of ${migrations[i - 1] ?? "an empty database"}`,
          ).toEqual([]);
          const { rows } = await c.query<{ migration_name: string }>(
            `SELECT migration_name FROM "_prisma_migrations" ORDER BY migration_name`,
          );
          expect(
            rows.map((r) => r.migration_name),
            `${file} removes only its own _prisma_migrations row`,
          ).toEqual(migrations.slice(0, i));
          await up(c, m);
          await recordApplied(c, m);
          expect(schemaDiff(after[i + 1]!, await schemaCatalog(c)), `${m} applies again after its down script`).toEqual(
            [],
          );
        });
        expect((await down(url, file)).ok, `${file} a second time`).toBe(true);
      }
      // Everything rolled back: prisma migrate deploy takes the empty database to the full schema again.
      await migrateDeploy(url);
      expect(schemaDiff(after.at(-1)!, await withPgClient(url, schemaCatalog))).toEqual([]);
    }, 120_000);

    it("a down script that forgets something fails the comparison, naming what is left", async () => {
      const broken = path.join(os.tmpdir(), `${prefix}_incomplete.down.sql`);
      // The reminder-index down script without one of its two DROP INDEX lines, on a database
      // at that migration: the index it forgets is what the comparison reports.
      const target = migrations.indexOf("20261125210000_reminder_indexes");
      const db = await scratchDatabase("incomplete");
      await withPgClient(db, async (c) => {
        for (const m of migrations.slice(0, target + 1)) await up(c, m);
        await c.query(`CREATE TABLE "_prisma_migrations" (migration_name text)`);
      });
      const script = fs
        .readFileSync(path.join(rollbackSqlDir, downScriptName(migrations[target]!)), "utf8")
        .replace(/^DROP INDEX "Reminder_providerId_idx";$/m, "");
      fs.writeFileSync(broken, script);
      try {
        expect((await down(db, broken)).ok).toBe(true);
        const diff = schemaDiff(after[target]!, await withPgClient(db, schemaCatalog));
        expect(diff).toEqual([expect.stringMatching(/^\+ index CREATE INDEX "Reminder_providerId_idx"/)]);
      } finally {
        fs.rmSync(broken, { force: true });
      }
    });
  });
});
