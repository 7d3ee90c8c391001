// Raw SQL on the pg pool for hot paths, with Prisma's tagged-template builder for safe
// parameters (`Prisma.sql\`… ${value} …\`` → text with $n placeholders + values).
import pg from "pg";

const pgTypes = pg.types;
import type { Prisma } from "./client.ts";

export type Query = <T = Record<string, unknown>>(sql: Prisma.Sql) => Promise<T[]>;

// Prisma stores DateTime as `timestamp(3)` (no zone) holding UTC. pg would read those as the
// host's local time; read them as UTC, per query, without touching pg's global parsers.
const TIMESTAMP_OID = 1114;
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === TIMESTAMP_OID
      ? (v: string) => new Date(`${v.replace(" ", "T")}Z`)
      : pgTypes.getTypeParser(oid, format as "text")) as pg.CustomTypesConfig["getTypeParser"],
};

export function queryOn(client: pg.Pool | pg.PoolClient): Query {
  return async <T>(sql: Prisma.Sql) =>
    (await client.query({ text: sql.text, values: sql.values as unknown[], types })).rows as T[];
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
