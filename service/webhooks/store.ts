// The webhook event store: accepted items once per (source, eventId), rejections as rows
// without an event id (counted by hypercare), and the serialised item for processing.
import type { AppContext } from "../context.ts";
import type { InboundMessage } from "../channels/types.ts";
import type { Prisma } from "../db/client.ts";
import type { WebhookItem, WebhookSource } from "./types.ts";

export type RejectReason = "signature" | "malformed" | "content_type" | "too_large" | "unreadable";

export async function recordRejected(ctx: AppContext, source: WebhookSource, reason: RejectReason, detail: string): Promise<void> {
  await ctx.db.webhookEvent
    .create({ data: { source, status: "rejected", signatureOk: reason !== "signature", rejectReason: `${reason}: ${detail}`.slice(0, 300) } })
    .catch((err) => ctx.log.warn({ err: (err as Error).message, source }, "could not record a rejected webhook"));
}

/** Stores the items; answers the ids of those seen for the first time (replays drop out here). */
export async function storeItems(ctx: AppContext, source: WebhookSource, items: WebhookItem[]): Promise<string[]> {
  if (!items.length) return [];
  // One set-based statement on the acknowledgement path (measured ~4× cheaper in CPU than the
  // ORM's createManyAndReturn); the unique (source, eventId) index drops replays.
  const rows = await ctx.db.$queryRaw<{ id: string }[]>`
    INSERT INTO "WebhookEvent" (id, source, "eventId", status, "signatureOk", payload, attempts, "receivedAt")
    SELECT gen_random_uuid(), ${source}, t.eid, 'received'::"WebhookStatus", true, t.payload, 0, now()
    FROM unnest(${items.map((i) => i.eventId)}::text[], ${items.map((i) => JSON.stringify(serialize(i)))}::jsonb[]) AS t(eid, payload)
    ON CONFLICT (source, "eventId") DO NOTHING
    RETURNING id`;
  return rows.map((r) => r.id);
}

/** JSON-safe copy (dates as ISO strings; webhook messages carry no inline bytes). */
function serialize(item: WebhookItem): Prisma.InputJsonValue {
  return JSON.parse(JSON.stringify({ ...item, message: item.message ? { ...item.message, attachments: [] } : undefined })) as Prisma.InputJsonValue;
}

export function revive(payload: unknown): WebhookItem {
  const item = payload as WebhookItem & { message?: InboundMessage & { sentAt: string | Date } };
  if (item.message) item.message = { ...item.message, sentAt: new Date(item.message.sentAt), attachments: [] };
  if (item.status?.kind === "message") item.status = { ...item.status, at: new Date(item.status.at) };
  if (item.status?.kind === "watermark") item.status = { ...item.status, upTo: new Date(item.status.upTo) };
  return item;
}
