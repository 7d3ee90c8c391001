// Syncs one connected account: takes the account's lease (one sync per account at a time,
// across replicas and workers), walks the provider's pages, stores each page with its
// cursor, and turns failures into account health (auth → reauth_required, told to the user).
import { randomUUID } from "node:crypto";
import type { AppContext } from "../context.ts";
import { channelProvider, asProviderError } from "../providers/registry.ts";
import { ProviderError, plainWords } from "../providers/kit/errors.ts";
import type { SyncCursor } from "../providers/kit/channel.ts";
import { providerEnv, toProviderAccount } from "../integrations/accounts.ts";
import { ingestPage } from "./ingest.ts";

/** SYNC_LEASE_SECONDS (default 2 min): renewed every page, so it only bounds how long a crashed sync blocks the account. */
const leaseMs = (ctx: AppContext) => (ctx.config.env.SYNC_LEASE_SECONDS ?? 120) * 1000;

export type SyncTrigger = "cron" | "manual" | "resync" | "connect" | "push";
export interface SyncRequest {
  accountId: string;
  trigger: SyncTrigger;
  since?: Date;
}
export type SyncOutcome =
  | { status: "ok"; fetched: number; inserted: number; runId: string }
  | { status: "busy" }
  | { status: "inactive"; accountStatus: string }
  | { status: "error"; fetched: number; inserted: number; runId: string; error: ProviderError };

async function takeLease(ctx: AppContext, accountId: string, owner: string): Promise<boolean> {
  const until = new Date(Date.now() + leaseMs(ctx));
  const r = await ctx.db.$executeRaw`
    UPDATE "ConnectedAccount" SET "syncLeaseUntil" = ${until}, "syncLeaseOwner" = ${owner}
    WHERE id = ${accountId}::uuid AND ("syncLeaseUntil" IS NULL OR "syncLeaseUntil" < now() OR "syncLeaseOwner" = ${owner})`;
  return r === 1;
}

async function releaseLease(ctx: AppContext, accountId: string, owner: string): Promise<void> {
  await ctx.db.connectedAccount.updateMany({
    where: { id: accountId, syncLeaseOwner: owner },
    data: { syncLeaseUntil: null, syncLeaseOwner: null },
  });
}

/** One sync of one account under its lease; "busy" when another sync holds it, errors become account health. */
export async function syncAccount(ctx: AppContext, req: SyncRequest): Promise<SyncOutcome> {
  const row = await ctx.db.connectedAccount.findUnique({ where: { id: req.accountId } });
  if (!row || row.status !== "active") return { status: "inactive", accountStatus: row?.status ?? "deleted" };
  const provider = channelProvider(row.provider);
  if (!provider) return { status: "inactive", accountStatus: "unknown-provider" };

  const owner = randomUUID();
  if (!(await takeLease(ctx, row.id, owner))) return { status: "busy" };
  // Holding the lease, no other run of this account is alive: a run still marked "running"
  // died with its process (kill -9, OOM, deploy) and would otherwise look in progress forever.
  await ctx.db.syncRun.updateMany({
    where: { accountId: row.id, status: "running" },
    data: {
      status: "error",
      errorClass: "transient",
      error: "interrupted: the sync process stopped",
      finishedAt: new Date(),
    },
  });
  const run = await ctx.db.syncRun.create({ data: { accountId: row.id, trigger: req.trigger } });
  let fetched = 0,
    inserted = 0;
  try {
    const account = toProviderAccount(ctx, row);
    const cursor = (row.syncCursor as SyncCursor | null) ?? null;
    const backfillDays = ctx.config.env.INBOX_BACKFILL_DAYS ?? 30;
    const since = req.since ?? (cursor ? undefined : new Date(Date.now() - backfillDays * 86_400_000));
    const maxBytes = (ctx.config.env.ATTACHMENT_MAX_MB ?? 25) * 1024 * 1024;
    const pages = provider.sync(providerEnv(ctx), account, cursor, {
      since,
      full: Boolean(req.since),
      maxMessages: req.since || !cursor ? 5_000 : undefined,
    });
    for await (const page of pages) {
      const r = await ingestPage(
        ctx,
        { id: row.id, userId: row.userId, channel: provider.id, identityKind: provider.identityKind },
        page,
        { maxAttachmentBytes: maxBytes },
      );
      fetched += r.fetched;
      inserted += r.inserted.length;
      // Renew: a long back-fill keeps its lease. Lost it (a page took longer than the lease)?
      // Stop here; everything so far is committed and the other run carries on.
      if (!(await takeLease(ctx, row.id, owner)))
        throw new ProviderError("transient", "Another sync took over this account.", { code: "LEASE_LOST" });
    }
    const now = new Date();
    await ctx.db.$transaction([
      ctx.db.syncRun.update({ where: { id: run.id }, data: { status: "ok", fetched, inserted, finishedAt: now } }),
      ctx.db.connectedAccount.update({
        where: { id: row.id },
        data: { lastSuccessAt: now, lastSyncAt: now, lastError: null, lastErrorClass: null, lastErrorAt: null },
      }),
    ]);
    return { status: "ok", fetched, inserted, runId: run.id };
  } catch (err) {
    const error = asProviderError(err);
    const now = new Date();
    const words = plainWords(error.errorClass, provider.label);
    await ctx.db.$transaction([
      ctx.db.syncRun.update({
        where: { id: run.id },
        data: {
          status: "error",
          fetched,
          inserted,
          finishedAt: now,
          errorClass: error.errorClass,
          error: error.message.slice(0, 500),
        },
      }),
      ctx.db.connectedAccount.update({
        where: { id: row.id },
        data: {
          lastSyncAt: now,
          lastError: words,
          lastErrorClass: error.errorClass,
          lastErrorAt: now,
          ...(error.errorClass === "auth" ? { status: "reauth_required" } : {}),
        },
      }),
    ]);
    if (error.errorClass === "auth")
      await ctx.realtime
        .publish(row.userId, { type: "account.status", accountId: row.id, status: "reauth_required", message: words })
        .catch(() => undefined);
    ctx.log.warn(
      { accountId: row.id, provider: provider.id, errorClass: error.errorClass, code: error.code },
      "account sync failed",
    );
    return { status: "error", fetched, inserted, runId: run.id, error };
  } finally {
    await releaseLease(ctx, row.id, owner).catch(() => undefined);
  }
}
