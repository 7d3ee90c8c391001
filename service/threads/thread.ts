// The built-in "Tatu bookings" channel: one per artist, opened on demand, with one conversation
// per customer (thread key `customer:<customerId>`), so every request of a customer — and every
// message either side writes about it, in the app or by replying to a notification email — is
// one thread in the artist's unified inbox. It is a ConnectedAccount (provider "tatu") so the
// inbox lists, counts and answers it like any channel, but it is no provider: nothing syncs it,
// it has no credentials (an empty sealed value), no kill switch, and the Integrations page
// leaves it out.
import type { AppContext } from "../context.ts";
import type { Prisma } from "../db/client.ts";
import { ingestMessages, type StoredMessage } from "../inbox/ingest.ts";
import { snippetOf } from "../inbox/content.ts";
import { sealJson } from "../security/secret-box.ts";
import { TATU_LABEL, TATU_PROVIDER } from "./channel.ts";

type Tx = Prisma.TransactionClient;

export { TATU_LABEL, TATU_PROVIDER };
const ADDRESS = "Booking requests";

export const customerThreadKey = (customerId: string) => `customer:${customerId}`;
/** The customer of a Tatu thread (null for any other thread key). */
export const customerOfThread = (threadKey: string) =>
  /^customer:[0-9a-f-]{36}$/i.test(threadKey) ? threadKey.slice("customer:".length) : null;

export interface Thread {
  artistId: string;
  customerId: string;
  accountId: string;
  conversationId: string;
}

/** The artist's Tatu channel, created on first use (concurrent first uses end with one row). */
async function tatuAccount(tx: Tx, key: Buffer, artistId: string): Promise<string> {
  const where = {
    userId_provider_externalId: { userId: artistId, provider: TATU_PROVIDER, externalId: TATU_PROVIDER },
  };
  const known = await tx.connectedAccount.findUnique({ where, select: { id: true } });
  if (known) return known.id;
  await tx.$executeRaw`
    INSERT INTO "ConnectedAccount" (id, "userId", provider, "externalId", address, "displayName", credentials, scopes, status, "createdAt", "updatedAt")
    VALUES (gen_random_uuid(), ${artistId}::uuid, ${TATU_PROVIDER}, ${TATU_PROVIDER}, ${ADDRESS}, ${TATU_LABEL}, ${sealJson(key, {})}, '{}', 'active', now(), now())
    ON CONFLICT ("userId", provider, "externalId") DO NOTHING`;
  return (await tx.connectedAccount.findUniqueOrThrow({ where, select: { id: true } })).id;
}

/** The artist's contact for the customer, by email (the same contact their mail threads use). */
async function customerContact(tx: Tx, artistId: string, customer: { email: string; name: string }): Promise<string> {
  const handle = customer.email.trim().toLowerCase();
  const find = () =>
    tx.contactIdentity.findUnique({
      where: { userId_kind_handle: { userId: artistId, kind: "email", handle } },
      select: { contactId: true },
    });
  const known = await find();
  if (known) return known.contactId;
  const contact = await tx.contact.create({ data: { userId: artistId, name: customer.name } });
  const claimed = await tx.$executeRaw`
    INSERT INTO "ContactIdentity" (id, "userId", "contactId", kind, handle, name)
    VALUES (gen_random_uuid(), ${artistId}::uuid, ${contact.id}::uuid, 'email', ${handle}, ${customer.name})
    ON CONFLICT ("userId", kind, handle) DO NOTHING`;
  if (claimed) return contact.id;
  await tx.contact.delete({ where: { id: contact.id } });
  return (await find())!.contactId;
}

/** The artist–customer thread, opened (account, contact, conversation) if it is not yet. */
export async function openThread(
  ctx: AppContext,
  tx: Tx,
  artistId: string,
  customerId: string,
  known?: { email: string; name: string },
): Promise<Thread> {
  const accountId = await tatuAccount(tx, ctx.config.tokenEncryptionKey, artistId);
  const threadKey = customerThreadKey(customerId);
  const existing = await tx.conversation.findUnique({
    where: { accountId_threadKey: { accountId, threadKey } },
    select: { id: true },
  });
  if (existing) return { artistId, customerId, accountId, conversationId: existing.id };
  const customer =
    known ?? (await tx.user.findUniqueOrThrow({ where: { id: customerId }, select: { email: true, name: true } }));
  const contactId = await customerContact(tx, artistId, customer);
  await tx.$executeRaw`
    INSERT INTO "Conversation" (id, "userId", "accountId", "contactId", "contactName", "contactHandle", channel, "threadKey", subject, "lastMessageAt", "unreadCount", "createdAt")
    VALUES (gen_random_uuid(), ${artistId}::uuid, ${accountId}::uuid, ${contactId}::uuid, ${customer.name}, ${customer.email.toLowerCase()},
            ${TATU_PROVIDER}, ${threadKey}, 'Booking requests', now(), 0, now())
    ON CONFLICT ("accountId", "threadKey") DO NOTHING`;
  const conv = await tx.conversation.findUniqueOrThrow({
    where: { accountId_threadKey: { accountId, threadKey } },
    select: { id: true },
  });
  return { artistId, customerId, accountId, conversationId: conv.id };
}

/** The thread of a Tatu conversation by id (null for any other conversation). */
export async function threadOf(ctx: AppContext, conversationId: string): Promise<Thread | null> {
  const conv = await ctx.db.conversation.findUnique({
    where: { id: conversationId },
    select: { id: true, userId: true, accountId: true, threadKey: true, account: { select: { provider: true } } },
  });
  const customerId = conv && conv.account.provider === TATU_PROVIDER ? customerOfThread(conv.threadKey) : null;
  return conv && customerId
    ? { artistId: conv.userId, customerId, accountId: conv.accountId, conversationId: conv.id }
    : null;
}

/** The words of a request as the artist's inbox shows it. */
export function requestText(r: {
  idea: string;
  placement: string;
  size: string;
  budget: string | null;
  references: { filename: string }[];
}): string {
  return [
    "Booking request",
    "",
    `Idea:\n${r.idea}`,
    "",
    `Placement: ${r.placement}`,
    `Size: ${r.size}`,
    `Budget: ${r.budget ?? "not given"}`,
    `References: ${r.references.length ? r.references.map((f) => f.filename).join(", ") : "none"}`,
  ].join("\n");
}

export interface Posted {
  artistId: string;
  accountId: string;
  conversationId: string;
  messageId: string;
}

/** Stores a new request as the customer's message in their thread with the artist, in the
 *  request's own transaction (so it is there exactly once, or not at all with the request).
 *  The realtime event follows the commit: `announcePosted`. */
export async function postRequest(
  ctx: AppContext,
  tx: Tx,
  request: {
    id: string;
    artistId: string;
    customerId: string;
    idea: string;
    placement: string;
    size: string;
    budget: string | null;
    references: { filename: string }[];
    createdAt: Date;
  },
): Promise<Posted> {
  const customer = await tx.user.findUniqueOrThrow({
    where: { id: request.customerId },
    select: { email: true, name: true },
  });
  const thread = await openThread(ctx, tx, request.artistId, request.customerId, customer);
  const text = requestText(request);
  const m = await tx.message.create({
    data: {
      userId: request.artistId,
      accountId: thread.accountId,
      conversationId: thread.conversationId,
      externalId: `booking-request:${request.id}`,
      direction: "inbound",
      fromName: customer.name,
      fromHandle: customer.email.toLowerCase(),
      to: [{ name: TATU_LABEL, handle: ADDRESS }],
      cc: [],
      subject: `Booking request: ${request.placement}, ${request.size}`,
      text,
      sentAt: request.createdAt,
      status: "received",
    },
    select: { id: true },
  });
  await tx.conversation.update({
    where: { id: thread.conversationId },
    data: {
      lastMessageAt: request.createdAt,
      snippet: snippetOf(text),
      unreadCount: { increment: 1 },
      archivedAt: null,
    },
  });
  return { ...thread, messageId: m.id };
}

/** The realtime event of a stored message, after its commit (the same event the inbox's ingest sends). */
export async function announcePosted(ctx: AppContext, p: Posted, direction: "inbound" | "outbound"): Promise<void> {
  await ctx.realtime
    .publish(p.artistId, {
      type: "message.created",
      accountId: p.accountId,
      conversationId: p.conversationId,
      messageId: p.messageId,
      direction,
      channel: TATU_PROVIDER,
    })
    .catch(() => undefined);
}

/** A customer's message into their thread (in the app, or a reply to a notification email),
 *  through the inbox's ingest: stored once per `externalId`, unread and announced to the artist. */
export async function appendCustomerMessage(
  ctx: AppContext,
  thread: Thread,
  m: { externalId: string; text: string; subject?: string; sentAt: Date; rfc822MessageId?: string },
): Promise<StoredMessage[]> {
  const customer = await ctx.db.user.findUniqueOrThrow({
    where: { id: thread.customerId },
    select: { email: true, name: true },
  });
  const r = await ingestMessages(
    ctx,
    { id: thread.accountId, userId: thread.artistId, channel: TATU_PROVIDER, identityKind: "email" },
    [
      {
        externalId: m.externalId,
        threadKey: customerThreadKey(thread.customerId),
        direction: "inbound",
        from: { handle: customer.email, name: customer.name },
        to: [{ name: TATU_LABEL, handle: ADDRESS }],
        cc: [],
        subject: m.subject,
        text: m.text,
        sentAt: m.sentAt,
        seen: false,
        rfc822MessageId: m.rfc822MessageId,
        attachments: [],
      },
    ],
    { maxAttachmentBytes: 0 },
  );
  return r.inserted;
}
