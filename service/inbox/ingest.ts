// Stores one page of synced messages, idempotently and in bulk. Everything of a page —
// contacts, conversations, messages, attachments and the account's cursor — commits in one
// transaction, so a crash (even kill -9) between pages resumes from the last committed
// cursor, and the unique (accountId, externalId) index makes any overlap harmless.
// A page costs a fixed number of statements whatever its size (bulk unnest inserts).
import { createHash, randomUUID } from "node:crypto";
import type { AppContext } from "../context.ts";
import type { Address, ChannelId, InboundMessage, SyncPage } from "../providers/kit/channel.ts";
import { Prisma } from "../db/client.ts";
import { queryOn, withTransaction, type Query } from "../db/sql.ts";
import { baseSubject, sanitizeMessageHtml, snippetOf } from "./content.ts";

export interface IngestTarget {
  id: string;
  userId: string;
  channel: ChannelId;
  identityKind: string;
}

export interface StoredMessage {
  id: string;
  conversationId: string;
  direction: "inbound" | "outbound";
}
export interface IngestResult {
  fetched: number;
  inserted: StoredMessage[];
}

/** Inline-kept attachments above this are dropped with a log line (see ATTACHMENT_MAX_MB). */
export interface IngestOptions {
  maxAttachmentBytes: number;
}

const normalizeHandle = (kind: string, handle: string) =>
  kind === "email" ? handle.trim().toLowerCase() : handle.trim();

/** The person on the other side of the conversation. */
function counterpart(m: InboundMessage): Address {
  return m.direction === "inbound" ? m.from : (m.to[0] ?? m.cc[0] ?? m.from);
}

interface Prepared {
  m: InboundMessage;
  threadKey: string;
  contactHandle: string;
  html: string | null;
  snippet: string;
  attachments: {
    filename: string;
    contentType: string;
    size: number;
    sha256: string;
    storageKey: string;
    contentId: string | null;
  }[];
}

/** Stores one sync page and advances the account's cursor with it. */
export async function ingestPage(
  ctx: AppContext,
  account: IngestTarget,
  page: SyncPage,
  opts: IngestOptions,
): Promise<IngestResult> {
  return ingestMessages(ctx, account, page.messages, { ...opts, cursor: page.cursor });
}

/** Stores messages (from a sync page, or a webhook with no cursor to advance). */
export async function ingestMessages(
  ctx: AppContext,
  account: IngestTarget,
  messages: InboundMessage[],
  opts: IngestOptions & { cursor?: SyncPage["cursor"] },
): Promise<IngestResult> {
  const fetched = messages.length;
  // One copy per external id within the page; known ids are skipped before any blob work.
  const unique = [...new Map(messages.map((m) => [m.externalId, m])).values()];
  const known = unique.length
    ? new Set(
        (
          await queryOn(ctx.pg)<{ externalId: string }>(
            Prisma.sql`SELECT "externalId" FROM "Message" WHERE "accountId" = ${account.id}::uuid AND "externalId" = ANY(${unique.map((m) => m.externalId)}::text[])`,
          )
        ).map((r) => r.externalId),
      )
    : new Set<string>();
  const fresh = unique.filter((m) => !known.has(m.externalId)).sort((a, b) => a.sentAt.getTime() - b.sentAt.getTime());
  // Our own sends reported back (Sent folder, DM events, an echo): the provider round trip.
  const seenBack = unique.filter((m) => m.direction === "outbound" && known.has(m.externalId)).map((m) => m.externalId);
  // Sync pages advance a cursor; webhook items have none.
  const via = opts.cursor ? "sync" : "webhook";

  const prepared = await Promise.all(fresh.map((m) => prepare(ctx, account, m, opts)));

  // On the pg pool directly: this is the hot path of every back-fill (Prisma's per-statement
  // overhead measured 2–3× the statements themselves here).
  const inserted = await withTransaction(ctx.pg, async (q) => {
    const stored = prepared.length ? await store(q, account, prepared) : [];
    if (seenBack.length)
      await q(Prisma.sql`UPDATE "Message" SET "seenBackAt" = now(), "seenBackVia" = ${via}
        WHERE "accountId" = ${account.id}::uuid AND "externalId" = ANY(${seenBack}::text[]) AND direction = 'outbound' AND "seenBackAt" IS NULL`);
    if (opts.cursor)
      await q(
        Prisma.sql`UPDATE "ConnectedAccount" SET "syncCursor" = ${JSON.stringify(opts.cursor)}::jsonb, "lastSyncAt" = now(), "updatedAt" = now() WHERE id = ${account.id}::uuid`,
      );
    return stored;
  });

  await announce(ctx, account, inserted, Boolean(opts.cursor));
  return { fetched, inserted };
}

async function prepare(
  ctx: AppContext,
  account: IngestTarget,
  m: InboundMessage,
  opts: IngestOptions,
): Promise<Prepared> {
  const attachments: Prepared["attachments"] = [];
  for (const a of m.attachments) {
    if (a.content.length > opts.maxAttachmentBytes) {
      ctx.log.warn({ accountId: account.id, size: a.content.length }, "attachment over ATTACHMENT_MAX_MB not stored");
      continue;
    }
    const sha256 = createHash("sha256").update(a.content).digest("hex");
    // Content-addressed per user: re-storing the same bytes is a no-op and never collides across users.
    const storageKey = `${account.userId}/${sha256.slice(0, 2)}/${sha256}`;
    await ctx.storage.put(storageKey, a.content, a.contentType);
    attachments.push({
      filename: a.filename || "attachment",
      contentType: a.contentType || "application/octet-stream",
      size: a.content.length,
      sha256,
      storageKey,
      contentId: a.contentId ?? null,
    });
  }
  return {
    m,
    threadKey: m.threadKey ?? "",
    contactHandle: normalizeHandle(account.identityKind, counterpart(m).handle),
    html: m.html ? sanitizeMessageHtml(m.html) : null,
    snippet: snippetOf(m.text || (m.html ? sanitizeMessageHtml(m.html).replace(/<[^>]+>/g, " ") : "")),
    attachments,
  };
}

async function store(q: Query, account: IngestTarget, items: Prepared[]): Promise<StoredMessage[]> {
  await resolveThreads(q, account, items);
  const contactIds = await upsertContacts(q, account, items);

  // Conversations: one row per thread, created on first sight.
  const threads = new Map<string, Prepared>();
  for (const p of items) if (!threads.has(p.threadKey)) threads.set(p.threadKey, p);
  const keys = [...threads.keys()];
  const convRows = await q<{ id: string; threadKey: string; created: boolean }>(Prisma.sql`
    INSERT INTO "Conversation" (id, "userId", "accountId", "contactId", "contactName", "contactHandle", channel, "threadKey", subject, "lastMessageAt", "unreadCount", "createdAt")
    SELECT gen_random_uuid(), ${account.userId}::uuid, ${account.id}::uuid, t.contact, t.cname, t.chandle, ${account.channel}, t.key, t.subject, 'epoch'::timestamp, 0, now()
    FROM unnest(${keys}::text[], ${keys.map((k) => contactIds.get(threads.get(k)!.contactHandle) ?? null)}::uuid[], ${keys.map((k) => baseSubject(threads.get(k)!.m.subject) ?? null)}::text[],
                ${keys.map((k) => counterpart(threads.get(k)!.m).name ?? null)}::text[], ${keys.map((k) => threads.get(k)!.contactHandle || null)}::text[]) AS t(key, contact, subject, cname, chandle)
    ON CONFLICT ("accountId", "threadKey") DO UPDATE SET
      "contactId" = COALESCE("Conversation"."contactId", EXCLUDED."contactId"),
      "contactName" = COALESCE("Conversation"."contactName", EXCLUDED."contactName"),
      "contactHandle" = COALESCE("Conversation"."contactHandle", EXCLUDED."contactHandle")
    RETURNING id, "threadKey", (xmax = 0) AS created`);
  const convByKey = new Map(convRows.map((r) => [r.threadKey, r.id]));

  const rows = items.map((p) => ({ p, conversationId: convByKey.get(p.threadKey)! }));
  const col = <T>(f: (r: (typeof rows)[number]) => T) => rows.map(f);
  const insertedRows = await q<{ id: string; externalId: string }>(Prisma.sql`
    INSERT INTO "Message" (id, "userId", "accountId", "conversationId", "externalId", direction, "fromName", "fromHandle", "to", cc, subject, text, html, "sentAt", "rfc822MessageId", "inReplyTo", "references", status, "createdAt")
    SELECT gen_random_uuid(), ${account.userId}::uuid, ${account.id}::uuid, t.conv, t.ext, t.dir::"MessageDirection", t.fname, t.fhandle, t.too, t.cc, t.subj, t.txt, t.html, t.sent,
           t.rfc, t.irt, ARRAY(SELECT jsonb_array_elements_text(t.refs)), t.status::"DeliveryStatus", now()
    FROM unnest(
      ${col((r) => r.conversationId)}::uuid[], ${col((r) => r.p.m.externalId)}::text[], ${col((r) => r.p.m.direction)}::text[],
      ${col((r) => r.p.m.from.name ?? null)}::text[], ${col((r) => normalizeHandle(account.identityKind, r.p.m.from.handle))}::text[],
      ${col((r) => JSON.stringify(r.p.m.to))}::jsonb[], ${col((r) => JSON.stringify(r.p.m.cc))}::jsonb[], ${col((r) => r.p.m.subject ?? null)}::text[],
      ${col((r) => r.p.m.text)}::text[], ${col((r) => r.p.html)}::text[], ${col((r) => r.p.m.sentAt.toISOString())}::timestamp(3)[],
      ${col((r) => r.p.m.rfc822MessageId ?? null)}::text[], ${col((r) => r.p.m.inReplyTo ?? null)}::text[], ${col((r) => JSON.stringify(r.p.m.references ?? []))}::jsonb[],
      ${col((r) => (r.p.m.direction === "inbound" ? "received" : "sent"))}::text[]
    ) AS t(conv, ext, dir, fname, fhandle, too, cc, subj, txt, html, sent, rfc, irt, refs, status)
    ON CONFLICT ("accountId", "externalId") DO NOTHING
    RETURNING id, "externalId"`);
  const idByExternal = new Map(insertedRows.map((r) => [r.externalId, r.id]));
  const done = rows.filter((r) => idByExternal.has(r.p.m.externalId));

  const atts = done.flatMap((r) =>
    r.p.attachments.map((a) => ({ ...a, messageId: idByExternal.get(r.p.m.externalId)! })),
  );
  if (atts.length) {
    await q(Prisma.sql`
      INSERT INTO "Attachment" (id, "userId", "messageId", filename, "contentType", size, sha256, "storageKey", "contentId", "createdAt")
      SELECT gen_random_uuid(), ${account.userId}::uuid, t.mid, t.fn, t.ct, t.sz, t.sha, t.sk, t.cid, now()
      FROM unnest(${atts.map((a) => a.messageId)}::uuid[], ${atts.map((a) => a.filename)}::text[], ${atts.map((a) => a.contentType)}::text[],
                  ${atts.map((a) => a.size)}::int[], ${atts.map((a) => a.sha256)}::text[], ${atts.map((a) => a.storageKey)}::text[], ${atts.map((a) => a.contentId)}::text[])
        AS t(mid, fn, ct, sz, sha, sk, cid)`);
  }

  // Conversation aggregates from what was really inserted (duplicates change nothing).
  const agg = new Map<string, { last: Date; snippet: string; unread: number; inbound: number }>();
  for (const r of done) {
    const a = agg.get(r.conversationId) ?? { last: new Date(0), snippet: "", unread: 0, inbound: 0 };
    if (r.p.m.sentAt >= a.last) {
      a.last = r.p.m.sentAt;
      a.snippet = r.p.snippet;
    }
    if (r.p.m.direction === "inbound") {
      a.inbound++;
      if (!r.p.m.seen) a.unread++;
    }
    agg.set(r.conversationId, a);
  }
  if (agg.size) {
    const ids = [...agg.keys()],
      v = [...agg.values()];
    await q(Prisma.sql`
      UPDATE "Conversation" c SET
        "lastMessageAt" = GREATEST(c."lastMessageAt", v.last),
        -- Mail dates have one-second precision: within the same second the later arrival wins.
        snippet = CASE WHEN date_trunc('second', v.last) >= date_trunc('second', c."lastMessageAt") THEN v.snippet ELSE c.snippet END,
        "unreadCount" = c."unreadCount" + v.unread,
        "archivedAt" = CASE WHEN v.inbound > 0 THEN NULL ELSE c."archivedAt" END
      FROM unnest(${ids}::uuid[], ${v.map((x) => x.last.toISOString())}::timestamp(3)[], ${v.map((x) => x.snippet)}::text[], ${v.map((x) => x.unread)}::int[], ${v.map((x) => x.inbound)}::int[])
        AS v(id, last, snippet, unread, inbound)
      WHERE c.id = v.id`);
  }
  // A thread created for messages that all turned out to be known elsewhere stays invisible.
  const created = convRows.filter((r) => r.created && !agg.has(r.id)).map((r) => r.id);
  if (created.length)
    await q(
      Prisma.sql`DELETE FROM "Conversation" c WHERE c.id = ANY(${created}::uuid[]) AND NOT EXISTS (SELECT 1 FROM "Message" m WHERE m."conversationId" = c.id)`,
    );

  return done.map((r) => ({
    id: idByExternal.get(r.p.m.externalId)!,
    conversationId: r.conversationId,
    direction: r.p.m.direction,
  }));
}

/** Mail without a provider thread id joins the thread of a message it references (In-Reply-To
 *  first, then References newest→oldest) only when that thread is with the same contact
 *  address; else it starts one keyed by its own id. Message-IDs leak and can be guessed, so a
 *  reference alone must not let a stranger write into someone else's conversation. */
async function resolveThreads(q: Query, account: IngestTarget, items: Prepared[]): Promise<void> {
  const keyless = items.filter((p) => !p.threadKey);
  if (!keyless.length) return;
  const refsOf = (m: InboundMessage) =>
    [m.inReplyTo, ...[...(m.references ?? [])].reverse()].filter((x): x is string => Boolean(x));
  const wanted = [...new Set(keyless.flatMap((p) => refsOf(p.m)))];
  const map = new Map<string, { key: string; handle: string | null }>();
  if (wanted.length) {
    const found = await q<{ rfc: string; key: string; handle: string | null }>(Prisma.sql`
      SELECT m."rfc822MessageId" AS rfc, c."threadKey" AS key, c."contactHandle" AS handle FROM "Message" m JOIN "Conversation" c ON c.id = m."conversationId"
      WHERE m."accountId" = ${account.id}::uuid AND m."rfc822MessageId" = ANY(${wanted}::text[])`);
    for (const f of found) map.set(f.rfc, { key: f.key, handle: f.handle });
  }
  for (const p of items) {
    if (!p.threadKey) {
      const ref = refsOf(p.m).find((r) => p.contactHandle && map.get(r)?.handle === p.contactHandle);
      p.threadKey = ref ? map.get(ref)!.key : (p.m.rfc822MessageId ?? p.m.externalId);
    }
    if (p.m.rfc822MessageId && !map.has(p.m.rfc822MessageId))
      map.set(p.m.rfc822MessageId, { key: p.threadKey, handle: p.contactHandle || null });
  }
}

/** Contact per counterpart handle; the unique (userId, kind, handle) index decides races. */
async function upsertContacts(q: Query, account: IngestTarget, items: Prepared[]): Promise<Map<string, string>> {
  const names = new Map<string, string | null>();
  for (const p of items)
    if (p.contactHandle) names.set(p.contactHandle, counterpart(p.m).name ?? names.get(p.contactHandle) ?? null);
  const handles = [...names.keys()];
  const result = new Map<string, string>();
  if (!handles.length) return result;
  const select = async (hs: string[]) => {
    const rows = await q<{ handle: string; contactId: string }>(
      Prisma.sql`SELECT handle, "contactId" FROM "ContactIdentity" WHERE "userId" = ${account.userId}::uuid AND kind = ${account.identityKind} AND handle = ANY(${hs}::text[])`,
    );
    for (const r of rows) result.set(r.handle, r.contactId);
  };
  await select(handles);
  const missing = handles.filter((h) => !result.has(h));
  if (missing.length) {
    const ids = missing.map(() => randomUUID());
    await q(
      Prisma.sql`INSERT INTO "Contact" (id, "userId", name, "createdAt") SELECT t.id, ${account.userId}::uuid, t.name, now() FROM unnest(${ids}::uuid[], ${missing.map((h) => names.get(h) ?? null)}::text[]) AS t(id, name)`,
    );
    const claimed = await q<{ handle: string }>(Prisma.sql`
      INSERT INTO "ContactIdentity" (id, "userId", "contactId", kind, handle, name)
      SELECT gen_random_uuid(), ${account.userId}::uuid, t.cid, ${account.identityKind}, t.handle, t.name
      FROM unnest(${ids}::uuid[], ${missing}::text[], ${missing.map((h) => names.get(h) ?? null)}::text[]) AS t(cid, handle, name)
      ON CONFLICT ("userId", kind, handle) DO NOTHING RETURNING handle`);
    const won = new Set(claimed.map((c) => c.handle));
    missing.forEach((h, i) => {
      if (won.has(h)) result.set(h, ids[i]!);
    });
    const lost = missing.filter((h) => !won.has(h));
    if (lost.length) {
      await q(
        Prisma.sql`DELETE FROM "Contact" WHERE id = ANY(${missing.map((h, i) => (won.has(h) ? "" : ids[i]!)).filter(Boolean)}::uuid[])`,
      );
      await select(lost);
    }
  }
  return result;
}

/** Realtime: one event per new message; a big sync page (a back-fill) sends one summary
 *  instead of a flood. Webhook messages are live traffic: always one event each, published
 *  together (one pipelined round trip to Redis, not one per message). */
async function announce(
  ctx: AppContext,
  account: IngestTarget,
  inserted: StoredMessage[],
  fromSync: boolean,
): Promise<void> {
  if (!inserted.length) return;
  try {
    if (fromSync && inserted.length > 50) {
      await ctx.realtime.publish(account.userId, {
        type: "inbox.synced",
        accountId: account.id,
        inserted: inserted.length,
      });
      return;
    }
    await Promise.all(
      inserted.map((m) =>
        ctx.realtime.publish(account.userId, {
          type: "message.created",
          accountId: account.id,
          conversationId: m.conversationId,
          messageId: m.id,
          direction: m.direction,
          channel: account.channel,
        }),
      ),
    );
  } catch (err) {
    // Stored is what matters; clients catch up on their next list fetch.
    ctx.log.warn({ err: (err as Error).message }, "realtime publish failed");
  }
}
