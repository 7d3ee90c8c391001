// GET /2/dm_events: the query Tatu sends, the response shape it relies on, and the mapping of
// one MessageCreate event to an InboundMessage.
import { z } from "zod";
import type { Logger } from "../../observability/logger.ts";
import type { Address, InboundAttachment, InboundMessage, ProviderEnv } from "../kit/channel.ts";
import type { TwitterCredentials } from "./client.ts";
import { downloadMedia } from "./media.ts";

/** X's maximum page size: every page costs one request of a small 15-minute budget. */
export const PAGE_SIZE = 100;

export const DM_EVENTS_QUERY = {
  "dm_event.fields": "id,text,event_type,created_at,sender_id,dm_conversation_id,attachments,participant_ids",
  expansions: "sender_id,attachments.media_keys",
  "user.fields": "name,username",
  "media.fields": "url,type",
  max_results: PAGE_SIZE,
} as const;

const snowflake = z.string().regex(/^\d+$/);

const dmEvent = z.object({
  id: snowflake,
  event_type: z.string(),
  text: z.string().optional(),
  created_at: z.string().optional(),
  sender_id: snowflake.optional(),
  dm_conversation_id: z.string().optional(),
  participant_ids: z.array(snowflake).optional(),
  attachments: z.object({ media_keys: z.array(z.string()).optional() }).optional(),
});
export type DmEvent = z.infer<typeof dmEvent>;

const user = z.object({ id: snowflake, name: z.string().optional(), username: z.string().optional() });
const media = z.object({ media_key: z.string(), type: z.string(), url: z.string().optional() });

export const dmEventsPage = z.object({
  data: z.array(dmEvent).optional(),
  includes: z.object({ users: z.array(user).optional(), media: z.array(media).optional() }).optional(),
  meta: z.object({ result_count: z.number().optional(), next_token: z.string().optional() }).optional(),
});
export type DmEventsPage = z.infer<typeof dmEventsPage>;

/** Ids are snowflakes: numeric strings, larger = newer. */
export function compareIds(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export const newerId = (a: string | undefined, b: string | undefined) =>
  a === undefined ? b : b === undefined ? a : compareIds(a, b) >= 0 ? a : b;

/** A snowflake's own timestamp (ms since X's epoch in the top bits): the fallback send time. */
export function snowflakeTime(id: string): Date {
  return new Date(Number((BigInt(id) >> 22n) + 1288834974657n));
}

export function eventTime(e: DmEvent): Date {
  const t = e.created_at ? Date.parse(e.created_at) : NaN;
  return Number.isNaN(t) ? snowflakeTime(e.id) : new Date(t);
}

export interface PageContext {
  env: ProviderEnv;
  log: Logger;
  creds: TwitterCredentials;
  users: Map<string, z.infer<typeof user>>;
  media: Map<string, z.infer<typeof media>>;
  maxAttachmentBytes: number;
}

export function pageContext(env: ProviderEnv, creds: TwitterCredentials, page: DmEventsPage): PageContext {
  return {
    env,
    log: env.log,
    creds,
    users: new Map((page.includes?.users ?? []).map((u) => [u.id, u])),
    media: new Map((page.includes?.media ?? []).map((m) => [m.media_key, m])),
    maxAttachmentBytes: (env.config.env.ATTACHMENT_MAX_MB ?? 25) * 1024 * 1024,
  };
}

function address(ctx: PageContext, id: string): Address {
  const u = ctx.users.get(id);
  const name = u?.name && u.username ? `${u.name} (@${u.username})` : u?.username ? `@${u.username}` : u?.name;
  return name ? { handle: id, name } : { handle: id };
}

/** The people in the conversation: participant_ids when X sends them, else the 1-1 id "a-b". */
function participants(e: DmEvent, selfId: string): string[] {
  if (e.participant_ids?.length) return e.participant_ids;
  const pair = e.dm_conversation_id?.match(/^(\d+)-(\d+)$/);
  if (pair) return [pair[1]!, pair[2]!];
  return [selfId, ...(e.sender_id ? [e.sender_id] : [])];
}

async function attachments(ctx: PageContext, e: DmEvent): Promise<InboundAttachment[]> {
  const out: InboundAttachment[] = [];
  for (const key of e.attachments?.media_keys ?? []) {
    const m = ctx.media.get(key);
    // Only photos have a downloadable url; videos/GIFs would need the variants API.
    if (!m || m.type !== "photo" || !m.url) {
      ctx.log.info(
        { eventId: e.id, mediaType: m?.type ?? "unknown" },
        "twitter: DM media without a photo url left out",
      );
      continue;
    }
    const got = await downloadMedia(ctx.env, ctx.creds, m.url, ctx.maxAttachmentBytes);
    if (!got.ok) {
      ctx.log.warn({ eventId: e.id, reason: got.reason }, "twitter: DM photo not downloaded");
      continue;
    }
    const filename = decodeURIComponent(new URL(m.url).pathname.split("/").pop() || "") || `${key}.jpg`;
    out.push({ filename, contentType: got.contentType, content: got.content });
  }
  return out;
}

/** A MessageCreate event as the inbox sees it (undefined when it lacks what threading needs). */
export async function toInbound(ctx: PageContext, e: DmEvent): Promise<InboundMessage | undefined> {
  const selfId = ctx.creds.userId;
  if (!e.sender_id || !e.dm_conversation_id) {
    ctx.log.warn({ eventId: e.id }, "twitter: DM event without sender or conversation skipped");
    return undefined;
  }
  const self: Address = { handle: selfId, name: `@${ctx.creds.screenName}` };
  const outbound = e.sender_id === selfId;
  const others = participants(e, selfId).filter((id) => id !== selfId);
  return {
    externalId: e.id,
    threadKey: e.dm_conversation_id,
    direction: outbound ? "outbound" : "inbound",
    from: outbound ? self : address(ctx, e.sender_id),
    to: outbound ? others.map((id) => address(ctx, id)) : [self],
    cc: [],
    text: e.text ?? "",
    sentAt: eventTime(e),
    seen: outbound,
    attachments: await attachments(ctx, e),
  };
}
