// Processing stored webhook items (queue jobs, inline without Redis), set-based: a batch of
// event ids costs one claim (read + attempts in one statement), one accounts lookup, one
// ingest transaction per account, one statement for its per-message statuses and one
// statement recording every outcome — not five round trips per event. A message goes into the inbox of every account it belongs to (a text: the
// one account owning the number), a status moves messages forward, a Stripe event reaches the
// features that subscribed to its type.
// Exactly once: a processed row is never claimed again, and the inbox dedupes by provider
// message id, so re-running a batch after a crash anywhere in it stores nothing twice. One
// event that fails does not fail its batch: it is marked failed (the caller retries it alone)
// and the others commit.
import type { AppContext } from "../context.ts";
import { Prisma } from "../db/client.ts";
import { queryOn } from "../db/sql.ts";
import type { WebhookItem } from "../providers/kit/webhook.ts";
import { revive } from "./store.ts";
import { accountsOf, handleRest, ingestGrouped, routeOf, type Routed } from "./handle.ts";

export type ProcessOutcome = "processed" | "ignored" | "already" | "retry";

export interface BatchResult {
  /** Every id asked for: "already" when it was processed before (or does not exist). */
  outcomes: Map<string, ProcessOutcome>;
  /** Ids whose processing threw (stored as "failed" with the error): retry them alone. */
  failed: Map<string, Error>;
}

/** One event, as a queue job runs it: throws when its processing failed (the job retries). */
export async function processWebhookEvent(ctx: AppContext, id: string): Promise<ProcessOutcome> {
  const { outcomes, failed } = await processWebhookBatch(ctx, [id]);
  const err = failed.get(id);
  if (err) throw err;
  return outcomes.get(id) ?? "already";
}

interface Claimed {
  id: string;
  source: string;
  payload: unknown;
}

export async function processWebhookBatch(ctx: AppContext, ids: string[]): Promise<BatchResult> {
  const outcomes = new Map<string, ProcessOutcome>(ids.map((id) => [id, "already"]));
  const failed = new Map<string, Error>();
  const claimed = await claim(ctx, [...new Set(ids)]);
  if (!claimed.length) return { outcomes, failed };
  const fail = (id: string, err: unknown) => failed.set(id, err instanceof Error ? err : new Error(String(err)));

  const events: { id: string; source: string; item: WebhookItem }[] = [];
  for (const row of claimed) {
    try {
      events.push({ id: row.id, source: row.source, item: revive(row.payload) });
    } catch (err) {
      fail(row.id, err); // a payload this release cannot read: kept, marked, retried alone
    }
  }

  // Accounts once per batch, then each event's route: grouped message ingest or alone.
  const accounts = await accountsOf(ctx, events);
  const routed: Routed[] = [];
  for (const e of events) {
    try {
      const r = await routeOf(ctx, e, accounts);
      if ("kind" in r) outcomes.set(e.id, "ignored");
      else routed.push(r);
    } catch (err) {
      fail(e.id, err);
    }
  }

  // Messages first (a status in the same batch may be about one of them), one page per account.
  for (const [id, err] of await ingestGrouped(ctx, routed)) fail(id, err);
  const rest = await handleRest(
    ctx,
    routed.filter((r) => !failed.has(r.event.id)),
  );
  for (const [id, err] of rest.failures) fail(id, err);
  for (const [id, outcome] of rest.outcomes) outcomes.set(id, outcome);

  for (const id of failed.keys()) outcomes.delete(id);
  await record(ctx, claimed, outcomes, failed);
  return { outcomes, failed };
}

/** Reads the batch and counts the attempt in one statement; rows already done drop out. */
async function claim(ctx: AppContext, ids: string[]): Promise<Claimed[]> {
  if (!ids.length) return [];
  return queryOn(ctx.pg)<Claimed>(Prisma.sql`
    UPDATE "WebhookEvent" SET attempts = attempts + 1
    WHERE id = ANY(${ids}::uuid[]) AND status IN ('received', 'failed')
    RETURNING id, source, payload`);
}

/** Every claimed row's outcome in one statement. "retry" puts the row back to "received" (its
 *  status callback beat our own send bookkeeping); a failure keeps its error for the sweep. */
async function record(
  ctx: AppContext,
  claimed: Claimed[],
  outcomes: Map<string, ProcessOutcome>,
  failed: Map<string, Error>,
): Promise<void> {
  const rows = claimed.map((c) => {
    const err = failed.get(c.id);
    if (err) return { id: c.id, status: "failed", error: String(err.message).slice(0, 500) };
    const outcome = outcomes.get(c.id);
    if (outcome === "retry")
      return { id: c.id, status: "received", error: "waiting for the message this status is about" };
    return { id: c.id, status: outcome === "ignored" ? "ignored" : "processed", error: null };
  });
  await queryOn(ctx.pg)(Prisma.sql`
    UPDATE "WebhookEvent" w SET status = v.status::"WebhookStatus", error = v.error,
      "processedAt" = CASE WHEN v.status IN ('processed', 'ignored') THEN now() ELSE w."processedAt" END
    FROM unnest(${rows.map((r) => r.id)}::uuid[], ${rows.map((r) => r.status)}::text[], ${rows.map((r) => r.error)}::text[])
      AS v(id, status, error)
    WHERE w.id = v.id`);
}
