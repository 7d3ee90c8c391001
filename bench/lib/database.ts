// A throwaway, migrated PostgreSQL database for one benchmark run, dropped afterwards.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { migrateDeploy } from "../../service/db/migrations.ts";

export const PG_ADMIN_URL = process.env.BENCH_PG_ADMIN_URL?.trim() || "postgresql://postgres@127.0.0.1:5432/postgres";

export interface ScratchDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A URL fit for logs: the password masked. */
export function redactUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = "***";
  return u.toString();
}

async function onAdmin<T>(adminUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  try {
    await c.connect();
  } catch (err) {
    throw new Error(
      `cannot connect to PostgreSQL at ${redactUrl(adminUrl)} (set BENCH_PG_ADMIN_URL): ${(err as Error).message}`,
    );
  }
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Creates `tatu_bench_<tag>_<random>` and applies every migration (`prisma migrate deploy`). */
export async function scratchDatabase(tag: string, adminUrl = PG_ADMIN_URL): Promise<ScratchDatabase> {
  const name = `tatu_bench_${tag}_${Date.now()}_${randomBytes(3).toString("hex")}`;
  await onAdmin(adminUrl, (c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db: ScratchDatabase = {
    url: url.toString(),
    name,
    drop: () =>
      onAdmin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
  try {
    await migrateDeploy(db.url);
  } catch (err) {
    await db.drop().catch(() => undefined);
    throw err;
  }
  return db;
}
