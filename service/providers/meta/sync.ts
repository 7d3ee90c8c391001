// Catch-up sync through the Conversations API. Meta delivers messages by webhook; this walks
// the conversations updated since the last round (after an outage, or "re-sync since").
//
// Cursor (opaque to everyone else):
//   { v: 1, updatedSince?, skip?, round? }
// `updatedSince` is the newest conversation update seen at the start of the last finished
// round; `skip` the ids already yielded at or after it (Graph times have one-second
// resolution, so the edge is inclusive and these ids stop a re-yield). `round` is a walk in
// progress: the Graph `after` cursor of the next conversations page (never the `paging.next`
// URL, which embeds the access token), so a crash resumes at the page after the last commit.
// Conversations come newest-updated first; the walk stops at the first one older than the window.
// A conversation updated during a walk jumps to the head of the list; settle() re-reads the
// head before the window advances, so such a jump cannot hide its older messages.
import { z } from "zod";
import { ProviderError } from "../kit/errors.ts";
import type * as channel from "../kit/channel.ts";
import { maxAttachmentBytes, type MetaChannel } from "./config.ts";
import { accountCredentials, type MetaCredentials } from "./credentials.ts";
import { downloadAttachment } from "./download.ts";
import { classifyMetaError } from "./errors.ts";
import { GraphClient, nextCursor } from "./graph.ts";

export const CONVERSATIONS_PER_PAGE = 25;
export const MESSAGES_PER_REQUEST = 25;
/** Messages taken from one conversation per round (a years-long thread is not re-walked). */
export const MAX_PER_CONVERSATION = 500;

const paging = z
  .object({ cursors: z.object({ after: z.string().optional() }).partial().optional(), next: z.string().optional() })
  .optional();
const person = z.object({ id: z.string().min(1), name: z.string().optional(), username: z.string().optional() });
const attachment = z.object({
  id: z.string().optional(),
  mime_type: z.string().optional(),
  name: z.string().optional(),
  image_data: z.object({ url: z.string().optional() }).optional(),
  video_data: z.object({ url: z.string().optional() }).optional(),
  file_url: z.string().optional(),
});
const graphMessage = z.object({
  id: z.string().min(1),
  message: z.string().optional(),
  from: person,
  to: z.object({ data: z.array(person) }).optional(),
  created_time: z.string(),
  attachments: z.object({ data: z.array(attachment) }).optional(),
});
type GraphMessage = z.infer<typeof graphMessage>;
const messagesPage = z.object({ data: z.array(graphMessage), paging });
const conversationsPage = z.object({
  data: z.array(z.object({ id: z.string().min(1), updated_time: z.string(), messages: messagesPage.optional() })),
  paging,
});

const cursorSchema = z.object({
  v: z.literal(1),
  updatedSince: z.string().optional(),
  skip: z.array(z.string()).optional(),
  round: z
    .object({
      startedAt: z.string(),
      after: z.string().optional(),
      /** updated_time of the newest conversation when the round began, and the conversations at it. */
      top: z.string().optional(),
      topIds: z.array(z.string()),
      /** Ids (yielded this round or before) created at or after `top`: the next round's `skip`. */
      edge: z.array(z.string()),
      /** What is left of opts.maxMessages (back-fills only; catch-ups walk the whole window). */
      budget: z.number().int().nonnegative().optional(),
    })
    .optional(),
});
type Cursor = z.infer<typeof cursorSchema>;
type Round = NonNullable<Cursor["round"]>;
type ConversationsPage = z.infer<typeof conversationsPage>;

const MESSAGE_FIELDS = "id,message,from,to,created_time,attachments{id,mime_type,name,image_data,video_data,file_url}";
/** Attempts to settle conversations that changed during a walk before keeping the old window. */
const SETTLE_ATTEMPTS = 3;

/** Graph writes "2024-03-05T10:00:00+0000"; Date.parse wants "+00:00". */
export function graphTime(s: string): Date {
  const d = new Date(s.replace(/([+-]\d{2})(\d{2})$/, "$1:$2"));
  if (Number.isNaN(d.getTime()))
    throw new ProviderError("permanent", "Meta sent an unreadable time.", { code: "META_UNEXPECTED_RESPONSE" });
  return d;
}

function newRound(opts: channel.SyncOptions): Round {
  return {
    startedAt: new Date().toISOString(),
    topIds: [],
    edge: [],
    ...(opts.maxMessages !== undefined ? { budget: opts.maxMessages } : {}),
  };
}

function windowOf(c: Cursor): Cursor {
  return {
    v: 1,
    ...(c.updatedSince ? { updatedSince: c.updatedSince } : {}),
    ...(c.skip?.length ? { skip: c.skip } : {}),
  };
}

class Walk {
  readonly platform: "messenger" | "instagram";
  readonly graph: GraphClient;
  constructor(
    readonly env: channel.ProviderEnv,
    channel: MetaChannel,
    readonly account: channel.ProviderAccount,
    readonly creds: MetaCredentials,
    readonly since: Date | undefined,
    readonly skip: Set<string>,
  ) {
    this.platform = channel === "facebook" ? "messenger" : "instagram";
    this.graph = new GraphClient(env);
  }

  conversations(after?: string): Promise<ConversationsPage> {
    return this.graph
      .call(`${this.creds.pageId}/conversations`, {
        token: this.creds.pageAccessToken,
        query: {
          platform: this.platform,
          limit: CONVERSATIONS_PER_PAGE,
          after,
          fields: `id,updated_time,messages.limit(${MESSAGES_PER_REQUEST}){${MESSAGE_FIELDS}}`,
        },
      })
      .then((raw) => conversationsPage.parse(raw));
  }

  /** The conversation's messages inside the window, newest first, following its own paging. */
  async messages(conversation: ConversationsPage["data"][number], round: Round): Promise<channel.InboundMessage[]> {
    const { graph, creds, since } = this;
    const out: channel.InboundMessage[] = [];
    const fetchPage = (after?: string) =>
      graph
        .call(`${conversation.id}/messages`, {
          token: creds.pageAccessToken,
          query: { fields: MESSAGE_FIELDS, limit: MESSAGES_PER_REQUEST, after },
        })
        .then((r) => messagesPage.parse(r));
    let page = conversation.messages ?? (await fetchPage());
    let taken = 0;
    for (;;) {
      for (const m of page.data) {
        if (since && graphTime(m.created_time) < since) return out;
        if (round.budget === 0 || taken >= MAX_PER_CONVERSATION) return out;
        taken++;
        // Already yielded or yielded now, at or after the new window start: skipped next round.
        if (round.top && graphTime(m.created_time) >= graphTime(round.top)) round.edge.push(m.id);
        if (this.skip.has(m.id)) continue;
        out.push(await toInbound(this.env, this.account, creds.ownId, m));
        if (round.budget !== undefined) round.budget--;
      }
      const after = nextCursor(page.paging);
      if (!after) return out;
      page = await fetchPage(after);
    }
  }
}

export async function* syncMeta(
  env: channel.ProviderEnv,
  channel: MetaChannel,
  account: channel.ProviderAccount,
  stored: channel.SyncCursor | null,
  opts: channel.SyncOptions,
): AsyncGenerator<channel.SyncPage> {
  const creds = accountCredentials(channel, account);
  const previous = stored ? cursorSchema.safeParse(stored) : undefined;
  if (previous && !previous.success)
    env.log.warn({ accountId: account.id }, "meta: unreadable sync cursor, starting a new round");
  const prev = previous?.success ? previous.data : undefined;
  // A first sync or "re-sync since" walks opts.since; otherwise the stored window (and round).
  const cursor: Cursor =
    prev && !opts.full
      ? prev
      : opts.since
        ? { v: 1, updatedSince: opts.since.toISOString() }
        : prev
          ? windowOf(prev)
          : { v: 1 };
  let round: Round = cursor.round ?? newRound(opts);
  const walk = new Walk(
    env,
    channel,
    account,
    creds,
    cursor.updatedSince ? new Date(cursor.updatedSince) : undefined,
    new Set(cursor.skip ?? []),
  );
  let restarted = false;

  for (;;) {
    let page: ConversationsPage;
    try {
      page = await walk.conversations(round.after);
    } catch (err) {
      const e = classifyMetaError(err);
      // A Graph cursor from an earlier run may have expired: walk the window again (dedup absorbs it).
      if (round.after && !restarted && e.errorClass === "permanent") {
        restarted = true;
        env.log.warn(
          { accountId: account.id, code: e.code },
          "meta: conversations cursor no longer valid, re-walking the window",
        );
        round = newRound(opts);
        continue;
      }
      throw e;
    }
    if (!round.top && page.data[0]) round.top = page.data[0].updated_time;

    const messages: channel.InboundMessage[] = [];
    let reachedOlder = false;
    for (const conv of page.data) {
      if (round.budget === 0) break;
      if (walk.since && graphTime(conv.updated_time) < walk.since) {
        reachedOlder = true;
        break;
      }
      if (round.top && graphTime(conv.updated_time) >= graphTime(round.top)) round.topIds.push(conv.id);
      messages.push(...(await walk.messages(conv, round)));
    }

    const after = nextCursor(page.paging);
    if (after && !reachedOlder && round.budget !== 0) {
      round = { ...round, after };
      yield { messages, cursor: { ...cursor, round: structuredClone(round) } };
      continue;
    }
    const next = await settle(walk, cursor, round, messages);
    yield { messages, cursor: next };
    return;
  }
}

/** Closes a round. A conversation that changed while we walked jumps to the head of the list,
 *  possibly from the part not yet read to the part already read: re-read the head and take
 *  those conversations' window now, so the window can advance past them. If the head keeps
 *  moving, keep the old window (the next round walks it again; dedup absorbs the overlap). */
async function settle(walk: Walk, cursor: Cursor, round: Round, messages: channel.InboundMessage[]): Promise<Cursor> {
  if (!round.top) return { ...windowOf(cursor), updatedSince: cursor.updatedSince ?? round.startedAt };
  const advance = (top: string): Cursor => ({
    v: 1,
    updatedSince: graphTime(top).toISOString(),
    ...(round.edge.length ? { skip: [...new Set(round.edge)] } : {}),
  });
  // A capped back-fill already gave up the older part of the window.
  if (round.budget === 0) return advance(round.top);
  for (let attempt = 0; attempt < SETTLE_ATTEMPTS; attempt++) {
    const head = await walk.conversations();
    const top = graphTime(round.top);
    const seen = new Set(round.topIds);
    const moved = head.data.filter(
      (c) =>
        graphTime(c.updated_time) > top || (graphTime(c.updated_time).getTime() === top.getTime() && !seen.has(c.id)),
    );
    if (!moved.length) return advance(round.top);
    if (moved.length === head.data.length && nextCursor(head.paging)) break;
    for (const conv of moved) messages.push(...(await walk.messages(conv, round)));
    round.top = head.data[0]!.updated_time;
    round.topIds = head.data.filter((c) => c.updated_time === round.top).map((c) => c.id);
  }
  walk.env.log.info(
    { accountId: walk.account.id },
    "meta: conversations kept changing during sync; the next round re-walks the window",
  );
  return windowOf(cursor);
}
function address(p: z.infer<typeof person>): channel.Address {
  const name = p.name ?? p.username;
  return { handle: p.id, ...(name ? { name } : {}) };
}

async function toInbound(
  env: channel.ProviderEnv,
  account: channel.ProviderAccount,
  ownId: string,
  m: GraphMessage,
): Promise<channel.InboundMessage> {
  const outbound = m.from.id === ownId;
  const recipients = (m.to?.data ?? []).map(address);
  const counterpart = outbound ? (recipients.find((r) => r.handle !== ownId) ?? recipients[0]) : address(m.from);
  if (!counterpart)
    throw new ProviderError("permanent", "Meta sent a message without a recipient.", {
      code: "META_UNEXPECTED_RESPONSE",
    });
  const attachments: channel.InboundAttachment[] = [];
  for (const a of m.attachments?.data ?? []) {
    const url = a.image_data?.url ?? a.video_data?.url ?? a.file_url;
    if (!url) continue;
    try {
      const got = await downloadAttachment(env, url, maxAttachmentBytes(env), {
        filename: a.name,
        contentType: a.mime_type,
      });
      attachments.push({ filename: got.filename, contentType: a.mime_type ?? got.contentType, content: got.content });
    } catch (err) {
      const e = classifyMetaError(err);
      if (e.errorClass !== "permanent") throw e;
      env.log.warn({ accountId: account.id, code: e.code }, "meta: attachment not stored");
    }
  }
  return {
    externalId: m.id,
    threadKey: counterpart.handle,
    direction: outbound ? "outbound" : "inbound",
    from: outbound ? address(m.from) : counterpart,
    to: outbound ? [counterpart] : [{ handle: ownId }],
    cc: [],
    text: m.message ?? "",
    sentAt: graphTime(m.created_time),
    seen: outbound,
    attachments,
  };
}
