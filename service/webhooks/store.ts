// The webhook event store: accepted items once per (source, eventId) and the serialised item
// for processing. Rejections are not stored here: they are counted in rejections.ts.
import type { AppContext } from "../context.ts";
import type { InboundMessage } from "../providers/kit/channel.ts";
import { batcherPer, createBatcher } from "../concurrency/batcher.ts";
import type { WebhookItem, WebhookSource } from "../providers/kit/webhook.ts";

/** Stores the items; answers the ids of those seen for the first time (replays drop out here).
 *  Concurrent webhooks share one INSERT (single-flight batching): under load the
 *  acknowledgement path costs one statement per batch, not per request. */
export function storeItems(ctx: AppContext, source: WebhookSource, items: WebhookItem[]): Promise<string[]> {
  if (!items.length) return Promise.resolve([]);
  return storeBatcher(ctx).push({ source, items });
}

interface StoreRequest {
  source: WebhookSource;
  items: WebhookItem[];
}

const storeBatcher = batcherPer((ctx: AppContext) =>
  createBatcher<StoreRequest, string[]>((requests) => insertBatch(ctx, requests)),
);

async function insertBatch(ctx: AppContext, requests: StoreRequest[]): Promise<string[][]> {
  // One JSON document for the whole batch: PostgreSQL parses it once, and the driver sends one
  // string instead of escaping every payload into an array literal (that escaping was the
  // largest cost of this statement on the Node side).
  const rows = withoutNul(
    `[${requests.flatMap((w) => w.items.map((item) => `{"src":${JSON.stringify(w.source)},"eid":${JSON.stringify(item.eventId)},"payload":${serialize(item)}}`)).join(",")}]`,
  );
  // The unique (source, eventId) index drops replays, also two copies inside one batch. A named
  // statement: each pooled connection parses and plans it once, not on every acknowledgement.
  const inserted = (
    await ctx.pg.query<{ id: string; source: string; eventId: string }>({
      name: "webhook-events-insert",
      text: `INSERT INTO "WebhookEvent" (id, source, "eventId", status, "signatureOk", payload, attempts, "receivedAt")
      SELECT gen_random_uuid(), t.src, t.eid, 'received'::"WebhookStatus", true, t.payload, 0, now()
      FROM jsonb_to_recordset($1::jsonb) AS t(src text, eid text, payload jsonb)
      ON CONFLICT (source, "eventId") DO NOTHING
      RETURNING id, source, "eventId"`,
      values: [rows],
    })
  ).rows;
  const ids = new Map(inserted.map((r) => [`${r.source}\u0000${r.eventId}`, r.id]));
  return requests.map((w) => {
    const mine: string[] = [];
    for (const item of w.items) {
      const key = `${w.source}\u0000${item.eventId}`;
      const id = ids.get(key);
      if (id) {
        mine.push(id);
        ids.delete(key);
      } // the first request carrying an event owns it
    }
    return mine;
  });
}

/** PostgreSQL refuses U+0000 in jsonb (and text): one signed message carrying it would fail
 *  the whole shared INSERT, i.e. every webhook acknowledged with it, on every redelivery. It is
 *  stored as U+FFFD instead. Only an escape preceded by an even number of backslashes is one. */
function withoutNul(json: string): string {
  return json.includes("\\u0000") ? json.replace(/(?<=(?:^|[^\\])(?:\\\\)*)\\u0000/g, "\\ufffd") : json;
}

/** The stored JSON (dates as ISO strings). Webhook messages carry no inline bytes (their media
 *  are remoteAttachments, fetched while processing): should one ever hold some, they are dropped
 *  here rather than stored as JSON byte arrays. */
function serialize(item: WebhookItem): string {
  if (!item.message?.attachments.length) return JSON.stringify(item);
  return JSON.stringify({ ...item, message: { ...item.message, attachments: [] } });
}

export function revive(payload: unknown): WebhookItem {
  const item = payload as WebhookItem & { message?: InboundMessage & { sentAt: string | Date } };
  if (item.message) item.message = { ...item.message, sentAt: new Date(item.message.sentAt), attachments: [] };
  if (item.status?.kind === "message") item.status = { ...item.status, at: new Date(item.status.at) };
  if (item.status?.kind === "watermark") item.status = { ...item.status, upTo: new Date(item.status.upTo) };
  return item;
}
