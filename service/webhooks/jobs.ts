// Queue wiring of the webhook layer: one "process-webhook" job per stored item, and a sweep
// on the sync-messages cron for items whose processing was lost or has to wait (a status
// callback that beat our own send bookkeeping, a crash, inline mode after the response).
import type { AppContext } from "../context.ts";
import { batcherPer, createBatcher } from "../concurrency/batcher.ts";
import { addJobSource, defineJob, type JobSpec } from "../jobs/registry.ts";
import { processWebhookEvent } from "./process.ts";
import { providerOfSource } from "./sources.ts";
import type { ProviderId } from "../config/providers.ts";

export const MAX_WEBHOOK_ATTEMPTS = 8;

export function processJob(id: string, source: string): JobSpec {
  return { name: "process-webhook", data: { id }, jobId: `webhook_${id}`, provider: providerOfSource(source) as ProviderId };
}

/** Enqueues the processing of just-stored events; concurrent requests share one Redis round trip. */
export function enqueueProcessing(ctx: AppContext, source: string, ids: string[]): Promise<void> {
  if (!ids.length) return Promise.resolve();
  return enqueueBatcher(ctx).push(ids.map((id) => processJob(id, source)));
}

/** How long an acknowledgement waits for Redis. The rows are already durable in Postgres, so a
 *  Redis outage must not hold the provider's request open (it would time out and retry): past
 *  this, the webhook is acknowledged anyway and the sweep below queues it once Redis is back. */
export const ENQUEUE_WAIT_MS = 1_000;

/** enqueueProcessing, bounded by ENQUEUE_WAIT_MS; never throws (a failure is logged, the sweep covers it). */
export async function enqueueProcessingBounded(ctx: AppContext, source: string, ids: string[]): Promise<void> {
  if (!ids.length) return;
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    enqueueProcessing(ctx, source, ids).then(() => "queued" as const, (err: Error) => err),
    new Promise<"timeout">((resolve) => { timer = setTimeout(() => resolve("timeout"), ENQUEUE_WAIT_MS); }),
  ]);
  clearTimeout(timer);
  if (outcome !== "queued")
    ctx.log.warn({ source, count: ids.length, err: outcome === "timeout" ? `no answer from Redis within ${ENQUEUE_WAIT_MS} ms` : outcome.message }, "webhook stored but not queued; the sweep will queue it");
}

const enqueueBatcher = batcherPer((ctx: AppContext) =>
  createBatcher<JobSpec[], void>(async (perRequest) => {
    await ctx.queue.addFresh(perRequest.flat());
    return perRequest.map(() => undefined);
  }),
);

defineJob("process-webhook", async (ctx, data) => {
  const outcome = await processWebhookEvent(ctx, String(data.id));
  if (outcome === "retry") throw Object.assign(new Error("The message this status is about is not recorded yet."), { retryAfterMs: 2_000 });
  return { [outcome]: 1 };
});

addJobSource("sync-messages", async (ctx) => {
  const stale = await ctx.db.webhookEvent.findMany({
    where: { status: { in: ["received", "failed"] }, attempts: { lt: MAX_WEBHOOK_ATTEMPTS }, receivedAt: { lt: new Date(Date.now() - (ctx.config.env.WEBHOOK_SWEEP_AFTER_SECONDS ?? 60) * 1000) } },
    select: { id: true, source: true },
    orderBy: { receivedAt: "asc" },
    take: 500,
  });
  return stale.map((e) => processJob(e.id, e.source));
});
