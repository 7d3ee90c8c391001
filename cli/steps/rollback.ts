// rollback.vercel and the prepared-SQL action of `tatu rollback`.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { CliExit, EXIT } from "../output/exit-codes.ts";
import { envValue } from "../environment.ts";
import { fail, guarded, pass } from "./results.ts";
import { currentProduction, VercelApi } from "../clients/vercel-api.ts";
import { probeDatabase } from "./migrate.ts";
import type { Step, StepContext, StepResult } from "./types.ts";

export const rollbackSqlDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../runbooks/rollback");

/** Points production back at the previous ready production deployment. */
export async function rollbackVercel(ctx: StepContext): Promise<StepResult> {
  return guarded(async () => {
    const api = new VercelApi(ctx.env);
    const list = await api.productionDeployments();
    const current = currentProduction(list, await api.productionTargetId());
    if (!current) return fail("no ready production deployment found");
    const previous = list.filter((d) => d.uid !== current.uid && d.created < current.created)[0];
    if (!previous) return fail(`no earlier production deployment to roll back to (current: ${current.uid})`);
    ctx.progress(`rolling production back from ${current.uid} to ${previous.uid}`);
    await api.rollback(previous.uid, `tatu rollback by ${ctx.operator}`);
    const after = currentProduction(await api.productionDeployments(), await api.productionTargetId());
    const details = { from: current.uid, to: previous.uid, toUrl: previous.url, nowServing: after?.uid };
    if (after?.uid !== previous.uid)
      return fail(
        `rollback requested, but production serves ${after?.uid ?? "nothing"} (expected ${previous.uid})`,
        details,
      );
    return pass(
      `production rolled back: ${current.uid} → ${previous.uid}${previous.url ? ` (${previous.url})` : ""}`,
      details,
    );
  });
}

/** A bare name is looked up in runbooks/rollback/; a path is used as given. */
export function resolveRollbackSql(file: string): string {
  const candidate = file.includes("/") ? path.resolve(file) : path.join(rollbackSqlDir, file);
  if (!fs.existsSync(candidate))
    throw new CliExit(EXIT.usage, `rollback SQL not found: ${candidate} (prepared files live in runbooks/rollback/)`);
  return candidate;
}

/** Applies a prepared rollback SQL file in one transaction against DATABASE_URL. */
export async function applyRollbackSql(ctx: StepContext, file: string): Promise<StepResult> {
  const url = envValue(ctx.env, "DATABASE_URL");
  if (!url) return fail("DATABASE_URL is not set");
  const sqlFile = resolveRollbackSql(file);
  const problem = await probeDatabase(url);
  if (problem) return { ok: false, unreachable: true, summary: `database is unreachable (${problem})` };
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => undefined);
  await client.connect();
  try {
    await client.query("BEGIN");
    await client.query(fs.readFileSync(sqlFile, "utf8"));
    await client.query("COMMIT");
    return pass(`applied ${path.basename(sqlFile)}`, { file: sqlFile });
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    return fail(`${path.basename(sqlFile)} failed and was rolled back: ${(err as Error).message.split("\n")[0]}`, {
      file: sqlFile,
    });
  } finally {
    await client.end().catch(() => undefined);
  }
}

export const rollbackVercelStep: Step = {
  id: "rollback.vercel",
  title: "Roll back the Vercel production deployment to the previous one",
  destructive: true,
  run: rollbackVercel,
};
