// The artist's clients: everyone who sent them a booking request or has an appointment with
// them, listed newest activity first, and one client's whole record — contact, every
// conversation in the artist's unified inbox with that person, requests with their reference
// images, sessions with the deposit's outcome, and the artist's private notes.
//
// A person is a client of an artist only through a request or an appointment with that artist;
// every query here is scoped to the calling artist, so another artist's customers, threads and
// notes never appear (another artist's client id answers 404 like an unknown id).
import type { AppContext } from "../context.ts";
import { Prisma } from "../db/client.ts";
import { keysetPage } from "../db/keyset.ts";
import { queryOn } from "../db/sql.ts";
import { notFound } from "../http/errors.ts";
import { decodeCursor, encodeCursor } from "../inbox/cursor.ts";

/** Name shown for a customer who deleted their account (their bookings stay in the artist's books). */
export const DELETED_NAME = "Deleted account";
/** How much of a record one answer holds (the newest first). */
const LIMITS = { conversations: 50, requests: 100, sessions: 200, notes: 200 } as const;

export interface ClientListItem {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  deleted: boolean;
  requests: number;
  sessions: { total: number; completed: number };
  lastActivityAt: Date;
  nextSessionAt: Date | null;
}

/** The artist's clients, newest activity first (a request or appointment changing counts),
 *  searched by name or email, keyset-paged on (last activity, id). */
export async function listClients(
  ctx: AppContext,
  artistId: string,
  f: { q?: string; limit: number; cursor?: string },
): Promise<{ items: ClientListItem[]; nextCursor: string | null }> {
  const after = decodeCursor(f.cursor);
  const now = new Date().toISOString();
  const where: Prisma.Sql[] = [Prisma.sql`TRUE`];
  if (f.q) {
    const like = `%${f.q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    where.push(Prisma.sql`(u.name ILIKE ${like} OR u.email ILIKE ${like})`);
  }
  if (after)
    where.push(Prisma.sql`(c."lastActivityAt", c.id) < (${after.at.toISOString()}::timestamp(3), ${after.id}::uuid)`);
  const rows = await queryOn(ctx.pg)<{
    id: string;
    name: string | null;
    email: string | null;
    phone: string | null;
    requests: number;
    sessions: number;
    completed: number;
    lastActivityAt: Date;
    nextSessionAt: Date | null;
  }>(Prisma.sql`
    WITH activity AS (
      SELECT "customerId" AS id, count(*)::int AS requests, 0 AS sessions, 0 AS completed,
             max("updatedAt") AS at, NULL::timestamp(3) AS next
      FROM "BookingRequest" WHERE "artistId" = ${artistId}::uuid GROUP BY 1
      UNION ALL
      SELECT "customerId", 0, count(*)::int, (count(*) FILTER (WHERE status = 'completed'))::int,
             max("updatedAt"),
             min(start) FILTER (WHERE status IN ('pending_deposit', 'confirmed') AND start > ${now}::timestamp(3))
      FROM "Appointment" WHERE "artistId" = ${artistId}::uuid GROUP BY 1
    ), c AS (
      SELECT id, sum(requests)::int AS requests, sum(sessions)::int AS sessions, sum(completed)::int AS completed,
             max(at) AS "lastActivityAt", min(next) AS "nextSessionAt"
      FROM activity GROUP BY id
    )
    SELECT c.id, u.name, u.email, u.phone, c.requests, c.sessions, c.completed, c."lastActivityAt", c."nextSessionAt"
    FROM c LEFT JOIN "User" u ON u.id = c.id
    WHERE ${Prisma.join(where, " AND ")}
    ORDER BY c."lastActivityAt" DESC, c.id DESC
    LIMIT ${f.limit + 1}`);
  return keysetPage(
    rows,
    f.limit,
    (last) => encodeCursor(last.lastActivityAt, last.id),
    (r) => ({
      id: r.id,
      name: r.name ?? DELETED_NAME,
      email: r.email,
      phone: r.phone,
      deleted: r.name === null,
      requests: r.requests,
      sessions: { total: r.sessions, completed: r.completed },
      lastActivityAt: r.lastActivityAt,
      nextSessionAt: r.nextSessionAt,
    }),
  );
}

/** 404 unless `customerId` sent this artist a request or has an appointment with them. */
export async function assertClient(ctx: AppContext, artistId: string, customerId: string): Promise<void> {
  const [request, appointment] = await Promise.all([
    ctx.db.bookingRequest.findFirst({ where: { artistId, customerId }, select: { id: true } }),
    ctx.db.appointment.findFirst({ where: { artistId, customerId }, select: { id: true } }),
  ]);
  if (!request && !appointment) throw notFound("Client not found.");
}

/** A phone number as E.164 when it can be read as one ("+1 (415) 555-0199", "0049…"), else null. */
export function normalizePhone(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const compact = raw
    .trim()
    .replace(/^00/, "+")
    .replace(/[\s().\-/]/g, "");
  return /^\+[1-9]\d{6,14}$/.test(compact) ? compact : null;
}

export interface ClientConversation {
  id: string;
  channel: string;
  /** Which of the client's details linked it: their email, their phone, or another handle of the same contact. */
  matchedBy: "email" | "phone" | "contact";
  contact: { name: string | null; handle: string | null };
  subject: string | null;
  snippet: string | null;
  lastMessageAt: Date;
  unreadCount: number;
  archived: boolean;
  link: string;
}

/** The artist's conversations with the person behind `email` / `phone`: every contact in the
 *  artist's inbox with an identity of that email (any case) or phone (compared as E.164), and
 *  all of those contacts' conversations — so a thread on another channel (an Instagram handle
 *  of the same contact) comes along. Conversations of anyone else never match. */
export async function conversationsWith(
  ctx: AppContext,
  artistId: string,
  who: { email: string | null; phone: string | null },
): Promise<{ items: ClientConversation[]; more: boolean }> {
  const email = who.email?.trim().toLowerCase() || null;
  const phone = normalizePhone(who.phone);
  if (!email && !phone) return { items: [], more: false };
  const rows = await queryOn(ctx.pg)<{
    id: string;
    channel: string;
    matchedBy: "email" | "phone";
    contactName: string | null;
    contactHandle: string | null;
    subject: string | null;
    snippet: string | null;
    lastMessageAt: Date;
    unreadCount: number;
    archivedAt: Date | null;
  }>(Prisma.sql`
    WITH matched AS (
      SELECT "contactId", min(CASE WHEN kind = 'email' THEN 'email' ELSE 'phone' END) AS via
      FROM "ContactIdentity"
      WHERE "userId" = ${artistId}::uuid AND (
        (kind = 'email' AND lower(handle) = ${email}::text)
        OR (kind = 'sms' AND ${phone}::text IS NOT NULL
            AND regexp_replace(regexp_replace(handle, '^[[:space:]]*00', '+'), '[^0-9+]', '', 'g') = ${phone}::text))
      GROUP BY "contactId"
    )
    SELECT c.id, c.channel, m.via AS "matchedBy", c."contactName", c."contactHandle", c.subject, c.snippet,
           c."lastMessageAt", c."unreadCount", c."archivedAt"
    FROM "Conversation" c JOIN matched m ON m."contactId" = c."contactId"
    WHERE c."userId" = ${artistId}::uuid
    ORDER BY c."lastMessageAt" DESC, c.id DESC
    LIMIT ${LIMITS.conversations + 1}`);
  // A contact matched by email may also have a handle on another channel: its threads say so.
  const viaHandle = (r: (typeof rows)[number]) => {
    const h = r.contactHandle?.toLowerCase() ?? "";
    return h === email || (phone !== null && normalizePhone(r.contactHandle) === phone);
  };
  return {
    more: rows.length > LIMITS.conversations,
    items: rows.slice(0, LIMITS.conversations).map((r) => ({
      id: r.id,
      channel: r.channel,
      matchedBy: viaHandle(r) ? r.matchedBy : "contact",
      contact: { name: r.contactName, handle: r.contactHandle },
      subject: r.subject,
      snippet: r.snippet,
      lastMessageAt: r.lastMessageAt,
      unreadCount: r.unreadCount,
      archived: r.archivedAt !== null,
      link: `/inbox/${r.id}`,
    })),
  };
}

export interface ClientNoteView {
  id: string;
  body: string;
  createdAt: Date;
  updatedAt: Date;
}
export const noteView = (n: ClientNoteView): ClientNoteView => ({
  id: n.id,
  body: n.body,
  createdAt: n.createdAt,
  updatedAt: n.updatedAt,
});

/** One client's record as their artist sees it (404 when the person is not the artist's client). */
export async function clientRecord(ctx: AppContext, artistId: string, customerId: string) {
  await assertClient(ctx, artistId, customerId);
  const [user, requests, sessions, notes] = await Promise.all([
    ctx.db.user.findUnique({ where: { id: customerId }, select: { id: true, name: true, email: true, phone: true } }),
    ctx.db.bookingRequest.findMany({
      where: { artistId, customerId },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: LIMITS.requests,
      include: {
        references: {
          select: { id: true, filename: true, contentType: true, size: true },
          orderBy: { createdAt: "asc" },
        },
        project: { select: { id: true, title: true, depositCents: true, currency: true, depositStatus: true } },
      },
    }),
    ctx.db.appointment.findMany({
      where: { artistId, customerId },
      orderBy: [{ start: "desc" }, { id: "desc" }],
      take: LIMITS.sessions,
      include: {
        project: {
          select: {
            title: true,
            requestId: true,
            depositCents: true,
            currency: true,
            depositStatus: true,
            depositAppointmentId: true,
          },
        },
      },
    }),
    ctx.db.clientNote.findMany({
      where: { artistId, customerId },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: LIMITS.notes,
    }),
  ]);
  const conversations = await conversationsWith(ctx, artistId, {
    email: user?.email ?? null,
    phone: user?.phone ?? null,
  });
  return {
    client: {
      id: customerId,
      name: user?.name ?? DELETED_NAME,
      email: user?.email ?? null,
      phone: user?.phone ?? null,
      deleted: !user,
    },
    conversations: conversations.items,
    moreConversations: conversations.more,
    requests: requests.map((r) => ({
      id: r.id,
      idea: r.idea,
      placement: r.placement,
      size: r.size,
      budget: r.budget,
      status: r.status as string,
      declineReason: r.declineReason,
      offeredSlots: r.offeredSlots,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
      references: r.references.map((f) => ({
        ...f,
        url: `/api/bookings/requests/${r.id}/references/${f.id}`,
      })),
      project: r.project,
    })),
    sessions: sessions.map((a) => {
      const p = a.project;
      const depositHere = p && p.depositAppointmentId === a.id && p.depositCents > 0;
      return {
        id: a.id,
        start: a.start,
        end: a.end,
        timeZone: a.timeZone,
        status: a.status as string,
        title: p?.title ?? null,
        requestId: p?.requestId ?? null,
        cancelledBy: a.cancelledBy,
        cancelReason: a.cancelReason,
        // The deposit credited to this session: what it is and what became of it (kept/refunded on cancelling).
        deposit: depositHere
          ? {
              cents: p.depositCents,
              currency: p.currency,
              status: p.depositStatus as string,
              outcome: a.depositOutcome,
            }
          : null,
      };
    }),
    notes: notes.map(noteView),
  };
}
