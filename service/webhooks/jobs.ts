// Queue wiring of the webhook layer: one "process-webhook" job per stored item (or one
// "process-webhooks" per burst), and a sweep on the sync-messages cron for items whose
// processing was lost or has to wait (a status callback that beat our own send bookkeeping,
// a crash, inline mode after the response). Listed in jobs/catalog.ts.
import { z } from "zod";
import type { AppContext } from "../context.ts";
import { batcherPer, createBatcher } from "../concurrency/batcher.ts";
import { defineJob } from "../jobs/define.ts";
import type { JobSpec } from "../jobs/types.ts";
import { processWebhookBatch, processWebhookEvent } from "./process.ts";
import { providerOfSource } from "../providers/catalog.ts";
import type { ProviderId } from "../providers/catalog.ts";

export const MAX_WEBHOOK_ATTEMPTS = 8;

export const processWebhookJob = defineJob(
  "process-webhook",
  z.object({ id: z.string().uuid() }),
  async (ctx, data) => {
    const outcome = await processWebhookEvent(ctx, data.id);
    if (outcome === "retry")
      throw Object.assign(new Error("The message this status is about is not recorded yet."), { retryAfterMs: 2_000 });
    return { [outcome]: 1 };
  },
);

export function processJob(id: string, source: string): JobSpec {
  return processWebhookJob.spec({ id }, { jobId: `webhook_${id}`, provider: providerOfSource(source) as ProviderId });
}

/** How long a flush waits for Redis. The rows are already durable in Postgres, so a Redis
 *  outage must not pile up work here: past this the flush is given up (logged) and the sweep
 *  below queues those events once Redis is back. */
const ENQUEUE_WAIT_MS = 1_000;

/** The acknowledgement has gone out before its events are queued, so queue adds wait a little
 *  for company: under load one BullMQ add carries many ids instead of a handful, and each job
 *  then processes them set-based (processWebhookBatch: its per-batch cost — job bookkeeping,
 *  claim, accounts, one ingest transaction — is most of the work, so bigger batches are what
 *  lets processing keep up with the acks). At 5 ms a job carried ~3 events at 600 webhooks/s;
 *  20 ms costs a lone webhook 20 ms of its delivery (the target is p99 ≤ 1 s). */
export const ENQUEUE_GATHER_MS = 20;

/** One enqueueProcessing call: events of one source stored together. */
interface Stored {
  source: string;
  ids: string[];
}

const feeder = batcherPer((ctx: AppContext) =>
  createBatcher<Stored, void>((stored) => queueStored(ctx, stored), {
    gatherMs: ENQUEUE_GATHER_MS,
    maxBatch: Infinity,
    track: (flushed) => ctx.background.run(flushed),
  }),
);

/** Queues the processing of just-stored events, gathered with those of concurrent webhooks into
 *  one addBulk per ENQUEUE_GATHER_MS. Costs the request nothing but an array push; every caller
 *  of one gather window gets the same promise, resolved once their flush is done, which never
 *  rejects (a failure is logged; the sweep covers it). Graceful shutdown waits for each flush
 *  through ctx.background. */
export function enqueueProcessing(ctx: AppContext, source: string, ids: string[]): Promise<void> {
  if (!ids.length) return Promise.resolve();
  return feeder(ctx).add({ source, ids });
}

async function queueStored(ctx: AppContext, stored: Stored[]): Promise<void[]> {
  const bySource = new Map<string, string[]>();
  for (const { source, ids } of stored) {
    const list = bySource.get(source);
    if (list) list.push(...ids);
    else bySource.set(source, [...ids]);
  }
  const add = async () => ctx.queue.addFresh([...bySource].flatMap(([source, ids]) => processJobs(source, ids)));
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    add().then(
      () => "queued" as const,
      (err: Error) => err,
    ),
    new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), ENQUEUE_WAIT_MS);
    }),
  ]);
  clearTimeout(timer);
  if (outcome !== "queued")
    ctx.log.warn(
      {
        sources: [...bySource.keys()],
        count: [...bySource.values()].reduce((n, ids) => n + ids.length, 0),
        err: outcome === "timeout" ? `no answer from Redis within ${ENQUEUE_WAIT_MS} ms` : outcome.message,
      },
      "webhooks stored but not queued; the sweep will queue them",
    );
  return stored.map(() => undefined);
}

/** Most ids one "process-webhooks" job carries: big enough that a burst costs few queue adds
 *  and few ingest transactions, small enough that a burst still spreads over the worker slots. */
export const WEBHOOK_BATCH_MAX = 100;

/** The jobs for events stored together: one job per source and up to WEBHOOK_BATCH_MAX ids.
 *  A BullMQ add costs the acknowledging process about 0.3 ms of CPU whether it carries one id
 *  or many, which under load was half the cost of an acknowledgement. A lone event keeps its
 *  own "process-webhook" job (the id the sweep uses, so the two never run it twice at once). */
export function processJobs(source: string, ids: string[]): JobSpec[] {
  if (ids.length === 1) return [processJob(ids[0]!, source)];
  const jobs: JobSpec[] = [];
  for (let i = 0; i < ids.length; i += WEBHOOK_BATCH_MAX) {
    const chunk = ids.slice(i, i + WEBHOOK_BATCH_MAX);
    jobs.push(
      processWebhooksJob.spec(
        { source, ids: chunk },
        { jobId: `webhooks_${chunk[0]}_${chunk.length}`, provider: providerOfSource(source) as ProviderId },
      ),
    );
  }
  return jobs;
}

export const processWebhooksJob = defineJob(
  "process-webhooks",
  z.object({ source: z.string().min(1), ids: z.array(z.string().uuid()).min(1) }),
  async (ctx, { source, ids }) => {
    const { outcomes, failed } = await processWebhookBatch(ctx, ids);
    const counts: Record<string, number> = {};
    const later = [...failed.keys()];
    for (const [id, outcome] of outcomes) {
      if (outcome === "retry") later.push(id);
      else counts[outcome] = (counts[outcome] ?? 0) + 1;
    }
    for (const [id, err] of failed)
      ctx.log.warn({ source, id, err: err.message }, "webhook processing failed; retried as its own job");
    // One event's failure must not hold up or repeat the others (they are committed): it gets
    // its own job, with the usual retries and backoff (a status waiting for its message, a
    // provider CDN hiccup, a payload that cannot be stored…).
    if (later.length) {
      await ctx.queue.addFresh(later.map((id) => processJob(id, source)));
      counts.requeued = later.length;
    }
    return counts;
  },
);

/** sync-messages: events still unprocessed a while after they arrived, queued as batches like
 *  fresh ones (after a Redis restart lost the queue, 500 events are 5 jobs, not 500). Read-only
 *  (the cron dry run calls it); the rejection counters are pruned by the cron itself
 *  (jobs/crons.ts). A batch still waiting from the previous sweep has the same job id and is
 *  not queued twice; overlapping batches are harmless (processing is idempotent). */
export async function webhookSweep(ctx: AppContext): Promise<JobSpec[]> {
  const stale = await ctx.db.webhookEvent.findMany({
    where: {
      status: { in: ["received", "failed"] },
      attempts: { lt: MAX_WEBHOOK_ATTEMPTS },
      receivedAt: { lt: new Date(Date.now() - (ctx.config.env.WEBHOOK_SWEEP_AFTER_SECONDS ?? 60) * 1000) },
    },
    select: { id: true, source: true },
    orderBy: { receivedAt: "asc" },
    take: 500,
  });
  const bySource = new Map<string, string[]>();
  for (const e of stale) bySource.set(e.source, [...(bySource.get(e.source) ?? []), e.id]);
  return [...bySource].flatMap(([source, ids]) => processJobs(source, ids));
}
