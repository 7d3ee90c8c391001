// GET /api/admin/crons: every cron of the table with its switch, its schedule's interval, its
// last recorded invocation (jobRun, kind "cron") and its last successful one — what
// `tatu cron status` judges staleness from.
import type { AppContext } from "../context.ts";
import { crons } from "../jobs/cron-table.ts";
import { cronIntervalMs } from "../jobs/scheduler.ts";

export interface CronOverview {
  name: string;
  path: string;
  schedule: string;
  /** Longest gap between two scheduled runs. */
  intervalMs: number;
  enabled: boolean;
  /** The newest invocation: ok, error, skipped (switch off) or still running. */
  lastRun: { at: string; status: string; error: string | null } | null;
  lastSuccessAt: string | null;
}

export async function cronOverview(ctx: AppContext): Promise<{ generatedAt: string; crons: CronOverview[] }> {
  const now = new Date();
  const out: CronOverview[] = [];
  for (const c of crons) {
    const where = { kind: "cron" as const, name: c.name };
    const [last, lastOk, enabled] = await Promise.all([
      ctx.db.jobRun.findFirst({ where, orderBy: { startedAt: "desc" } }),
      ctx.db.jobRun.findFirst({ where: { ...where, status: "ok" }, orderBy: { startedAt: "desc" } }),
      ctx.switches.isEnabled(`cron.${c.name}`),
    ]);
    out.push({
      name: c.name,
      path: c.path,
      schedule: c.schedule,
      intervalMs: cronIntervalMs(c.schedule, now),
      enabled,
      lastRun: last ? { at: last.startedAt.toISOString(), status: last.status, error: last.error } : null,
      lastSuccessAt: lastOk?.startedAt.toISOString() ?? null,
    });
  }
  return { generatedAt: now.toISOString(), crons: out };
}
