// A throwaway, migrated PostgreSQL database for one benchmark run, dropped afterwards.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { migrateDeploy } from "../../service/db/migrations.ts";

export const PG_ADMIN_URL = process.env.BENCH_PG_ADMIN_URL?.trim() || "postgresql://postgres@127.0.0.1:5432/postgres";

export interface ScratchDatabase { url: string; drop(): Promise<void> }

export async function scratchDatabase(tag: string): Promise<ScratchDatabase> {
  const name = `tatu_bench_${tag}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  await migrateDeploy(url.toString());
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).finally(() => c.end());
    },
  };
}
