// migrate.status / migrate.deploy: `prisma migrate status|deploy` through scripts/prisma.mjs
// (execa), streaming its output. The database is probed first so "unreachable" is one clear
// line and exit code 3, not a Prisma stack.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import pg from "pg";
import { envValue } from "../environment.ts";
import { fail, pass } from "./results.ts";
import type { Step, StepContext, StepResult } from "./types.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** undefined when the database answers; otherwise why not (never the URL: it holds the password). */
export async function probeDatabase(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.query("SELECT 1");
    return undefined;
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return e.code ? `${e.code}: ${e.message?.split("\n")[0]}` : (e.message?.split("\n")[0] ?? String(err));
  } finally {
    await client.end().catch(() => undefined);
  }
}

function hostOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}${u.port ? `:${u.port}` : ""}/${u.pathname.slice(1)}`;
  } catch {
    return "(unparseable DATABASE_URL)";
  }
}

/** Prisma's chatter about driver adapters is noise for operators. */
const noise =
  /Prisma config detected|Your schema specifies the following datasource|values from your schema will NOT be used|remove those properties from your schema|^- url$|datasource property|Loaded Prisma config|^Prisma schema loaded|^Datasource "/i;

export async function runMigrate(ctx: StepContext, action: "status" | "deploy"): Promise<StepResult> {
  const url = envValue(ctx.env, "DATABASE_URL");
  if (!url) return fail("DATABASE_URL is not set");
  const where = hostOf(url);
  const problem = await probeDatabase(url);
  if (problem) return { ok: false, unreachable: true, summary: `database ${where} is unreachable (${problem})` };

  const lines: string[] = [];
  const proc = execa("node", ["scripts/prisma.mjs", "migrate", action], {
    cwd: repoRoot,
    env: { ...ctx.env, DATABASE_URL: url },
    all: true,
    reject: false,
    lines: false,
    signal: ctx.signal,
  });
  let buffered = "";
  proc.all?.on("data", (chunk: Buffer) => {
    buffered += chunk.toString("utf8");
    let nl: number;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, nl).trimEnd();
      buffered = buffered.slice(nl + 1);
      if (!line.trim() || noise.test(line)) continue;
      lines.push(line);
      ctx.progress(line);
    }
  });
  const res = await proc;
  if (buffered.trim() && !noise.test(buffered)) lines.push(buffered.trim());
  const pending = lines.filter((l) => /^\d{14}_/.test(l.trim()));
  const details = { database: where, exitCode: res.exitCode, output: lines };
  if (action === "status") {
    if (res.exitCode === 0) return pass(`database ${where} is up to date`, details);
    if (pending.length)
      return fail(
        `${pending.length} migration(s) not applied on ${where}: ${pending.join(", ")} (run \`tatu migrate deploy\`)`,
        details,
      );
    return fail(`prisma migrate status failed on ${where}: ${lines.at(-1) ?? `exit ${res.exitCode}`}`, details);
  }
  if (res.exitCode === 0) {
    const applied = lines.find((l) => /migrations? (have been )?applied|No pending migrations/i.test(l));
    return pass(`migrate deploy on ${where}: ${applied ?? "done"}`, details);
  }
  return fail(
    `prisma migrate deploy failed on ${where}: ${lines.filter((l) => /error|failed/i.test(l)).at(-1) ?? lines.at(-1) ?? `exit ${res.exitCode}`}`,
    details,
  );
}

export const migrateStatusStep: Step = {
  id: "migrate.status",
  title: "Database migrations applied",
  run: (ctx) => runMigrate(ctx, "status"),
};
export const migrateDeployStep: Step = {
  id: "migrate.deploy",
  title: "Apply pending database migrations",
  destructive: true,
  run: (ctx) => runMigrate(ctx, "deploy"),
};
