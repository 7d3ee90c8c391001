// The inbox's jobs: one "sync-account" per active account on every sync-messages cron (job id
// keyed by account, so an account never queues twice); "send-message" lives in send.ts. Listed
// in jobs/catalog.ts.
import { z } from "zod";
import type { AppContext } from "../context.ts";
import { channelProviders } from "../providers/registry.ts";
import type { ProviderId } from "../providers/catalog.ts";
import { defineJob } from "../jobs/define.ts";
import type { JobSpec } from "../jobs/types.ts";
import { syncJobCounts } from "../jobs/sync-counts.ts";
import { healthyPush } from "./push/state.ts";
import { sendJob } from "./send.ts";
import { syncAccount, type SyncTrigger } from "./sync.ts";

/** The queue job id of an account's sync: one per account, so an account never queues twice. */
export const syncJobId = (accountId: string) => `sync-account_${accountId}`;

const triggers = ["cron", "manual", "resync", "connect", "push"] as const satisfies readonly SyncTrigger[];

export const syncAccountJob = defineJob(
  "sync-account",
  z.object({
    accountId: z.string().min(1),
    trigger: z.enum(triggers).default("cron"),
    since: z.iso.datetime().optional(),
  }),
  async (ctx, data) => {
    const r = await syncAccount(ctx, {
      accountId: data.accountId,
      trigger: data.trigger,
      since: data.since ? new Date(data.since) : undefined,
    });
    return syncJobCounts(r, (ok) => ({ fetched: ok.fetched, inserted: ok.inserted }));
  },
);

/** The sync-account job for one account (keyed by syncJobId). */
export function syncJob(accountId: string, provider: string, trigger: SyncTrigger, since?: Date): JobSpec {
  return syncAccountJob.spec(
    { accountId, trigger, ...(since ? { since: since.toISOString() } : {}) },
    { jobId: syncJobId(accountId), provider: provider as ProviderId },
  );
}

/** With healthy push (IMAP IDLE), the cron only catches up this often. */
const PUSH_CATCH_UP_MS = 10 * 60_000;

/** sync-messages: every active mailbox/social account; one whose push is healthy only when its
 *  last sync is 10 minutes old (polling stays the safety net). */
export async function accountSyncs(ctx: AppContext): Promise<JobSpec[]> {
  const rows = await ctx.db.connectedAccount.findMany({
    where: { status: "active", provider: { in: Object.keys(channelProviders) } },
    select: { id: true, provider: true, lastSyncAt: true },
  });
  const pushed = await healthyPush(
    ctx,
    rows.filter((r) => channelProviders[r.provider]?.watch).map((r) => r.id),
  );
  const caughtUp = Date.now() - PUSH_CATCH_UP_MS;
  return rows
    .filter((r) => !pushed.has(r.id) || !r.lastSyncAt || r.lastSyncAt.getTime() <= caughtUp)
    .map((r) => syncJob(r.id, r.provider, "cron"));
}

/** sync-messages outbox sweep: replies still pending a minute after they were written (their
 *  job was lost, or inline mode hit a transient failure) get another attempt; the job id dedupes. */
export async function outboxSweep(ctx: AppContext): Promise<JobSpec[]> {
  const pending = await ctx.db.message.findMany({
    where: {
      direction: "outbound",
      status: "pending",
      externalId: { startsWith: "local:" },
      createdAt: { lt: new Date(Date.now() - 60_000) },
    },
    select: { id: true, conversation: { select: { channel: true } } },
    take: 500,
  });
  return pending.map((m) => sendJob(m.id, m.conversation.channel));
}
