// Prisma client factory: the same client for a real Postgres and the embedded PGlite
// server (both speak the Postgres wire protocol through the pg driver adapter).
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/client.ts";

export type Db = PrismaClient;
export { Prisma } from "./generated/client.ts";

export function createDb(connectionString: string, poolSize = 10): Db {
  const adapter = new PrismaPg({
    connectionString,
    max: poolSize,
    // Fail fast instead of hanging when the database is down: requests then get a 503.
    connectionTimeoutMillis: 5_000,
    allowExitOnIdle: true,
  });
  return new PrismaClient({ adapter });
}

/** True for errors meaning "the database is unreachable", which map to 503 rather than 500. */
export function isDbUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string; name?: string } | undefined;
  if (!e) return false;
  if (["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "57P01", "57P03", "P1001", "P1017"].includes(e.code ?? "")) return true;
  return /ECONNREFUSED|Connection terminated|timeout exceeded when trying to connect|the database system is (starting up|shutting down)|DatabaseNotReachable/i.test(e.message ?? "");
}
