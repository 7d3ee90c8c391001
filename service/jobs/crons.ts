// Running a cron: the switch check, the fan-out to the jobs the catalog's sources return,
// and the run record. Shared by the cron routes and the built-in scheduler.
import type { AppContext } from "../context.ts";
import { pruneRejectionCounts } from "../webhooks/rejections.ts";
import type { CronName } from "./cron-table.ts";
import { enqueue } from "./define.ts";
import { recordRun, recordSkipped } from "./runs.ts";
import type { FanoutCron, JobCounts } from "./types.ts";

export type CronResult = { skipped: true; reason: string } | { skipped: false; counts: JobCounts };

/** Collects the jobs features contributed for this cron and enqueues each (inline without Redis). */
async function fanOut(ctx: AppContext, cron: FanoutCron): Promise<JobCounts> {
  const counts: JobCounts = { enqueued: 0, duplicate: 0, done: 0, failed: 0, skipped: 0 };
  for (const source of ctx.jobs.sources(cron)) {
    for (const spec of await source(ctx)) {
      if (spec.provider && !(await ctx.switches.isEnabled(`provider.${spec.provider}`))) {
        counts.skipped!++;
        continue;
      }
      const { status } = await enqueue(ctx, spec);
      const key = status === "queued" ? "enqueued" : status;
      counts[key] = (counts[key] ?? 0) + 1;
    }
  }
  return counts;
}

/** sync-messages housekeeping: webhook rejection counters older than two days are dropped. */
async function syncMessages(ctx: AppContext): Promise<JobCounts> {
  await pruneRejectionCounts(ctx).catch((err) =>
    ctx.log.warn({ err: (err as Error).message }, "could not prune webhook rejection counters"),
  );
  return fanOut(ctx, "sync-messages");
}

const runners: Record<CronName, (ctx: AppContext) => Promise<JobCounts>> = {
  "sync-messages": syncMessages,
  "sync-calendars": (ctx) => fanOut(ctx, "sync-calendars"),
  "appointment-reminders": (ctx) => fanOut(ctx, "appointment-reminders"),
  "notify-replies": (ctx) => fanOut(ctx, "notify-replies"),
  // The serverless worker also enqueues the message syncs (job ids dedupe against the
  // sync-messages cron), so mail keeps flowing even when only this route is scheduled.
  "worker-sync": async (ctx) => {
    const fan = await syncMessages(ctx); // inline mode runs them right here ("done")
    const r = await ctx.queue.drain(ctx, ctx.config.workerSyncBudgetMs);
    return {
      enqueued: fan.enqueued ?? 0,
      duplicate: fan.duplicate ?? 0,
      skipped: fan.skipped ?? 0,
      processed: r.processed + (fan.done ?? 0),
      failed: r.failed + (fan.failed ?? 0),
      timedOut: r.timedOut ? 1 : 0,
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

/** What a run would do, without doing it: no job enqueued, no run recorded, nothing written. */
export interface CronDryRun {
  dryRun: true;
  /** false while the cron's switch is off (a real run would be skipped). */
  wouldRun: boolean;
  /** Jobs a run would enqueue, by job name (e.g. sync-account: one per connected account). */
  wouldEnqueue: JobCounts;
  /** Jobs a run would skip because their provider's switch is off. */
  wouldSkip: number;
  /** worker-sync: jobs waiting in the queue that the drain would pick up. */
  waiting?: number;
}

const dryRunSources: Record<CronName, FanoutCron> = {
  "sync-messages": "sync-messages",
  "sync-calendars": "sync-calendars",
  "appointment-reminders": "appointment-reminders",
  "notify-replies": "notify-replies",
  "worker-sync": "sync-messages",
};

/** The cron's job sources are read-only queries: asked here, their jobs are counted, not enqueued. */
export async function dryRunCron(ctx: AppContext, name: CronName): Promise<CronDryRun> {
  const wouldEnqueue: JobCounts = {};
  let wouldSkip = 0;
  for (const source of ctx.jobs.sources(dryRunSources[name]))
    for (const spec of await source(ctx)) {
      if (spec.provider && !(await ctx.switches.isEnabled(`provider.${spec.provider}`))) wouldSkip++;
      else wouldEnqueue[spec.name] = (wouldEnqueue[spec.name] ?? 0) + 1;
    }
  const waiting = name === "worker-sync" ? (await ctx.queue.counts()).waiting : undefined;
  return {
    dryRun: true,
    wouldRun: await ctx.switches.isEnabled(`cron.${name}`),
    wouldEnqueue,
    wouldSkip,
    ...(waiting !== undefined && { waiting }),
  };
}
