// Processing one stored webhook item (a queue job, inline without Redis): a message goes
// into the inbox of every account it belongs to (a text: the one account owning the number), a status moves messages forward, a Stripe
// event reaches the features that subscribed to its type. Idempotent: a processed row is
// never processed again, and the inbox itself dedupes by provider message id.
import type { AppContext } from "../context.ts";
import { channelProvider } from "../providers/registry.ts";
import type { InboundAttachment } from "../providers/kit/channel.ts";
import { ProviderError } from "../providers/kit/errors.ts";
import { providerEnv, toProviderAccount } from "../integrations/accounts.ts";
import type { ConnectedAccount } from "../db/generated/client.ts";
import { ingestMessages } from "../inbox/ingest.ts";
import { applyStatus } from "../inbox/status.ts";
import { stripeHandlers } from "../providers/stripe/webhook.ts";
import { applyReminderDeliveryStatus } from "../reminders/index.ts";
import { revive } from "./store.ts";
import { webhookHandler } from "../providers/registry.ts";
import type Stripe from "stripe";

export type ProcessOutcome = "processed" | "ignored" | "already" | "retry";

export async function processWebhookEvent(ctx: AppContext, id: string): Promise<ProcessOutcome> {
  const row = await ctx.db.webhookEvent.findUnique({ where: { id } });
  if (!row || row.status === "processed" || row.status === "ignored" || row.status === "rejected") return "already";
  await ctx.db.webhookEvent.update({ where: { id }, data: { attempts: { increment: 1 } } });
  try {
    const outcome = await handle(ctx, row.source, revive(row.payload));
    if (outcome === "retry") {
      await ctx.db.webhookEvent.update({
        where: { id },
        data: { status: "received", error: "waiting for the message this status is about" },
      });
      return "retry";
    }
    await ctx.db.webhookEvent.update({
      where: { id },
      data: { status: outcome, processedAt: new Date(), error: null },
    });
    return outcome;
  } catch (err) {
    await ctx.db.webhookEvent.update({
      where: { id },
      data: { status: "failed", error: String((err as Error).message).slice(0, 500) },
    });
    throw err;
  }
}

async function handle(
  ctx: AppContext,
  source: string,
  item: ReturnType<typeof revive>,
): Promise<"processed" | "ignored" | "retry"> {
  if (item.eventType && source === "stripe") {
    const handlers = stripeHandlers(item.eventType);
    for (const h of handlers) await h(ctx, item.payload as Stripe.Event);
    return handlers.length ? "processed" : "ignored";
  }
  // Twilio status callbacks for reminder texts (not inbox messages).
  if (source === "twilio-status" && item.status && (await applyReminderDeliveryStatus(ctx, item.status)))
    return "processed";
  if (!item.channel || !item.accountExternalId) return "ignored";
  const provider = channelProvider(item.channel);
  let accounts = await ctx.db.connectedAccount.findMany({
    where: { provider: item.channel, externalId: item.accountExternalId, status: { not: "disabled" } },
    orderBy: { createdAt: "asc" },
  });
  if (item.channel === "twilio") accounts = twilioOwner(ctx, accounts, item.providerAccountId);
  if (!provider || !accounts.length) return "ignored"; // nobody connected this page/number (any more)

  if (item.message) {
    const attachments = await download(ctx, source, item.remoteAttachments ?? [], accounts[0]!);
    const maxAttachmentBytes = (ctx.config.env.ATTACHMENT_MAX_MB ?? 25) * 1024 * 1024;
    for (const a of accounts)
      await ingestMessages(
        ctx,
        { id: a.id, userId: a.userId, channel: provider.id, identityKind: provider.identityKind },
        [{ ...item.message, attachments }],
        { maxAttachmentBytes },
      );
  }
  if (item.status) {
    let unknown = 0;
    for (const a of accounts) if ((await applyStatus(ctx, a, item.status)).unknown) unknown++;
    if (unknown === accounts.length && !item.message) return "retry";
  }
  return "processed";
}

/** A text belongs to the one account that owns the number (the unique index keeps it one),
 *  and only if it came from the Twilio account that account was connected through: a studio's
 *  own Twilio account signs with its own token and must never speak for another's number. */
function twilioOwner(
  ctx: AppContext,
  accounts: ConnectedAccount[],
  fromAccountSid: string | undefined,
): ConnectedAccount[] {
  const serverSid = ctx.config.env.TWILIO_ACCOUNT_SID;
  const from = fromAccountSid || serverSid;
  const owner = accounts.find((a) => (a.providerAccountId ?? serverSid) === from);
  return owner ? [owner] : [];
}

async function download(
  ctx: AppContext,
  source: string,
  remote: NonNullable<ReturnType<typeof revive>["remoteAttachments"]>,
  account: ConnectedAccount,
): Promise<InboundAttachment[]> {
  const handler = webhookHandler(source);
  if (!remote.length || !handler?.download) return [];
  const out: InboundAttachment[] = [];
  for (const r of remote) {
    try {
      const got = await handler.download(providerEnv(ctx), r, toProviderAccount(ctx, account));
      out.push({ filename: got.filename, contentType: got.contentType, content: got.content });
    } catch (err) {
      // A vanished CDN link must not lose the message itself; retry the item on transient failures.
      if (err instanceof ProviderError && err.errorClass !== "permanent") throw err;
      ctx.log.warn({ source, err: (err as Error).message }, "webhook attachment could not be downloaded");
    }
  }
  return out;
}
