// The user-context API of the X stand-in (OAuth 1.0a access tokens):
//   GET  /2/users/me
//   GET  /2/dm_events                                   newest first, max_results, pagination_token
//   POST /2/dm_conversations/:dm_conversation_id/messages
//   POST /2/dm_conversations/with/:participant_id/messages
//   POST /1.1/oauth/invalidate_token
//   GET  /1.1/ton/data/dm/:event/:media/:name           DM photos (signed like any call, as ton.twitter.com)
import { type RateLimits, type Req, type Res, sendInvalidRequest, sendJson, sendProblem, sendV1Error } from "./http.ts";
import type { OAuth1Verifier } from "./oauth1.ts";
import type { DmEvent, TwitterState } from "./state.ts";

export interface ApiContext {
  state: TwitterState;
  verifier: OAuth1Verifier;
  limits: RateLimits;
  consumerKey: string;
  consumerSecret: string;
  base: string;
}

export type Endpoint =
  | "GET /2/users/me"
  | "GET /2/dm_events"
  | "POST /2/dm_conversations/:dm_conversation_id/messages"
  | "POST /2/dm_conversations/with/:participant_id/messages"
  | "POST /1.1/oauth/invalidate_token";

interface Route {
  endpoint: Endpoint | "media";
  params: string[];
}

export function matchRoute(method: string, path: string): Route | undefined {
  let m: RegExpMatchArray | null;
  if (method === "GET" && path === "/2/users/me") return { endpoint: "GET /2/users/me", params: [] };
  if (method === "GET" && path === "/2/dm_events") return { endpoint: "GET /2/dm_events", params: [] };
  if (method === "POST" && (m = path.match(/^\/2\/dm_conversations\/with\/([^/]+)\/messages$/)))
    return { endpoint: "POST /2/dm_conversations/with/:participant_id/messages", params: [decodeURIComponent(m[1]!)] };
  if (method === "POST" && (m = path.match(/^\/2\/dm_conversations\/([^/]+)\/messages$/)))
    return { endpoint: "POST /2/dm_conversations/:dm_conversation_id/messages", params: [decodeURIComponent(m[1]!)] };
  if (method === "POST" && (path === "/1.1/oauth/invalidate_token" || path === "/1.1/oauth/invalidate_token.json"))
    return { endpoint: "POST /1.1/oauth/invalidate_token", params: [] };
  if (method === "GET" && (m = path.match(/^\/1\.1\/ton\/data\/dm\/(\d+)\/(\d+)\/([^/]+)$/)))
    return { endpoint: "media", params: [m[1]!, m[2]!, decodeURIComponent(m[3]!)] };
  return undefined;
}

export async function handleApi(
  ctx: ApiContext,
  route: Route,
  req: Req,
  res: Res,
  url: URL,
  body: Buffer,
): Promise<void> {
  const v = ctx.verifier.verify(req, url, body, {
    consumer: (k) => (k === ctx.consumerKey ? ctx.consumerSecret : undefined),
    token: (t) => ctx.state.accessTokens.get(t)?.secret,
  });
  if (!v.ok || !v.request.token) {
    if (route.endpoint === "POST /1.1/oauth/invalidate_token")
      return sendV1Error(res, 401, 89, "Invalid or expired token.");
    return sendProblem(res, 401);
  }
  const token = v.request.token;
  const userId = ctx.state.accessTokens.get(token)!.userId;
  if (route.endpoint === "media") return media(ctx, res, userId, route.params);

  const window = ctx.limits.take(route.endpoint, userId);
  if (!window.ok) return sendProblem(res, 429, window.headers);
  const h = window.headers;
  switch (route.endpoint) {
    case "GET /2/users/me": {
      const u = ctx.state.mustUser(userId);
      return sendJson(res, 200, { data: { id: u.id, name: u.name, username: u.username } }, h);
    }
    case "GET /2/dm_events":
      return dmEvents(ctx, res, url, userId, h);
    case "POST /2/dm_conversations/:dm_conversation_id/messages":
      return sendDm(ctx, res, userId, body, h, { conversationId: route.params[0]! });
    case "POST /2/dm_conversations/with/:participant_id/messages":
      return sendDm(ctx, res, userId, body, h, { participantId: route.params[0]! });
    case "POST /1.1/oauth/invalidate_token":
      ctx.state.accessTokens.delete(token);
      return sendJson(res, 200, { access_token: token }, h);
  }
}

const EVENT_FIELDS = new Set([
  "id",
  "text",
  "event_type",
  "created_at",
  "dm_conversation_id",
  "sender_id",
  "participant_ids",
  "referenced_tweets",
  "attachments",
]);
const EXPANSIONS = new Set(["attachments.media_keys", "referenced_tweets.id", "sender_id", "participant_ids"]);
const USER_FIELDS = new Set([
  "id",
  "name",
  "username",
  "created_at",
  "description",
  "profile_image_url",
  "protected",
  "verified",
  "location",
  "url",
]);
const MEDIA_FIELDS = new Set([
  "media_key",
  "type",
  "url",
  "duration_ms",
  "height",
  "width",
  "preview_image_url",
  "alt_text",
  "public_metrics",
  "variants",
]);

function listParam(
  res: Res,
  url: URL,
  name: string,
  allowed: Set<string>,
  h: Record<string, string>,
): string[] | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null) return [];
  const items = raw.split(",").filter(Boolean);
  const bad = items.find((i) => !allowed.has(i));
  if (bad !== undefined) {
    sendInvalidRequest(
      res,
      name,
      bad,
      `The \`${name}\` query parameter value [${bad}] is not one of [${[...allowed].join(",")}]`,
      h,
    );
    return undefined;
  }
  return items;
}

/** Opaque, like X's: encodes where the next page starts and which generation issued it. */
function encodeToken(gen: number, beforeId: string): string {
  return Buffer.from(`${gen}:${beforeId}`).toString("base64url");
}
function decodeToken(token: string, gen: number): string | undefined {
  const m = Buffer.from(token, "base64url")
    .toString("utf8")
    .match(/^(\d+):(\d+)$/);
  return m && Number(m[1]) === gen ? m[2] : undefined;
}

function dmEvents(ctx: ApiContext, res: Res, url: URL, userId: string, h: Record<string, string>): void {
  const fields = listParam(res, url, "dm_event.fields", EVENT_FIELDS, h);
  if (!fields) return;
  const expansions = listParam(res, url, "expansions", EXPANSIONS, h);
  if (!expansions) return;
  const userFields = listParam(res, url, "user.fields", USER_FIELDS, h);
  if (!userFields) return;
  const mediaFields = listParam(res, url, "media.fields", MEDIA_FIELDS, h);
  if (!mediaFields) return;
  const maxRaw = url.searchParams.get("max_results");
  const max = maxRaw === null ? 100 : Number(maxRaw);
  if (!Number.isInteger(max) || max < 1 || max > 100)
    return sendInvalidRequest(
      res,
      "max_results",
      maxRaw ?? "",
      `The \`max_results\` query parameter value [${maxRaw}] is not between 1 and 100`,
      h,
    );
  const types = url.searchParams.get("event_types");
  if (types && !types.split(",").includes("MessageCreate")) return sendJson(res, 200, { meta: { result_count: 0 } }, h); // only MessageCreate events exist here
  const token = url.searchParams.get("pagination_token");
  let before: bigint | undefined;
  if (token !== null) {
    const id = decodeToken(token, ctx.state.paginationGeneration);
    if (!id)
      return sendInvalidRequest(
        res,
        "pagination_token",
        token,
        `The \`pagination_token\` query parameter value [${token}] is not valid`,
        h,
      );
    before = BigInt(id);
  }

  const all = ctx.state.eventsOf(userId).filter((e) => before === undefined || BigInt(e.id) < before);
  const pageEvents = all.slice(0, max);
  if (!pageEvents.length) return sendJson(res, 200, { meta: { result_count: 0 } }, h);

  const data = pageEvents.map((e) => renderEvent(e, new Set(fields)));
  const includes: Record<string, unknown[]> = {};
  if (expansions.includes("sender_id")) {
    const ids = [...new Set(pageEvents.map((e) => e.senderId))];
    includes.users = ids
      .map((id) => ctx.state.users.get(id))
      .filter((u) => u !== undefined)
      .map((u) => {
        const out: Record<string, unknown> = { id: u.id, name: u.name, username: u.username };
        if (userFields.includes("protected")) out.protected = false;
        return out;
      });
  }
  if (expansions.includes("attachments.media_keys")) {
    const media = pageEvents
      .flatMap((e) => e.mediaKeys)
      .map((k) => ctx.state.media.get(k))
      .filter((m) => m !== undefined);
    if (media.length)
      includes.media = media.map((m) => {
        const out: Record<string, unknown> = { media_key: m.mediaKey, type: m.type };
        if (mediaFields.includes("url") && m.type === "photo")
          out.url = mediaUrl(ctx.base, m.eventId, m.mediaKey, m.filename);
        return out;
      });
  }
  const last = pageEvents[pageEvents.length - 1]!;
  const meta: Record<string, unknown> = { result_count: pageEvents.length };
  if (all.length > pageEvents.length) meta.next_token = encodeToken(ctx.state.paginationGeneration, last.id);
  sendJson(res, 200, { data, ...(Object.keys(includes).length ? { includes } : {}), meta }, h);
}

export function mediaUrl(base: string, eventId: string, mediaKey: string, filename: string): string {
  return `${base}/1.1/ton/data/dm/${eventId}/${mediaKey.split("_")[1]}/${encodeURIComponent(filename)}`;
}

/** Default event fields are id, event_type and text; the rest only when asked for. */
function renderEvent(e: DmEvent, fields: Set<string>): Record<string, unknown> {
  const out: Record<string, unknown> = { id: e.id, event_type: "MessageCreate", text: e.text };
  if (fields.has("created_at")) out.created_at = e.createdAt.toISOString();
  if (fields.has("sender_id")) out.sender_id = e.senderId;
  if (fields.has("dm_conversation_id")) out.dm_conversation_id = e.conversationId;
  if (fields.has("attachments") && e.mediaKeys.length) out.attachments = { media_keys: [...e.mediaKeys] };
  return out;
}

function media(ctx: ApiContext, res: Res, userId: string, [eventId, mediaId]: string[]): void {
  const event = ctx.state.events.find((e) => e.id === eventId);
  const m = event?.mediaKeys.map((k) => ctx.state.media.get(k)).find((x) => x?.mediaKey.endsWith(`_${mediaId}`));
  if (!event || !m) return sendProblem(res, 404);
  if (!event.participantIds.includes(userId)) return sendProblem(res, 403);
  res.writeHead(200, { "Content-Type": m.contentType, "Content-Length": m.content.length });
  res.end(m.content);
}

function sendDm(
  ctx: ApiContext,
  res: Res,
  userId: string,
  body: Buffer,
  h: Record<string, string>,
  target: { conversationId: string } | { participantId: string },
): void {
  let json: { text?: unknown; attachments?: unknown };
  try {
    json = JSON.parse(body.toString("utf8") || "{}") as typeof json;
  } catch {
    return sendProblem(res, 400, h, { detail: "Request body is not valid JSON." });
  }
  const text = typeof json.text === "string" ? json.text : undefined;
  if (Array.isArray(json.attachments) && json.attachments.length)
    return sendInvalidRequest(
      res,
      "attachments",
      JSON.stringify(json.attachments),
      "The media_id is not valid (the stand-in has no media upload)",
      h,
    );
  if (!text)
    return sendInvalidRequest(res, "text", "", "The `text` field is required when no attachments are given", h);

  let participants: string[];
  if ("participantId" in target) {
    participants = [userId, target.participantId];
  } else {
    const m = target.conversationId.match(/^(\d+)-(\d+)$/);
    if (!m) return sendProblem(res, 404, h, { detail: "Could not find the conversation." });
    participants = [m[1]!, m[2]!];
  }
  if (!participants.includes(userId)) return sendProblem(res, 403, h);
  const others = participants.filter((p) => p !== userId);
  const other = others[0] ? ctx.state.users.get(others[0]) : undefined;
  if (!other) return sendProblem(res, 404, h, { detail: "Could not find the recipient." });
  // The recipient only takes DMs from people they follow (or has DMs off).
  if (!other.dmsOpen) return sendProblem(res, 403, h);

  const at = new Date();
  const conversationId = ctx.state.conversationId(userId, other.id);
  const event = ctx.state.addEvent({
    id: ctx.state.snowflake(at),
    conversationId,
    senderId: userId,
    participantIds: [userId, other.id],
    text,
    createdAt: at,
    mediaKeys: [],
  });
  const list = ctx.state.sent.get(userId) ?? [];
  list.push({ eventId: event.id, conversationId, senderId: userId, recipientIds: [other.id], text, at });
  ctx.state.sent.set(userId, list);
  sendJson(res, 201, { data: { dm_conversation_id: conversationId, dm_event_id: event.id } }, h);
}
