// What processing does with each claimed webhook item (process.ts runs the batch): the
// accounts it belongs to, its messages ingested as one page per account, and what has to go
// one event at a time (statuses, reminder callbacks, Stripe events).
import type { AppContext } from "../context.ts";
import { Prisma } from "../db/client.ts";
import type { ConnectedAccount } from "../db/generated/client.ts";
import { queryOn } from "../db/sql.ts";
import { ingestMessages } from "../inbox/ingest.ts";
import { applyMessageStatuses, applyStatus } from "../inbox/status.ts";
import { providerEnv, toProviderAccount } from "../integrations/accounts.ts";
import type { InboundAttachment, InboundMessage } from "../providers/kit/channel.ts";
import { ProviderError } from "../providers/kit/errors.ts";
import type { WebhookItem } from "../providers/kit/webhook.ts";
import { channelProvider, webhookHandler } from "../providers/registry.ts";
import { stripeHandlers } from "../providers/stripe/webhook.ts";
import { applyReminderDeliveryStatus } from "../reminders/index.ts";
import type Stripe from "stripe";

export interface ClaimedEvent {
  id: string;
  source: string;
  item: WebhookItem;
}

/** An event with somewhere to go: the accounts it reaches and its downloaded attachments. */
export interface Routed {
  event: ClaimedEvent;
  accounts: ConnectedAccount[];
  attachments: InboundAttachment[];
}

/** Connected accounts by provider + external id. */
export type AccountIndex = Map<string, ConnectedAccount[]>;
const keyOf = (channel: string, externalId: string) => `${channel}\u0000${externalId}`;

/** The accounts every event of the batch may belong to, in one query (oldest first). Plain SQL
 *  on the pg pool: this runs once per batch on the hot path, where Prisma's own per-query cost
 *  was a large share of a small batch. */
export async function accountsOf(ctx: AppContext, events: ClaimedEvent[]): Promise<AccountIndex> {
  const pairs = new Map<string, { provider: string; externalId: string }>();
  for (const { item } of events)
    if (item.channel && item.accountExternalId)
      pairs.set(keyOf(item.channel, item.accountExternalId), {
        provider: item.channel,
        externalId: item.accountExternalId,
      });
  const index: AccountIndex = new Map();
  if (!pairs.size) return index;
  const wanted = [...pairs.values()];
  const rows = await queryOn(ctx.pg)<ConnectedAccount>(Prisma.sql`
    SELECT a.* FROM "ConnectedAccount" a
    JOIN unnest(${wanted.map((p) => p.provider)}::text[], ${wanted.map((p) => p.externalId)}::text[]) AS w(provider, ext)
      ON a.provider = w.provider AND a."externalId" = w.ext
    WHERE a.status <> 'disabled'
    ORDER BY a."createdAt" ASC, a.id ASC`);
  for (const a of rows) {
    const k = keyOf(a.provider, a.externalId);
    const list = index.get(k);
    if (list) list.push(a);
    else index.set(k, [a]);
  }
  return index;
}

/** Where one event goes, with its attachments downloaded; "ignored" when nobody connected its
 *  page or number (any more). Throws when a download failed transiently (the event is retried). */
export async function routeOf(
  ctx: AppContext,
  event: ClaimedEvent,
  index: AccountIndex,
): Promise<Routed | { kind: "ignored" }> {
  const { source, item } = event;
  if (item.eventType && source === "stripe") return { event, accounts: [], attachments: [] };
  let accounts: ConnectedAccount[] = [];
  if (item.channel && item.accountExternalId && channelProvider(item.channel)) {
    accounts = index.get(keyOf(item.channel, item.accountExternalId)) ?? [];
    if (item.channel === "twilio") accounts = twilioOwner(ctx, accounts, item.providerAccountId);
  }
  // Twilio status callbacks may be about reminder texts, which belong to no inbox account.
  if (source === "twilio-status" && item.status) return { event, accounts, attachments: [] };
  if (!accounts.length) return { kind: "ignored" };
  const attachments = item.message ? await download(ctx, source, item.remoteAttachments ?? [], accounts[0]!) : [];
  return { event, accounts, attachments };
}

/** The batch's messages as one ingestMessages page per account. A page that fails is retried
 *  event by event, so one bad event cannot fail the others; answers the events that still failed. */
export async function ingestGrouped(ctx: AppContext, routed: Routed[]): Promise<Map<string, unknown>> {
  const groups = new Map<string, { account: ConnectedAccount; members: { id: string; message: InboundMessage }[] }>();
  for (const r of routed) {
    const m = r.event.item.message;
    if (!m) continue;
    for (const account of r.accounts) {
      const g = groups.get(account.id) ?? { account, members: [] };
      g.members.push({ id: r.event.id, message: { ...m, attachments: r.attachments } });
      groups.set(account.id, g);
    }
  }
  const failures = new Map<string, unknown>();
  const opts = { maxAttachmentBytes: (ctx.config.env.ATTACHMENT_MAX_MB ?? 25) * 1024 * 1024 };
  for (const { account, members } of groups.values()) {
    const provider = channelProvider(account.provider)!;
    const target = {
      id: account.id,
      userId: account.userId,
      channel: provider.id,
      identityKind: provider.identityKind,
    };
    try {
      await ingestMessages(
        ctx,
        target,
        members.map((x) => x.message),
        opts,
      );
    } catch (err) {
      if (members.length === 1) {
        failures.set(members[0]!.id, err);
        continue;
      }
      ctx.log.warn(
        { accountId: account.id, events: members.length, err: (err as Error).message },
        "webhook batch ingest failed; ingesting its events one by one",
      );
      for (const x of members)
        await ingestMessages(ctx, target, [x.message], opts).catch((e: unknown) => failures.set(x.id, e));
    }
  }
  return failures;
}

type Outcome = "processed" | "ignored" | "retry";
type MessageStatus = Extract<NonNullable<WebhookItem["status"]>, { kind: "message" }>;

/** What does not ingest as a page, after the messages: Stripe events and reminder delivery
 *  callbacks one by one, per-message statuses of the whole batch in one statement, watermarks
 *  one by one. Answers each event's outcome, or the error that failed it (others unaffected). */
export async function handleRest(
  ctx: AppContext,
  routed: Routed[],
): Promise<{ outcomes: Map<string, Outcome>; failures: Map<string, unknown> }> {
  const outcomes = new Map<string, Outcome>();
  const failures = new Map<string, unknown>();
  const statuses: { r: Routed; update: MessageStatus }[] = [];
  for (const r of routed) {
    try {
      const first = await handleFirst(ctx, r);
      if (first === "message-status") statuses.push({ r, update: r.event.item.status as MessageStatus });
      else outcomes.set(r.event.id, first);
    } catch (err) {
      failures.set(r.event.id, err);
    }
  }
  if (!statuses.length) return { outcomes, failures };

  const pairs = statuses.flatMap(({ r, update }) => r.accounts.map((account) => ({ id: r.event.id, account, update })));
  let unknown: boolean[];
  try {
    unknown = await applyMessageStatuses(ctx, pairs);
  } catch (err) {
    // The statement failed for the whole batch: apply them one by one, so one bad event fails alone.
    ctx.log.warn({ statuses: pairs.length, err: (err as Error).message }, "webhook batch statuses failed; one by one");
    unknown = [];
    for (const p of pairs)
      unknown.push(
        await applyStatus(ctx, p.account, p.update).then(
          (x) => x.unknown,
          (e: unknown) => {
            failures.set(p.id, e);
            return false;
          },
        ),
      );
  }
  const unknownPer = new Map<string, number>();
  pairs.forEach((p, i) => {
    if (unknown[i]) unknownPer.set(p.id, (unknownPer.get(p.id) ?? 0) + 1);
  });
  for (const { r } of statuses) {
    if (failures.has(r.event.id)) continue;
    // A status whose message is not recorded on any account yet: the callback beat our own send bookkeeping.
    const waiting = unknownPer.get(r.event.id) === r.accounts.length && !r.event.item.message;
    outcomes.set(r.event.id, waiting ? "retry" : "processed");
  }
  return { outcomes, failures };
}

async function handleFirst(ctx: AppContext, r: Routed): Promise<Outcome | "message-status"> {
  const { source, item } = r.event;
  if (item.eventType && source === "stripe") {
    const handlers = stripeHandlers(item.eventType);
    for (const h of handlers) await h(ctx, item.payload as Stripe.Event);
    return handlers.length ? "processed" : "ignored";
  }
  if (source === "twilio-status" && item.status && (await applyReminderDeliveryStatus(ctx, item.status)))
    return "processed";
  if (!r.accounts.length) return "ignored";
  if (item.status?.kind === "message") return "message-status";
  // Watermarks (Meta: read/delivered up to a time, per conversation) are never "unknown".
  if (item.status) for (const a of r.accounts) await applyStatus(ctx, a, item.status);
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
  remote: NonNullable<WebhookItem["remoteAttachments"]>,
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
