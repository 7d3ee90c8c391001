// Inline mode (no Redis): events are processed in this process after their acknowledgement,
// gathered into set-based batches like the queue's jobs. One batch at a time (single-flight):
// a burst of webhooks must not starve the acknowledgements of the next ones, and while a batch
// runs the next one gathers. Anything interrupted or failed here is picked up by the sweep on
// the next sync-messages cron.
import type { AppContext } from "../context.ts";
import { batcherPer, createBatcher } from "../concurrency/batcher.ts";
import { processWebhookBatch } from "./process.ts";

/** How long the first event of a batch waits for company, and the most one batch takes. */
const INLINE_GATHER_MS = 5;
const INLINE_BATCH_MAX = 200;

const inline = batcherPer((ctx: AppContext) =>
  createBatcher<string, void>((ids) => processInline(ctx, ids), {
    gatherMs: INLINE_GATHER_MS,
    maxBatch: INLINE_BATCH_MAX,
    track: (flushed) => ctx.background.run(flushed),
  }),
);

/** Hands just-stored events to the inline processor; graceful shutdown waits for them. */
export function processAfterAck(ctx: AppContext, ids: string[]): void {
  for (const id of ids) void inline(ctx).add(id);
}

async function processInline(ctx: AppContext, ids: string[]): Promise<void[]> {
  try {
    const { failed } = await processWebhookBatch(ctx, ids);
    for (const [id, err] of failed)
      ctx.log.warn({ id, err: err.message }, "webhook processing failed; the sweep retries it");
  } catch (err) {
    ctx.log.warn({ events: ids.length, err: (err as Error).message }, "webhook batch failed; the sweep retries it");
  }
  return ids.map(() => undefined);
}
