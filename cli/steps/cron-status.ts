// cron.status: are the crons really configured and running? Five checks, each failing with
// the cron it is about:
//   switches   — no cron switched off (the admin API's switches);
//   vercel.json — declares exactly the service's cron table (path + schedule);
//   Vercel project — the deployed project carries those crons, enabled (only with VERCEL_TOKEN +
//                VERCEL_PROJECT_ID; otherwise "not checked", not a failure);
//   runs       — every enabled cron succeeded within two intervals of its schedule. A cron that
//                never succeeded fails, unless the production deployment (Vercel's, so only when
//                the project is checked) is younger than two intervals: it has not been due yet;
//   CRON_SECRET — each cron route accepts it: `GET <path>?dryRun=1` (changes nothing).
// cron.trigger-sync: one real run of the sync routes, failing when their counts report failures.
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { crons } from "../../service/jobs/cron-table.ts";
import { AdminApi, type CronDryRun, type CronOverview, type CronRun } from "../clients/tatu-admin-api.ts";
import { VercelApi } from "../clients/vercel-api.ts";
import { envValue } from "../environment.ts";
import { fail, guarded, pass } from "./results.ts";
import { cronStatus as switchesCheck } from "./switches.ts";
import type { Step, StepContext, StepResult } from "./types.ts";

/** vercel.json at the repo root (next to the CLI): what a deployment of this tree registers. */
export const vercelJsonPath = path.resolve(import.meta.dirname, "../../vercel.json");

export interface CronCheck extends StepResult {
  name: "switches" | "vercel.json" | "Vercel project" | "runs" | "CRON_SECRET";
  /** Not run (no Vercel project configured): neither a pass nor a failure. */
  notChecked?: boolean;
}

const declared = z.array(z.object({ path: z.string(), schedule: z.string() }).passthrough());
const vercelJson = z.object({ crons: declared.optional() }).passthrough();

/** What differs between declared crons and the service's cron table, one phrase per cron. */
export function cronTableDiff(list: { path: string; schedule: string }[]): string[] {
  const problems: string[] = [];
  for (const c of crons) {
    const found = list.filter((d) => d.path === c.path);
    if (!found.length) problems.push(`${c.name} (${c.path}, "${c.schedule}") missing`);
    else if (found.length > 1) problems.push(`${c.path} declared ${found.length} times`);
    else if (found[0]!.schedule !== c.schedule)
      problems.push(`${c.name} scheduled "${found[0]!.schedule}" instead of "${c.schedule}"`);
  }
  for (const d of list)
    if (!crons.some((c) => c.path === d.path)) problems.push(`extra cron ${d.path} ("${d.schedule}") not in the app`);
  return problems;
}

/** (a) The parsed vercel.json against the cron table. */
export function checkVercelJson(json: unknown): CronCheck {
  const parsed = vercelJson.safeParse(json);
  if (!parsed.success)
    return { name: "vercel.json", ...fail(`vercel.json: "crons" is malformed (${parsed.error.issues[0]?.message})`) };
  const problems = cronTableDiff(parsed.data.crons ?? []);
  return problems.length
    ? { name: "vercel.json", ...fail(`vercel.json: ${problems.join("; ")}`) }
    : { name: "vercel.json", ...pass(`vercel.json declares the ${crons.length} crons`) };
}

export function readVercelJson(file = vercelJsonPath): unknown {
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

/** (b) The deployed project's crons: present, enabled, the same definitions. */
export async function checkVercelProject(env: NodeJS.ProcessEnv): Promise<CronCheck & { deployedAt?: number }> {
  if (!envValue(env, "VERCEL_TOKEN") || !envValue(env, "VERCEL_PROJECT_ID"))
    return {
      name: "Vercel project",
      notChecked: true,
      ...pass("Vercel crons not checked: no Vercel project configured"),
    };
  const r = await guarded(async () => {
    const { crons: project, productionCreatedAt } = await new VercelApi(env).projectCrons();
    if (!project) return fail("Vercel project has no crons (no deployment registered vercel.json's crons)");
    const problems = [
      ...(project.disabledAt ? [`crons disabled since ${new Date(project.disabledAt).toISOString()}`] : []),
      ...cronTableDiff(project.definitions),
    ];
    const details = { productionCreatedAt };
    return problems.length
      ? fail(`Vercel project: ${problems.join("; ")}`, details)
      : pass(`Vercel project runs the ${crons.length} crons`, details);
  });
  const deployedAt = (r.details as { productionCreatedAt?: number } | undefined)?.productionCreatedAt;
  return { name: "Vercel project", ...r, ...(deployedAt !== undefined && { deployedAt }) };
}

const human = (ms: number) =>
  ms >= 172_800_000
    ? `${Math.round(ms / 86_400_000)} d`
    : ms >= 7_200_000
      ? `${Math.round(ms / 3_600_000)} h`
      : `${Math.round(ms / 60_000)} min`;

export interface CronRunVerdict {
  name: string;
  ok: boolean;
  /** One line for people: last run, its outcome, and why it fails. */
  line: string;
}

/** (c) Each enabled cron succeeded within two intervals (now: the service's clock). */
export function judgeRuns(list: CronOverview[], now: number, deployedAt?: number): CronRunVerdict[] {
  return list.map((c) => {
    const last = c.lastRun
      ? `last run ${c.lastRun.at} ${c.lastRun.status}${c.lastRun.error ? ` (${c.lastRun.error})` : ""}`
      : "never ran";
    const head = `${c.name} "${c.schedule}": ${last}`;
    if (!c.enabled) return { name: c.name, ok: true, line: `${head}; switched off (see the switches)` };
    const window = 2 * c.intervalMs;
    if (!c.lastSuccessAt) {
      if (deployedAt !== undefined && now - deployedAt < window)
        return { name: c.name, ok: true, line: `${head}; deployed ${human(now - deployedAt)} ago, not due yet` };
      return { name: c.name, ok: false, line: `${head}; no successful run recorded` };
    }
    const age = now - Date.parse(c.lastSuccessAt);
    return age > window
      ? {
          name: c.name,
          ok: false,
          line: `${head}; STALE: last success ${c.lastSuccessAt} (${human(age)} ago, more than two intervals of ${human(c.intervalMs)})`,
        }
      : { name: c.name, ok: true, line: `${head}; last success ${human(age)} ago` };
  });
}

async function checkRuns(api: AdminApi, deployedAt?: number): Promise<CronCheck & { verdicts?: CronRunVerdict[] }> {
  let verdicts: CronRunVerdict[] | undefined;
  const r = await guarded(async () => {
    const overview = await api.crons();
    verdicts = judgeRuns(overview.crons, Date.parse(overview.generatedAt), deployedAt);
    const bad = verdicts.filter((v) => !v.ok);
    return bad.length
      ? fail(`cron runs: ${bad.map((v) => v.line).join("; ")}`)
      : pass(`all ${verdicts.length} crons ran within two intervals`);
  });
  return { name: "runs", ...r, ...(verdicts && { verdicts }) };
}

/** (d) Every cron route accepts CRON_SECRET (a dry run: nothing enqueued, nothing recorded). */
async function checkSecret(api: AdminApi): Promise<CronCheck & { dryRuns?: CronDryRun[] }> {
  const dryRuns: CronDryRun[] = [];
  const r = await guarded(async () => {
    for (const c of crons) {
      try {
        dryRuns.push(await api.cronDryRun(c.path));
      } catch (err) {
        const message = (err as Error).message;
        if (/: 40[13]\b/.test(message))
          return fail(
            `CRON_SECRET is not the app's: ${c.path} refused it (${message.match(/40[13][^(]*/)?.[0]?.trim()})`,
          );
        throw err;
      }
    }
    return pass(`CRON_SECRET accepted by the ${dryRuns.length} cron routes (dry run)`);
  });
  return { name: "CRON_SECRET", ...r, dryRuns };
}

export async function cronStatusResult(ctx: StepContext): Promise<StepResult> {
  const api = new AdminApi(ctx.baseUrl, ctx.env, ctx.operator);
  const switches = await switchesCheck(ctx);
  const file = await guarded(async () => checkVercelJson(readVercelJson()));
  const project = await checkVercelProject(ctx.env);
  const runs = await checkRuns(api, project.ok ? project.deployedAt : undefined);
  const secret = await checkSecret(api);
  const checks: CronCheck[] = [
    { ...switches, name: "switches" },
    { ...file, name: "vercel.json" },
    project,
    runs,
    secret,
  ];
  const failed = checks.filter((c) => !c.ok);
  const summary = (failed.length ? failed : checks).map((c) => c.summary).join("; ");
  const details = {
    ...(switches.details as object | undefined),
    checks: checks.map((c) => ({ name: c.name, ok: c.ok, summary: c.summary, notChecked: c.notChecked ?? false })),
    runs: runs.verdicts ?? [],
    dryRuns: secret.dryRuns ?? [],
  };
  return {
    ...(failed.length ? fail(summary, details) : pass(summary, details)),
    ...(checks.some((c) => c.unreachable) && { unreachable: true }),
  };
}

export const cronStatusStep: Step = {
  id: "cron.status",
  title: "Crons configured (vercel.json, Vercel project), running on time, CRON_SECRET accepted",
  run: cronStatusResult,
};

/** The routes the runbook's "trigger manual sync" runs by hand. */
const manualSync = crons.filter((c) => c.name === "sync-messages" || c.name === "worker-sync");

export const cronTriggerSyncStep: Step = {
  id: "cron.trigger-sync",
  title: "Trigger the manual sync routes (sync-messages, worker/sync) and check their counts",
  run: (ctx) =>
    guarded(async () => {
      const api = new AdminApi(ctx.baseUrl, ctx.env, ctx.operator);
      const runs: (CronRun & { path: string })[] = [];
      for (const c of manualSync) runs.push({ path: c.path, ...(await api.runCron(c.path)) });
      const problems = runs.flatMap((r) =>
        r.skipped
          ? [`${r.path} skipped (${r.reason})`]
          : (r.counts.failed ?? 0) > 0
            ? [`${r.path} reported ${r.counts.failed} failed job(s)`]
            : [],
      );
      const line = (r: (typeof runs)[number]) =>
        `${r.path} ${
          r.skipped
            ? `skipped (${r.reason})`
            : Object.entries(r.counts)
                .map(([k, v]) => `${k}=${v}`)
                .join(" ") || "nothing to do"
        }`;
      return problems.length
        ? fail(`manual sync: ${problems.join("; ")}`, { runs })
        : pass(`manual sync ran: ${runs.map(line).join("; ")}`, { runs });
    }),
};
