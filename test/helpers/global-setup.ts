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

/** A pg client on `url` for the length of `fn`, ended after it (also when it throws). */
export async function withPgClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const admin = <T>(fn: (c: pg.Client) => Promise<T>) => withPgClient(ADMIN_URL, fn);

/**
 * A migrated template database nobody connects to, so test files that change global state
 * (switches, cron runs) can get a private copy of their own in milliseconds.
 */
export default async function setup(project: TestProject) {
  const runId = `tatu_test_${Date.now()}_${randomBytes(3).toString("hex")}`;
  const template = `${runId}_tpl`;
  await admin((c) => c.query(`CREATE DATABASE "${template}"`));
  await migrateDeploy(databaseUrl(template));
  await admin((c) => c.query(`CREATE DATABASE "${runId}" TEMPLATE "${template}"`));
  project.provide("databaseUrl", databaseUrl(runId));
  project.provide("templateDatabase", template);
  project.provide("runId", runId);
  return async () => {
    await admin(async (c) => {
      const { rows } = await c.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE $1", [
        `${runId}%`,
      ]);
      for (const { datname } of rows) await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    });
  };
}

/** A fresh, migrated database for one test file (dropped with the run). */
export async function isolatedDatabase(runId: string, template: string): Promise<string> {
  const name = `${runId}_${randomBytes(4).toString("hex")}`;
  for (let attempt = 1; ; attempt++) {
    try {
      await admin((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
      return databaseUrl(name);
    } catch (err) {
      // Two copies of one template at the same instant can collide; try again shortly.
      if (attempt >= 20 || !/being accessed by other users/.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
}

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    templateDatabase: string;
    runId: string;
  }
}
