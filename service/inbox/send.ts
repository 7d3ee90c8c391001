// Replies: recorded first as a pending outbound message (so nothing the artist wrote is
// ever lost), then sent through the conversation's own channel from the queue, with the
// delivery status pushed to the artist's open tabs.
import { randomUUID } from "node:crypto";
import type { Readable } from "node:stream";
import { z } from "zod";
import type { ProviderId } from "../providers/catalog.ts";
import type { AppContext } from "../context.ts";
import { channelProvider, asProviderError } from "../providers/registry.ts";
import { ProviderError, plainWords } from "../providers/kit/errors.ts";
import type { Address, Draft } from "../providers/kit/channel.ts";
import { badRequest, conflict, notFound } from "../http/errors.ts";
import { providerEnv, toProviderAccount } from "../integrations/accounts.ts";
import { defineJob, enqueue } from "../jobs/define.ts";
import { replySubject, snippetOf } from "./content.ts";
import type { StoredUpload } from "./uploads.ts";
import { sendTatuMessage } from "../threads/send.ts";
import { TATU_PROVIDER } from "../threads/channel.ts";

/** An attachment already in the blob store (streamed there by inbox/uploads.ts). */
export type UploadedFile = StoredUpload;
export const SEND_ATTEMPTS = 5;
export const PENDING_GIVE_UP_MS = 60 * 60 * 1000;

/** Stores a reply as pending and queues its sending; the artist sees it at once, its status follows. */
export async function createReply(
  ctx: AppContext,
  userId: string,
  conversationId: string,
  input: { text: string; files: UploadedFile[] },
) {
  const conv = await ctx.db.conversation.findFirst({
    where: { id: conversationId, userId },
    include: { account: true },
  });
  if (!conv) throw notFound("Conversation not found.");
  if (conv.account.status !== "active")
    throw conflict(
      `This ${conv.account.provider} account needs to be reconnected before you can reply.`,
      conv.account.status === "reauth_required" ? "ACCOUNT_NEEDS_RECONNECT" : "ACCOUNT_DISABLED",
    );

  // The customer reads Tatu messages on their booking and in the email: text only, for now.
  if (conv.account.provider === TATU_PROVIDER && input.files.length)
    throw badRequest("Files cannot be sent on Tatu bookings yet: send the text alone.", "ATTACHMENTS_NOT_SUPPORTED");
  const replyTo =
    (await ctx.db.message.findFirst({
      where: { conversationId, direction: "inbound" },
      orderBy: [{ sentAt: "desc" }, { id: "desc" }],
    })) ??
    (await ctx.db.message.findFirst({ where: { conversationId }, orderBy: [{ sentAt: "desc" }, { id: "desc" }] }));
  if (!replyTo) throw conflict("This conversation has no message to reply to.", "NOTHING_TO_REPLY_TO");
  const window = await replyWindow(ctx, conv.channel, conversationId);
  if (window && !window.open)
    throw conflict(
      `${channelProvider(conv.channel)?.label ?? conv.channel} only allows replies within ${window.hours} hours of the customer's last message. Ask them to message you again.`,
      "REPLY_WINDOW_CLOSED",
      { closedAt: window.closesAt },
    );
  const to: Address[] =
    replyTo.direction === "inbound"
      ? [{ handle: replyTo.fromHandle, ...(replyTo.fromName ? { name: replyTo.fromName } : {}) }]
      : (replyTo.to as unknown as Address[]);

  const stored = input.files.map((f) => ({
    userId,
    filename: f.filename,
    contentType: f.contentType,
    size: f.size,
    sha256: f.sha256,
    storageKey: f.storageKey,
  }));
  const now = new Date();
  const references = [...replyTo.references, ...(replyTo.rfc822MessageId ? [replyTo.rfc822MessageId] : [])];
  const message = await ctx.db.$transaction(async (tx) => {
    const m = await tx.message.create({
      data: {
        userId,
        accountId: conv.accountId,
        conversationId,
        externalId: `local:${randomUUID()}`,
        direction: "outbound",
        fromHandle: conv.account.address,
        fromName: conv.account.displayName,
        to: to as object[],
        cc: [],
        subject: replySubject(conv.subject ?? replyTo.subject),
        text: input.text,
        sentAt: now,
        inReplyTo: replyTo.rfc822MessageId,
        references,
        status: "pending",
        attachments: { create: stored },
      },
    });
    await tx.conversation.update({
      where: { id: conversationId },
      data: { lastMessageAt: now, snippet: snippetOf(input.text) },
    });
    return m;
  });
  await ctx.realtime
    .publish(userId, {
      type: "message.created",
      accountId: conv.accountId,
      conversationId,
      messageId: message.id,
      direction: "outbound",
      channel: conv.channel,
    })
    .catch(() => undefined);

  await enqueue(ctx, sendJob(message.id, conv.channel), { attempts: SEND_ATTEMPTS, backoffMs: 2_000 });
  const after = await ctx.db.message.findUniqueOrThrow({
    where: { id: message.id },
    select: { status: true, statusError: true },
  });
  return { messageId: message.id, status: after.status, ...(after.statusError ? { error: after.statusError } : {}) };
}

/** Meta's messaging window: replies only within N hours of the contact's last message. */
export async function replyWindow(
  ctx: AppContext,
  channel: string,
  conversationId: string,
): Promise<{ hours: number; open: boolean; closesAt: Date | null } | null> {
  const hours = channelProvider(channel)?.capabilities.replyWindowHours;
  if (!hours) return null;
  const last = await ctx.db.message.findFirst({
    where: { conversationId, direction: "inbound" },
    orderBy: { sentAt: "desc" },
    select: { sentAt: true },
  });
  const closesAt = last ? new Date(last.sentAt.getTime() + hours * 3_600_000) : null;
  return { hours, open: Boolean(closesAt && closesAt.getTime() > Date.now()), closesAt };
}

/** The queue job that sends one pending reply (its last attempt marks the reply failed). */
export const sendMessageJob = defineJob(
  "send-message",
  z.object({ messageId: z.string().min(1), maxAttempts: z.number().int().positive().default(5) }),
  async (ctx, data, job) => {
    const r = await sendOutbound(ctx, data.messageId, { finalAttempt: job.attempt >= data.maxAttempts });
    if (r.status === "retry") throw r.error;
    return { sent: r.status === "sent" ? 1 : 0, failed: r.status === "failed" ? 1 : 0 };
  },
);

/** The send-message job for one pending reply, keyed by the message so it never queues twice. */
export const sendJob = (messageId: string, channel: string) =>
  sendMessageJob.spec(
    { messageId, maxAttempts: SEND_ATTEMPTS },
    // The built-in Tatu channel is no provider: no kill switch stops it.
    { jobId: `send-message_${messageId}`, ...(channel === TATU_PROVIDER ? {} : { provider: channel as ProviderId }) },
  );

export type SendResult = { status: "sent" | "failed" | "already" } | { status: "retry"; error: ProviderError };

/** Hands a pending reply to its provider once (a retried job never re-sends); transient failures retry, the last
 *  attempt or any other failure marks it failed. */
export async function sendOutbound(
  ctx: AppContext,
  messageId: string,
  opts: { finalAttempt: boolean },
): Promise<SendResult> {
  const m = await ctx.db.message.findUnique({
    where: { id: messageId },
    include: { attachments: true, conversation: { include: { account: true } } },
  });
  // The Tatu channel: marked sent and the customer told, in one transaction (threads/send.ts).
  if (m?.conversation.account.provider === TATU_PROVIDER) return sendTatuMessage(ctx, m.id);
  // Handed to the provider already (its id replaced our local one): a retried job never re-sends.
  if (!m || m.status !== "pending" || !m.externalId.startsWith("local:")) return { status: "already" };
  const account = m.conversation.account;
  const provider = channelProvider(account.provider);
  const publish = (status: string, error?: string) =>
    ctx.realtime
      .publish(m.userId, {
        type: "message.status",
        conversationId: m.conversationId,
        messageId: m.id,
        status,
        ...(error ? { error } : {}),
      })
      .catch(() => undefined);
  const fail = async (error: string) => {
    await ctx.db.message.update({ where: { id: m.id }, data: { status: "failed", statusError: error } });
    await publish("failed", error);
    return { status: "failed" as const };
  };
  if (!provider) return fail("This channel is no longer available.");
  if (account.status !== "active") return fail(`Reconnect your ${provider.label} account, then send again.`);

  const attachments = [];
  for (const a of m.attachments) {
    const stream = await ctx.storage.get(a.storageKey);
    if (!stream) return fail(`The attachment ${a.filename} is missing from storage.`);
    attachments.push({ filename: a.filename, contentType: a.contentType, content: await toBuffer(stream) });
  }
  const draft: Draft = {
    threadKey: m.conversation.threadKey,
    subject: m.subject ?? undefined,
    to: m.to as unknown as Address[],
    cc: m.cc as unknown as Address[],
    text: m.text,
    replyTo: m.inReplyTo ? await replyTarget(ctx, account.id, m.inReplyTo) : undefined,
    attachments,
  };
  try {
    const sent = await provider.send(providerEnv(ctx), toProviderAccount(ctx, account), draft);
    await ctx.db.$transaction(async (tx) => {
      // A sync that ran between the provider's accept and now may have stored the sent copy already.
      await tx.message.deleteMany({ where: { accountId: account.id, externalId: sent.externalId, id: { not: m.id } } });
      await tx.message.update({
        where: { id: m.id },
        data: {
          externalId: sent.externalId,
          status: sent.status,
          sentAt: sent.sentAt,
          rfc822MessageId: sent.rfc822MessageId ?? null,
          ...(sent.references ? { references: sent.references } : {}),
        },
      });
    });
    await publish(sent.status);
    return { status: "sent" };
  } catch (err) {
    const error = asProviderError(err);
    if (error.errorClass === "auth") {
      await ctx.db.connectedAccount.update({
        where: { id: account.id },
        data: {
          status: "reauth_required",
          lastError: plainWords("auth", provider.label),
          lastErrorClass: "auth",
          lastErrorAt: new Date(),
        },
      });
      return fail(`Reconnect your ${provider.label} account, then send again.`);
    }
    // Give up after the queue's attempts, or after an hour of retries through the cron (inline mode).
    const final = opts.finalAttempt || Date.now() - m.createdAt.getTime() > PENDING_GIVE_UP_MS;
    if ((error.errorClass === "transient" || error.errorClass === "rate_limit") && !final)
      return { status: "retry", error };
    return fail(
      error.errorClass === "permanent"
        ? `${provider.label} refused the message: ${error.message}`
        : plainWords(error.errorClass, provider.label),
    );
  }
}

async function replyTarget(ctx: AppContext, accountId: string, rfc822MessageId: string): Promise<Draft["replyTo"]> {
  const original = await ctx.db.message.findFirst({
    where: { accountId, rfc822MessageId },
    select: { externalId: true, rfc822MessageId: true, references: true },
  });
  return original
    ? {
        externalId: original.externalId,
        rfc822MessageId: original.rfc822MessageId ?? undefined,
        references: original.references,
      }
    : { externalId: "", rfc822MessageId };
}

async function toBuffer(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  return Buffer.concat(chunks);
}
