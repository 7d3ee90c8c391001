// Delivery/read news for outbound messages. Statuses only move forward
// (pending → sent → failed|delivered → read), so webhooks arriving out of order, or twice,
// end in the right state.
import type { AppContext } from "../context.ts";
import type { StatusUpdate } from "../providers/kit/webhook.ts";

const RANK_SQL = `CASE status WHEN 'pending' THEN 0 WHEN 'sent' THEN 1 WHEN 'failed' THEN 2 WHEN 'delivered' THEN 3 WHEN 'read' THEN 4 ELSE -1 END`;
/** Delivery news is the provider reporting our message back (statuses arrive by webhook). */
const SEEN_BACK_SQL = `"seenBackAt" = COALESCE("seenBackAt", now()), "seenBackVia" = COALESCE("seenBackVia", 'webhook')`;
const RANK: Record<string, number> = { pending: 0, sent: 1, failed: 2, delivered: 3, read: 4 };

export type StatusResult = { applied: number; unknown: boolean };

/** Applies a delivery/read status from a webhook, only ever moving a message's status forward. */
export async function applyStatus(
  ctx: AppContext,
  account: { id: string; userId: string },
  update: StatusUpdate,
): Promise<StatusResult> {
  const rank = RANK[update.status]!;
  let rows: { id: string; conversationId: string }[];
  if (update.kind === "message") {
    rows = await ctx.db.$queryRawUnsafe<{ id: string; conversationId: string }[]>(
      `UPDATE "Message" SET status = $1::"DeliveryStatus", "statusError" = $2, ${SEEN_BACK_SQL}
       WHERE "accountId" = $3::uuid AND "externalId" = $4 AND direction = 'outbound' AND ${RANK_SQL} < $5
       RETURNING id, "conversationId"`,
      update.status,
      update.error ?? null,
      account.id,
      update.externalId,
      rank,
    );
    if (!rows.length) {
      // Not applied: either already at/after this status, or we have not recorded the send yet
      // (the provider's callback beat our own bookkeeping) — then the event is retried later.
      const known = await ctx.db.message.count({ where: { accountId: account.id, externalId: update.externalId } });
      if (!known) return { applied: 0, unknown: true };
    }
  } else {
    // Watermark (Meta): everything we sent to this person up to `upTo` has been read/delivered.
    rows = await ctx.db.$queryRawUnsafe<{ id: string; conversationId: string }[]>(
      `UPDATE "Message" m SET status = $1::"DeliveryStatus", ${SEEN_BACK_SQL}
       FROM "Conversation" c
       WHERE c.id = m."conversationId" AND c."accountId" = $2::uuid AND c."threadKey" = $3
         AND m.direction = 'outbound' AND m."sentAt" <= $4::timestamp(3) AND m."externalId" NOT LIKE 'local:%'
         AND ${RANK_SQL.replace(/status/g, "m.status")} < $5
       RETURNING m.id, m."conversationId"`,
      update.status,
      account.id,
      update.counterpartHandle,
      update.upTo.toISOString(),
      rank,
    );
  }
  for (const r of rows)
    await ctx.realtime
      .publish(account.userId, {
        type: "message.status",
        conversationId: r.conversationId,
        messageId: r.id,
        status: update.status,
        ...(update.kind === "message" && update.error ? { error: update.error } : {}),
      })
      .catch(() => undefined);
  return { applied: rows.length, unknown: false };
}

type MessageStatus = Extract<StatusUpdate, { kind: "message" }>;

/** Per-message statuses of many webhooks at once (a webhook batch): one UPDATE under the same
 *  forward-only rule as applyStatus; of several statuses for one message the furthest wins.
 *  Answers, per item, whether its message is not recorded yet (the event is retried later). */
export async function applyMessageStatuses(
  ctx: AppContext,
  items: { account: { id: string; userId: string }; update: MessageStatus }[],
): Promise<boolean[]> {
  if (!items.length) return [];
  const key = (accountId: string, externalId: string) => `${accountId}\u0000${externalId}`;
  const furthest = new Map<string, (typeof items)[number]>();
  for (const i of items) {
    const k = key(i.account.id, i.update.externalId);
    const seen = furthest.get(k);
    if (!seen || RANK[i.update.status]! > RANK[seen.update.status]!) furthest.set(k, i);
  }
  const v = [...furthest.values()];
  const { rows } = await ctx.pg.query<{ id: string; conversationId: string; accountId: string; externalId: string }>(
    `UPDATE "Message" m SET status = v.status::"DeliveryStatus", "statusError" = v.error, ${SEEN_BACK_SQL}
     FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int[]) AS v(acc, ext, status, error, rank)
     WHERE m."accountId" = v.acc AND m."externalId" = v.ext AND m.direction = 'outbound'
       AND ${RANK_SQL.replace(/status/g, "m.status")} < v.rank
     RETURNING m.id, m."conversationId", m."accountId", m."externalId"`,
    [
      v.map((i) => i.account.id),
      v.map((i) => i.update.externalId),
      v.map((i) => i.update.status),
      v.map((i) => i.update.error ?? null),
      v.map((i) => RANK[i.update.status]!),
    ],
  );
  const applied = new Set(rows.map((r) => key(r.accountId, r.externalId)));
  // Not applied: already at/after this status, or the send is not recorded yet (unknown).
  const rest = v.filter((i) => !applied.has(key(i.account.id, i.update.externalId)));
  const known = new Set<string>();
  if (rest.length) {
    const found = await ctx.pg.query<{ accountId: string; externalId: string }>(
      `SELECT m."accountId", m."externalId" FROM "Message" m
       JOIN unnest($1::uuid[], $2::text[]) AS w(acc, ext) ON m."accountId" = w.acc AND m."externalId" = w.ext`,
      [rest.map((i) => i.account.id), rest.map((i) => i.update.externalId)],
    );
    for (const r of found.rows) known.add(key(r.accountId, r.externalId));
  }
  await Promise.all(
    rows.map((r) => {
      const i = furthest.get(key(r.accountId, r.externalId))!;
      return ctx.realtime
        .publish(i.account.userId, {
          type: "message.status",
          conversationId: r.conversationId,
          messageId: r.id,
          status: i.update.status,
          ...(i.update.error ? { error: i.update.error } : {}),
        })
        .catch(() => undefined);
    }),
  );
  return items.map((i) => {
    const k = key(i.account.id, i.update.externalId);
    return !applied.has(k) && !known.has(k);
  });
}
