// The inbox's jobs: one "sync-account" per active account on every sync-messages cron
// (job id keyed by account, so an account never queues twice), and "send-message" for
// outbound replies. Imported for its side effects by boot.ts.
import { UnrecoverableError } from "bullmq";
import type { AppContext } from "../context.ts";
import { channelProviders } from "../providers/registry.ts";
import type { ProviderId } from "../providers/catalog.ts";
import { addJobSource, defineJob, type JobSpec } from "../jobs/registry.ts";
import { SEND_ATTEMPTS, sendOutbound } from "./send.ts";
import { syncAccount, type SyncTrigger } from "./sync.ts";

export const syncJobId = (accountId: string) => `sync-account_${accountId}`;

export function syncJob(accountId: string, provider: string, trigger: SyncTrigger, since?: Date): JobSpec {
  return { name: "sync-account", data: { accountId, trigger, ...(since ? { since: since.toISOString() } : {}) }, jobId: syncJobId(accountId), provider: provider as ProviderId };
}

defineJob("sync-account", async (ctx, data): Promise<Record<string, number>> => {
  const since = typeof data.since === "string" ? new Date(data.since) : undefined;
  const r = await syncAccount(ctx, { accountId: String(data.accountId), trigger: (data.trigger as SyncTrigger) ?? "cron", since });
  if (r.status === "busy") return { busy: 1 };
  if (r.status === "inactive") return { skipped: 1 };
  if (r.status === "error") {
    // auth/permanent: retrying cannot help (the user must reconnect); rate limits and
    // transient failures go back to the queue, honouring Retry-After.
    if (r.error.errorClass === "auth" || r.error.errorClass === "permanent") throw new UnrecoverableError(`${r.error.code}: ${r.error.message}`);
    throw r.error;
  }
  return { fetched: r.fetched, inserted: r.inserted };
});

defineJob("send-message", async (ctx, data, job) => {
  const r = await sendOutbound(ctx, String(data.messageId), { finalAttempt: job.attempt >= Number(data.maxAttempts ?? 5) });
  if (r.status === "retry") throw r.error;
  return { sent: r.status === "sent" ? 1 : 0, failed: r.status === "failed" ? 1 : 0 };
});

addJobSource("sync-messages", async (ctx: AppContext) => {
  const rows = await ctx.db.connectedAccount.findMany({ where: { status: "active", provider: { in: Object.keys(channelProviders) } }, select: { id: true, provider: true } });
  return rows.map((r) => syncJob(r.id, r.provider, "cron"));
});

// Outbox sweep: replies still pending a minute after they were written (their job was lost,
// or inline mode hit a transient failure) get another attempt; the job id dedupes.
addJobSource("sync-messages", async (ctx: AppContext) => {
  const pending = await ctx.db.message.findMany({
    where: { direction: "outbound", status: "pending", externalId: { startsWith: "local:" }, createdAt: { lt: new Date(Date.now() - 60_000) } },
    select: { id: true, conversation: { select: { channel: true } } },
    take: 500,
  });
  return pending.map((m) => ({ name: "send-message", data: { messageId: m.id, maxAttempts: SEND_ATTEMPTS }, jobId: `send-message_${m.id}`, provider: m.conversation.channel as ProviderId }));
});
