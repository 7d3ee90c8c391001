// The cron table: the single source for vercel.json's `crons`, the built-in scheduler
// and the cron routes. Schedules are the launch runbook's.
import type { AppContext } from "../context.ts";
import { addSyncJob } from "./queue.ts";
import { jobSources, type FanoutCron, type JobCounts } from "./registry.ts";
import { recordRun, recordSkipped } from "./runs.ts";

export interface CronDef { name: string; path: string; schedule: string; description: string }

export const crons = [
  { name: "sync-messages", path: "/api/cron/sync-messages", schedule: "*/10 * * * *", description: "Enqueue a mailbox/social sync for every connected account." },
  { name: "sync-calendars", path: "/api/cron/sync-calendars", schedule: "*/15 * * * *", description: "Enqueue a calendar sync for every connected calendar." },
  { name: "worker-sync", path: "/api/worker/sync", schedule: "*/5 * * * *", description: "Enqueue message syncs, then drain queued jobs for a bounded time (serverless worker)." },
  { name: "appointment-reminders", path: "/api/cron/appointment-reminders", schedule: "0 9 * * *", description: "Send the day's appointment reminders." },
] as const satisfies readonly CronDef[];

export type CronName = (typeof crons)[number]["name"];
export const cronNames = crons.map((c) => c.name) as CronName[];

export type CronResult = { skipped: true; reason: string } | { skipped: false; counts: JobCounts };

/** Collects the jobs features contributed for this cron and enqueues each (inline without Redis). */
async function fanOut(ctx: AppContext, cron: FanoutCron): Promise<JobCounts> {
  const counts: JobCounts = { enqueued: 0, duplicate: 0, done: 0, failed: 0, skipped: 0 };
  for (const source of jobSources(cron)) {
    for (const spec of await source(ctx)) {
      if (spec.provider && !(await ctx.switches.isEnabled(`provider.${spec.provider}`))) {
        counts.skipped!++;
        continue;
      }
      const { status } = await addSyncJob(ctx, spec);
      const key = status === "queued" ? "enqueued" : status;
      counts[key] = (counts[key] ?? 0) + 1;
    }
  }
  return counts;
}

const runners: Record<CronName, (ctx: AppContext) => Promise<JobCounts>> = {
  "sync-messages": (ctx) => fanOut(ctx, "sync-messages"),
  "sync-calendars": (ctx) => fanOut(ctx, "sync-calendars"),
  "appointment-reminders": (ctx) => fanOut(ctx, "appointment-reminders"),
  // The serverless worker also enqueues the message syncs (job ids dedupe against the
  // sync-messages cron), so mail keeps flowing even when only this route is scheduled.
  "worker-sync": async (ctx) => {
    const fan = await fanOut(ctx, "sync-messages"); // inline mode runs them right here ("done")
    const r = await ctx.queue.drain(ctx, ctx.config.workerSyncBudgetMs);
    return {
      enqueued: fan.enqueued ?? 0, duplicate: fan.duplicate ?? 0, skipped: fan.skipped ?? 0,
      processed: r.processed + (fan.done ?? 0), failed: r.failed + (fan.failed ?? 0), timedOut: r.timedOut ? 1 : 0,
    };
  },
};

/** One cron invocation: switch check, run, record. Shared by the routes and the scheduler. */
export async function runCron(ctx: AppContext, name: CronName): Promise<CronResult> {
  if (!(await ctx.switches.isEnabled(`cron.${name}`))) {
    await recordSkipped(ctx, "cron", name, "disabled");
    return { skipped: true, reason: "disabled" };
  }
  const counts = await recordRun(ctx, "cron", name, () => runners[name](ctx));
  return { skipped: false, counts };
}
