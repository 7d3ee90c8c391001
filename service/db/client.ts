// Prisma client factory: the same client for a real Postgres and the embedded PGlite
// server (both speak the Postgres wire protocol through the pg driver adapter).
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "./generated/client.ts";

export type Db = PrismaClient;
export { Prisma } from "./generated/client.ts";

export function createDb(connectionString: string, poolSize = 10): Db {
  return createDbWithPool(connectionString, poolSize).db;
}

/** Prisma for everything, plus the same pg pool for the few hot paths (bulk ingest, webhook
 *  acknowledgements) where Prisma's per-statement overhead measured 2–4× the query itself. */
export function createDbWithPool(connectionString: string, poolSize = 10): { db: Db; pool: pg.Pool } {
  const pool = new pg.Pool({
    connectionString,
    max: poolSize,
    // Fail fast instead of hanging when the database is down: requests then get a 503.
    connectionTimeoutMillis: 5_000,
    allowExitOnIdle: true,
    // Columns are zone-less timestamps holding UTC; raw SQL compares them with now(), so every
    // connection works in UTC whatever the server's default zone is.
    options: "-c TimeZone=UTC",
  });
  pool.on("error", () => undefined); // idle-client errors (a restarted server) surface on the next query
  return { db: new PrismaClient({ adapter: new PrismaPg(pool) }), pool };
}

/** True for errors meaning "the database is unreachable", which map to 503 rather than 500. */
export function isDbUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string; name?: string } | undefined;
  if (!e) return false;
  if (["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "57P01", "57P03", "P1001", "P1017"].includes(e.code ?? ""))
    return true;
  // "not yet accepting connections" (57P03, a server coming back up) arrives as the message of
  // the Prisma adapter's DriverAdapterError, without the code.
  return /ECONNREFUSED|Connection terminated|timeout exceeded when trying to connect|the database system is (starting up|shutting down|not yet accepting connections|in recovery mode)|DatabaseNotReachable/i.test(
    e.message ?? "",
  );
}
