// One fresh PostgreSQL database per test run, migrated with `prisma migrate deploy`
// (the production path), dropped at the end.
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { migrateDeploy } from "../../service/db/migrations.ts";

export const ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

export function databaseUrl(name: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client(ADMIN_URL);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export default async function setup(project: TestProject) {
  const name = `tatu_test_${Date.now()}_${randomBytes(3).toString("hex")}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  const url = databaseUrl(name);
  await migrateDeploy(url);
  project.provide("databaseUrl", url);
  project.provide("runId", name);
  return async () => {
    await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  };
}

declare module "vitest" {
  export interface ProvidedContext { databaseUrl: string; runId: string }
}
