// Read side of the inbox: the cross-channel conversation list and a thread's messages,
// both newest first with keyset pagination (constant cost at any depth).
import type { AppContext } from "../context.ts";
import { Prisma } from "../db/client.ts";
import { keysetPage } from "../db/keyset.ts";
import { queryOn } from "../db/sql.ts";
import { countRemoteImages } from "./content.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";

export interface ConversationFilter {
  channel?: string;
  unread?: boolean;
  archived?: boolean;
  q?: string;
  cursor?: string;
  limit: number;
}

export interface ConversationItem {
  id: string;
  channel: string;
  accountId: string;
  contact: { name: string | null; handle: string | null };
  subject: string | null;
  snippet: string | null;
  lastMessageAt: Date;
  unreadCount: number;
  archived: boolean;
}

/** The user's conversations, newest first, filtered (channel, unread, archived, text) and keyset-paged. */
export async function listConversations(
  ctx: AppContext,
  userId: string,
  f: ConversationFilter,
): Promise<{ items: ConversationItem[]; nextCursor: string | null }> {
  const after = decodeCursor(f.cursor);
  const where: Prisma.Sql[] = [Prisma.sql`c."userId" = ${userId}::uuid`];
  where.push(f.archived ? Prisma.sql`c."archivedAt" IS NOT NULL` : Prisma.sql`c."archivedAt" IS NULL`);
  if (f.channel) where.push(Prisma.sql`c.channel = ${f.channel}`);
  if (f.unread) where.push(Prisma.sql`c."unreadCount" > 0`);
  if (f.q) {
    const like = `%${f.q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    // Subject, contact and every message's text: what an artist remembers of a thread.
    where.push(Prisma.sql`(c.subject ILIKE ${like} OR c."contactName" ILIKE ${like} OR c."contactHandle" ILIKE ${like}
      OR EXISTS (SELECT 1 FROM "Message" m WHERE m."conversationId" = c.id AND (m.text ILIKE ${like} OR m.subject ILIKE ${like})))`);
  }
  if (after)
    where.push(Prisma.sql`(c."lastMessageAt", c.id) < (${after.at.toISOString()}::timestamp(3), ${after.id}::uuid)`);

  // Plain SQL on the pool: the inbox's most frequent query, one index range scan.
  const rows = await queryOn(ctx.pg)<
    Omit<ConversationItem, "contact" | "archived"> & {
      contactName: string | null;
      contactHandle: string | null;
      archivedAt: Date | null;
    }
  >(Prisma.sql`
    SELECT c.id, c.channel, c."accountId", c.subject, c.snippet, c."lastMessageAt", c."unreadCount", c."archivedAt", c."contactName", c."contactHandle"
    FROM "Conversation" c
    WHERE ${Prisma.join(where, " AND ")}
    ORDER BY c."lastMessageAt" DESC, c.id DESC
    LIMIT ${f.limit + 1}`);
  return keysetPage(
    rows,
    f.limit,
    (last) => encodeCursor(last.lastMessageAt, last.id),
    (r) => ({
      id: r.id,
      channel: r.channel,
      accountId: r.accountId,
      contact: { name: r.contactName, handle: r.contactHandle },
      subject: r.subject,
      snippet: r.snippet,
      lastMessageAt: r.lastMessageAt,
      unreadCount: r.unreadCount,
      archived: r.archivedAt !== null,
    }),
  );
}

/** One conversation of the user with its contact and account, or null. */
export async function getConversation(ctx: AppContext, userId: string, id: string) {
  return ctx.db.conversation.findFirst({
    where: { id, userId },
    include: {
      contact: { include: { identities: { select: { kind: true, handle: true, name: true } } } },
      account: { select: { id: true, provider: true, address: true, aliasLabel: true, status: true } },
    },
  });
}

/** A conversation's messages, newest first, keyset-paged, with their attachments. */
export async function listMessages(ctx: AppContext, conversationId: string, cursor: string | undefined, limit: number) {
  const after = decodeCursor(cursor);
  const rows = await ctx.db.message.findMany({
    where: {
      conversationId,
      ...(after ? { OR: [{ sentAt: { lt: after.at } }, { sentAt: after.at, id: { lt: after.id } }] } : {}),
    },
    orderBy: [{ sentAt: "desc" }, { id: "desc" }],
    take: limit + 1,
    include: { attachments: { select: { id: true, filename: true, contentType: true, size: true, contentId: true } } },
  });
  return keysetPage(
    rows,
    limit,
    (last) => encodeCursor(last.sentAt, last.id),
    (m) => ({
      id: m.id,
      direction: m.direction,
      status: m.status,
      statusError: m.statusError,
      ...(m.direction === "outbound"
        ? { seenBack: m.seenBackAt ? { at: m.seenBackAt, via: m.seenBackVia } : null }
        : {}),
      from: { name: m.fromName, handle: m.fromHandle },
      to: m.to,
      cc: m.cc,
      subject: m.subject,
      text: m.text,
      html: m.html,
      sentAt: m.sentAt,
      // The inbox shows HTML bodies from htmlUrl (own CSP, sandboxed); remote images wait for a click.
      ...(m.html ? { htmlUrl: `/api/inbox/messages/${m.id}/html`, remoteImages: countRemoteImages(m.html) } : {}),
      attachments: m.attachments.map((a) => ({ ...a, url: `/api/attachments/${a.id}` })),
    }),
  );
}
