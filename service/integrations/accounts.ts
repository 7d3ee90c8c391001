// Connected accounts: create/refresh from a connect, decrypt for a provider, and the public
// view the API returns (never credentials).
import type { AppContext } from "../context.ts";
import type { ConnectedAccount } from "../db/generated/client.ts";
import type { ChannelProvider, NewAccount, ProviderAccount, ProviderEnv } from "../providers/kit/channel.ts";
import { channelProvider } from "../providers/registry.ts";
import { openJson, sealJson } from "../security/secret-box.ts";

/** What a provider may use from the service: config, logger and stored credentials looked up by provider account id. */
export function providerEnv(ctx: AppContext): ProviderEnv {
  return {
    config: ctx.config,
    log: ctx.log,
    accounts: {
      async credentialsOf(provider, providerAccountId) {
        const rows = await ctx.db.connectedAccount.findMany({
          where: { provider, providerAccountId, status: { not: "disabled" } },
          select: { credentials: true },
        });
        return rows.map((r) => openJson<Record<string, unknown>>(ctx.config.tokenEncryptionKey, r.credentials));
      },
    },
  };
}

/** Reconnecting the same mailbox revives the existing account (and its history). */
export async function upsertAccount(
  ctx: AppContext,
  userId: string,
  provider: { id: string },
  acc: NewAccount,
): Promise<ConnectedAccount> {
  const sealed = sealJson(ctx.config.tokenEncryptionKey, acc.credentials);
  const common = {
    providerAccountId: acc.providerAccountId ?? null,
    address: acc.address,
    displayName: acc.displayName ?? null,
    aliasLabel: acc.aliasLabel ?? null,
    credentials: sealed,
    scopes: acc.scopes,
    status: "active" as const,
    lastError: null,
    lastErrorClass: null,
    lastErrorAt: null,
  };
  return ctx.db.connectedAccount.upsert({
    where: { userId_provider_externalId: { userId, provider: provider.id, externalId: acc.externalId } },
    create: { userId, provider: provider.id, externalId: acc.externalId, ...common },
    update: common,
  });
}

/** A connected account as a provider sees it: credentials decrypted, and saved sealed when it refreshes them. */
export function toProviderAccount(ctx: AppContext, row: ConnectedAccount): ProviderAccount {
  const account: ProviderAccount = {
    id: row.id,
    userId: row.userId,
    externalId: row.externalId,
    address: row.address,
    credentials: openJson<Record<string, unknown>>(ctx.config.tokenEncryptionKey, row.credentials),
    async saveCredentials(next) {
      account.credentials = next;
      await ctx.db.connectedAccount.update({
        where: { id: row.id },
        data: { credentials: sealJson(ctx.config.tokenEncryptionKey, next) },
      });
    },
  };
  return account;
}

/** Revokes the account's grant at the provider, best effort (its tokens are dropped either way). */
export async function revokeGrant(ctx: AppContext, row: ConnectedAccount): Promise<void> {
  const p = channelProvider(row.provider);
  if (!p?.disconnect || row.status === "disabled") return;
  try {
    await p.disconnect(providerEnv(ctx), toProviderAccount(ctx, row));
  } catch (err) {
    ctx.log.warn(
      { provider: row.provider, err: (err as Error).message },
      "revoking the grant failed; tokens are dropped anyway",
    );
  }
}

/** The API view of a connected account: no credentials. */
export function publicAccount(row: ConnectedAccount, provider: ChannelProvider | undefined) {
  return {
    id: row.id,
    provider: row.provider,
    label: provider?.label ?? row.provider,
    address: row.address,
    aliasLabel: row.aliasLabel,
    displayName: row.displayName,
    status: row.status,
    scopes: row.scopes,
    lastSyncAt: row.lastSyncAt,
    lastSuccessAt: row.lastSuccessAt,
    lastError: row.lastError,
    lastErrorAt: row.lastErrorAt,
    needsReconnect: row.status === "reauth_required",
    // SMS: a number of the studio's own Twilio account, or one of the server's.
    ...(row.provider === "twilio" ? { twilioAccount: row.providerAccountId ? "own" : "server" } : {}),
    createdAt: row.createdAt,
  };
}
