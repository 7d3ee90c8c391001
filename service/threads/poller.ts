// Replies to notification emails: the "notify-replies" cron (every minute, or run by hand)
// reads the NOTIFY_REPLY_ADDRESS mailbox over IMAP (NOTIFY_REPLY_IMAP_URL). Each unseen mail
// addressed to `<local>+<token>@<domain>` whose token verifies and whose sender is the person
// the token was made for is added to that thread once (its Message-ID is the message's id);
// a customer's reply shows in the artist's inbox, an artist's reply goes on to the customer
// like an inbox reply. Handled mail is marked \Seen (and moved to "Processed" when that folder
// exists); anything else is flagged and left where it is, never stored.
import { createHash } from "node:crypto";
import { z } from "zod";
import type { AppContext } from "../context.ts";
import { Prisma } from "../db/client.ts";
import { defineJob } from "../jobs/define.ts";
import type { JobSpec } from "../jobs/types.ts";
import { snippetOf } from "../inbox/content.ts";
import { readReplyToken, verifyReplyToken } from "../security/reply-token.ts";
import { replyConfig, type ReplyConfig } from "./reply-address.ts";
import { replyText } from "./reply-text.ts";
import { sendTatuMessage } from "./send.ts";
import { announcePosted, appendCustomerMessage, TATU_LABEL, threadOf, type Thread } from "./thread.ts";

/** At most this many mails per run; the rest wait for the next minute. */
const BATCH = 100;
const PROCESSED = "Processed";

export type ReplyOutcome =
  | { ok: true; stored: boolean }
  | { ok: false; reason: "no token" | "bad token" | "unknown conversation" | "sender mismatch" | "empty" };

/** The parts of a parsed mail the poller reads (mailparser's ParsedMail fits). */
export interface ReplyMail {
  messageId?: string;
  from?: { value: { address?: string }[] };
  to?: { value: { address?: string }[] } | { value: { address?: string }[] }[];
  cc?: { value: { address?: string }[] } | { value: { address?: string }[] }[];
  headers: Map<string, unknown>;
  subject?: string;
  date?: Date;
  text?: string;
  html?: string | false;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Every address the mail was delivered to: To, Cc, and the delivery headers the server adds. */
function recipients(mail: ReplyMail): string[] {
  const list = (v: ReplyMail["to"]) => (v ? (Array.isArray(v) ? v : [v]).flatMap((a) => a.value) : []);
  // mailparser gives address headers (Delivered-To) as { value: [{ address }] }, others as strings.
  const header = (name: string): string[] => {
    const v = mail.headers.get(name);
    return (Array.isArray(v) ? v : v ? [v] : []).flatMap((x: unknown) => {
      if (typeof x === "string") return [x];
      const value = (x as { value?: unknown } | null)?.value;
      return Array.isArray(value) ? value.map((a: { address?: string }) => a.address ?? "") : [];
    });
  };
  return [
    ...list(mail.to).map((a) => a.address ?? ""),
    ...list(mail.cc).map((a) => a.address ?? ""),
    ...header("delivered-to"),
    ...header("x-original-to"),
  ].map((a) => a.replace(/^<|>$/g, "").trim());
}

function tokenIn(c: ReplyConfig, mail: ReplyMail): string | null {
  const re = new RegExp(`^${escapeRegExp(c.local)}\\+([a-z2-7]+)@${escapeRegExp(c.domain)}$`, "i");
  for (const a of recipients(mail)) {
    const m = re.exec(a);
    if (m) return m[1]!;
  }
  return null;
}

const htmlText = (html: string) =>
  html
    .replace(/<(style|script)[\s\S]*?<\/\1>/gi, "")
    .replace(/<blockquote[\s\S]*$/i, "")
    .replace(/<br\s*\/?>|<\/p>|<\/div>/gi, "\n")
    .replace(/<[^>]+>/g, "")
    .replace(/&nbsp;/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");

/** Checks one reply and stores it in its thread (once: a second run finds it stored). */
export async function handleReply(
  ctx: AppContext,
  c: ReplyConfig,
  mail: ReplyMail,
  raw: Buffer,
): Promise<ReplyOutcome> {
  const token = tokenIn(c, mail);
  if (!token) return { ok: false, reason: "no token" };
  const claimed = readReplyToken(token);
  if (!claimed) return { ok: false, reason: "bad token" };
  const thread = await threadOf(ctx, claimed.conversationId);
  if (!thread) return { ok: false, reason: "unknown conversation" };
  const userId = claimed.party === "artist" ? thread.artistId : thread.customerId;
  if (!verifyReplyToken(c.key, token, { ...claimed, userId })) return { ok: false, reason: "bad token" };
  const user = await ctx.db.user.findUnique({ where: { id: userId }, select: { email: true } });
  const from = mail.from?.value[0]?.address?.trim().toLowerCase();
  if (!user || !from || from !== user.email.toLowerCase()) return { ok: false, reason: "sender mismatch" };

  const text = replyText(mail.text || (mail.html ? htmlText(mail.html) : ""));
  if (!text) return { ok: false, reason: "empty" };
  const messageId = mail.messageId ?? `<sha256-${createHash("sha256").update(raw).digest("hex")}@tatu>`;
  const m = { externalId: `email:${messageId}`, text, subject: mail.subject, sentAt: mail.date ?? new Date() };
  if (claimed.party === "customer") {
    const inserted = await appendCustomerMessage(ctx, thread, { ...m, rfc822MessageId: messageId });
    return { ok: true, stored: inserted.length > 0 };
  }
  return { ok: true, stored: await storeArtistReply(ctx, thread, { ...m, rfc822MessageId: messageId }) };
}

/** The artist's emailed reply: stored as their message (pending), then sent on to the customer
 *  exactly as an inbox reply is. A second run finds it by its id and only finishes a send an
 *  interrupted run left pending. */
async function storeArtistReply(
  ctx: AppContext,
  thread: Thread,
  m: { externalId: string; text: string; subject?: string; sentAt: Date; rfc822MessageId: string },
): Promise<boolean> {
  const customer = await ctx.db.user.findUnique({
    where: { id: thread.customerId },
    select: { email: true, name: true },
  });
  const account = await ctx.db.connectedAccount.findUniqueOrThrow({ where: { id: thread.accountId } });
  let created = false;
  try {
    const msg = await ctx.db.$transaction(async (tx) => {
      const row = await tx.message.create({
        data: {
          userId: thread.artistId,
          accountId: thread.accountId,
          conversationId: thread.conversationId,
          externalId: m.externalId,
          direction: "outbound",
          fromHandle: account.address,
          fromName: account.displayName ?? TATU_LABEL,
          to: customer ? [{ handle: customer.email.toLowerCase(), name: customer.name }] : [],
          cc: [],
          subject: m.subject ?? null,
          text: m.text,
          sentAt: m.sentAt,
          rfc822MessageId: m.rfc822MessageId,
          status: "pending",
        },
        select: { id: true },
      });
      await tx.conversation.update({
        where: { id: thread.conversationId },
        data: { lastMessageAt: m.sentAt, snippet: snippetOf(m.text) },
      });
      return row;
    });
    created = true;
    await announcePosted(ctx, { ...thread, messageId: msg.id }, "outbound");
  } catch (err) {
    if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002")) throw err;
  }
  const row = await ctx.db.message.findUniqueOrThrow({
    where: { accountId_externalId: { accountId: thread.accountId, externalId: m.externalId } },
    select: { id: true, status: true },
  });
  if (row.status === "pending") await sendTatuMessage(ctx, row.id);
  return created;
}

function imapOptions(url: string) {
  const u = new URL(url);
  const secure = u.protocol === "imaps:";
  return {
    host: u.hostname,
    port: Number(u.port) || (secure ? 993 : 143),
    secure,
    auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) },
    mailbox: decodeURIComponent(u.pathname.replace(/^\/+/, "")) || "INBOX",
  };
}

export interface PollCounts {
  stored: number;
  duplicate: number;
  rejected: number;
}

/** One pass over the reply mailbox's unseen, unflagged mail. Nothing to do when not configured. */
export async function pollReplies(ctx: AppContext): Promise<PollCounts> {
  const counts: PollCounts = { stored: 0, duplicate: 0, rejected: 0 };
  const c = replyConfig(ctx);
  const url = ctx.config.env.NOTIFY_REPLY_IMAP_URL;
  if (!c || !url) return counts;
  const [{ ImapFlow }, { simpleParser }] = await Promise.all([import("imapflow"), import("mailparser")]);
  const { mailbox, ...opts } = imapOptions(url);
  const client = new ImapFlow({ ...opts, logger: false, connectionTimeout: 10_000, greetingTimeout: 10_000 });
  await client.connect();
  try {
    const hasProcessed = (await client.list()).some((b) => b.path === PROCESSED);
    const lock = await client.getMailboxLock(mailbox);
    try {
      const found = await client.search({ seen: false, flagged: false }, { uid: true });
      for (const uid of (found || []).slice(0, BATCH)) {
        const msg = await client.fetchOne(String(uid), { source: true }, { uid: true });
        if (!msg || !msg.source) continue;
        const mail = await simpleParser(msg.source);
        const outcome = await handleReply(ctx, c, mail as unknown as ReplyMail, msg.source);
        if (!outcome.ok) {
          counts.rejected++;
          await client.messageFlagsAdd(String(uid), ["\\Flagged"], { uid: true });
          // Never the token or the addresses: the uid and the reason are enough to find it.
          ctx.log.warn({ uid, reason: outcome.reason }, "reply to a notification not accepted; flagged and left");
          continue;
        }
        counts[outcome.stored ? "stored" : "duplicate"]++;
        await client.messageFlagsAdd(String(uid), ["\\Seen"], { uid: true });
        if (hasProcessed) await client.messageMove(String(uid), PROCESSED, { uid: true });
      }
    } finally {
      lock.release();
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
  return counts;
}

export const pollRepliesJob = defineJob("poll-notify-replies", z.object({}), async (ctx) => {
  const r = await pollReplies(ctx);
  return { processed: r.stored, duplicate: r.duplicate, rejected: r.rejected };
});

/** notify-replies cron: one poll when the reply mailbox is configured (its job id keeps it to one at a time). */
export async function replyPolls(ctx: AppContext): Promise<JobSpec[]> {
  return replyConfig(ctx) && ctx.config.env.NOTIFY_REPLY_IMAP_URL
    ? [pollRepliesJob.spec({}, { jobId: "poll-notify-replies" })]
    : [];
}
