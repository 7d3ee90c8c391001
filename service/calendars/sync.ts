// Syncs one calendar connection: lease (one sync at a time across replicas), the provider's
// pages stored with their cursor in one transaction, and a full-resync bookkeeping: when the
// provider lost its cursor, events not seen again in the re-read are no longer busy.
import { randomUUID } from "node:crypto";
import type { AppContext } from "../context.ts";
import type { Prisma } from "../db/client.ts";
import { ProviderError, plainWords } from "../providers/kit/errors.ts";
import { providerEnv, toProviderAccount } from "../integrations/accounts.ts";
import { calendarProvider, asProviderError } from "../providers/registry.ts";
import { reconcileAppointments, upsertBusy } from "./busy.ts";
import type { CalendarCursor } from "../providers/kit/calendar.ts";

const LEASE_MS = 2 * 60 * 1000;
/** What Tatu keeps around the provider's own cursor. */
interface StoredCursor {
  provider?: CalendarCursor | null;
  resyncStartedAt?: string;
}

export type CalendarSyncOutcome =
  | { status: "ok"; events: number }
  | { status: "busy" }
  | { status: "inactive"; connectionStatus: string }
  | { status: "error"; events: number; error: ProviderError };

async function lease(ctx: AppContext, id: string, owner: string): Promise<boolean> {
  const until = new Date(Date.now() + LEASE_MS);
  return (
    (await ctx.db.$executeRaw`
    UPDATE "CalendarConnection" SET "syncLeaseUntil" = ${until}, "syncLeaseOwner" = ${owner}
    WHERE id = ${id}::uuid AND ("syncLeaseUntil" IS NULL OR "syncLeaseUntil" < now() OR "syncLeaseOwner" = ${owner})`) ===
    1
  );
}

export async function syncCalendar(ctx: AppContext, connectionId: string): Promise<CalendarSyncOutcome> {
  const conn = await ctx.db.calendarConnection.findUnique({ where: { id: connectionId } });
  if (!conn || conn.status !== "active") return { status: "inactive", connectionStatus: conn?.status ?? "deleted" };
  const account = await ctx.db.connectedAccount.findUnique({ where: { id: conn.accountId } });
  const provider = calendarProvider(conn.provider);
  if (!account || account.status !== "active" || !provider)
    return { status: "inactive", connectionStatus: account?.status ?? "account-missing" };

  const owner = randomUUID();
  if (!(await lease(ctx, conn.id, owner))) return { status: "busy" };
  let events = 0;
  try {
    const stored = (conn.syncCursor as StoredCursor | null) ?? {};
    let resyncStartedAt = stored.resyncStartedAt ?? (stored.provider ? undefined : new Date().toISOString());
    const now = Date.now();
    const window = {
      from: new Date(now - 86_400_000),
      until: new Date(now + (ctx.config.env.CALENDAR_SYNC_DAYS ?? 180) * 86_400_000),
    };
    for await (const page of provider.syncEvents(
      providerEnv(ctx),
      toProviderAccount(ctx, account),
      conn.calendarExternalId,
      stored.provider ?? null,
      window,
    )) {
      if (page.fullResync && !resyncStartedAt) resyncStartedAt = new Date().toISOString();
      const cursor: StoredCursor = { provider: page.cursor, ...(resyncStartedAt ? { resyncStartedAt } : {}) };
      await ctx.db.$transaction(
        async (tx) => {
          await upsertBusy(tx, conn, page.events);
          await reconcileAppointments(tx, conn, page.events);
          await tx.calendarConnection.update({
            where: { id: conn.id },
            data: { syncCursor: cursor as Prisma.InputJsonValue, lastSyncAt: new Date() },
          });
        },
        { timeout: 60_000 },
      );
      events += page.events.length;
      if (!(await lease(ctx, conn.id, owner)))
        throw new ProviderError("transient", "Another sync took over this calendar.", { code: "LEASE_LOST" });
    }
    await ctx.db.$transaction(async (tx) => {
      if (resyncStartedAt) {
        // The round is complete: whatever it did not touch is gone from the calendar.
        await tx.busyBlock.updateMany({
          where: { connectionId: conn.id, cancelled: false, updatedAt: { lt: new Date(resyncStartedAt) } },
          data: { cancelled: true },
        });
        const latest = await tx.calendarConnection.findUniqueOrThrow({
          where: { id: conn.id },
          select: { syncCursor: true },
        });
        const c = (latest.syncCursor as StoredCursor | null) ?? {};
        await tx.calendarConnection.update({
          where: { id: conn.id },
          data: { syncCursor: { provider: c.provider ?? null } as Prisma.InputJsonValue },
        });
      }
      await tx.calendarConnection.update({
        where: { id: conn.id },
        data: { lastSuccessAt: new Date(), lastError: null, lastErrorClass: null },
      });
    });
    return { status: "ok", events };
  } catch (err) {
    const error = asProviderError(err);
    const recorded = await ctx.db.calendarConnection.updateMany({
      where: { id: conn.id },
      data: {
        lastSyncAt: new Date(),
        lastError: plainWords(error.errorClass, provider.label),
        lastErrorClass: error.errorClass,
        ...(error.errorClass === "auth" ? { status: "reauth_required" } : {}),
      },
    });
    // Disconnected while it synced: the failure came from the row being gone, not the provider.
    if (recorded.count === 0) return { status: "inactive", connectionStatus: "deleted" };
    if (error.errorClass === "auth")
      await ctx.realtime
        .publish(conn.userId, { type: "calendar.status", connectionId: conn.id, status: "reauth_required" })
        .catch(() => undefined);
    return { status: "error", events, error };
  } finally {
    await ctx.db.calendarConnection
      .updateMany({
        where: { id: conn.id, syncLeaseOwner: owner },
        data: { syncLeaseUntil: null, syncLeaseOwner: null },
      })
      .catch(() => undefined);
  }
}
