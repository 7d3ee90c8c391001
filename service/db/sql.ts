// Raw SQL on the pg pool for hot paths, with Prisma's tagged-template builder for safe
// parameters (`Prisma.sql\`… ${value} …\`` → text with $n placeholders + values).
import type pg from "pg";
import type { Prisma } from "./client.ts";

export type Query = <T = Record<string, unknown>>(sql: Prisma.Sql) => Promise<T[]>;

export function queryOn(client: pg.Pool | pg.PoolClient): Query {
  return async <T>(sql: Prisma.Sql) => (await client.query(sql.text, sql.values as unknown[])).rows as T[];
}

/** BEGIN … COMMIT on one pooled connection; rolls back on any error. */
export async function withTransaction<T>(pool: pg.Pool, fn: (q: Query) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const result = await fn(queryOn(client));
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
