// Inbox + Sent Items through Graph delta queries.
//
// Cursor (opaque to everyone else):
//   { v: 1, since?, inbox: {next?|delta?}, sentitems: {next?|delta?}, budget? }
// Each folder holds either the nextLink of a round in progress (a crash resumes at the page
// after the last committed one) or the deltaLink of the last finished round. `since` is the
// back-fill window, reused when Graph forgets a delta token (410 syncStateNotFound): the
// folder's round restarts over that window and dedup by externalId absorbs the overlap.
// `budget` is what is left of opts.maxMessages while a back-fill round is running.
import { z } from "zod";
import type * as channel from "../kit/channel.ts";
import { deltaPages } from "../kit/microsoft/delta.ts";
import { GraphSession } from "../kit/microsoft/graph.ts";
import { graphMessage, MESSAGE_FIELDS, toInbound } from "./messages.ts";

const FOLDERS = [
  { name: "inbox", direction: "inbound" },
  { name: "sentitems", direction: "outbound" },
] as const;
type FolderName = (typeof FOLDERS)[number]["name"];

/** Small pages: each one also downloads its attachments within the worker's time budget. */
export const PAGE_SIZE = 25;

const folderCursor = z.object({ next: z.string().optional(), delta: z.string().optional() });
const cursorSchema = z.object({
  v: z.literal(1),
  since: z.string().optional(),
  inbox: folderCursor,
  sentitems: folderCursor,
  budget: z.number().int().nonnegative().optional(),
});
type Cursor = z.infer<typeof cursorSchema>;

function graphInstant(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function newRound(since: string | undefined, maxMessages: number | undefined): Cursor {
  return {
    v: 1,
    ...(since ? { since } : {}),
    inbox: {},
    sentitems: {},
    ...(maxMessages !== undefined ? { budget: maxMessages } : {}),
  };
}

function initialRequest(session: GraphSession, folder: FolderName, cursor: Cursor) {
  // changeType=created: the inbox only ingests new mail (read flags and edits would be
  // dropped by dedup anyway, after re-downloading their attachments).
  let req = session
    .api(`/me/mailFolders/${folder}/messages/delta`)
    .select(MESSAGE_FIELDS)
    .query({ changeType: "created" })
    .header("Prefer", `odata.maxpagesize=${PAGE_SIZE}`);
  if (cursor.since) req = req.filter(`receivedDateTime ge ${cursor.since}`);
  // With a cap, take the newest mail of the window first.
  if (cursor.budget !== undefined) req = req.orderby("receivedDateTime desc");
  return req;
}

export async function* syncOutlook(
  env: channel.ProviderEnv,
  account: channel.ProviderAccount,
  stored: channel.SyncCursor | null,
  opts: channel.SyncOptions,
): AsyncGenerator<channel.SyncPage> {
  const session = new GraphSession(env, account);
  const previous = stored ? cursorSchema.safeParse(stored) : undefined;
  if (previous && !previous.success)
    env.log.warn({ accountId: account.id }, "outlook: unreadable sync cursor, starting a new round");
  const window = opts.since ? graphInstant(opts.since) : previous?.success ? previous.data.since : undefined;
  let cursor: Cursor = previous?.success && !opts.full ? previous.data : newRound(window, opts.maxMessages);

  for (const { name, direction } of FOLDERS) {
    const pages = deltaPages(session, {
      link: cursor[name].next ?? cursor[name].delta,
      prefer: `odata.maxpagesize=${PAGE_SIZE}`,
      start: () => initialRequest(session, name, cursor),
      restart: (reason) => {
        env.log.warn(
          { accountId: account.id, folder: name, reason },
          "outlook: delta token no longer valid, re-walking the sync window",
        );
        cursor = { ...cursor, [name]: {} };
      },
    });
    for await (const page of pages) {
      // Tombstones (@removed) are ignored: Tatu keeps what it has. Drafts never enter the inbox.
      let live = page.items
        .filter((v) => !(typeof v === "object" && v !== null && "@removed" in v))
        .map((v) => graphMessage.parse(v))
        .filter((m) => m.isDraft !== true);
      let budget = cursor.budget;
      if (budget !== undefined) {
        live = live.slice(0, budget);
        budget -= live.length;
      }
      const messages: channel.InboundMessage[] = [];
      for (const m of live) messages.push(await toInbound(session, env.log, m, direction, account.address));

      cursor = { ...cursor, [name]: page.nextLink ? { next: page.nextLink } : { delta: page.deltaLink }, budget };
      if (cursor.budget === undefined || FOLDERS.every((f) => cursor[f.name].delta)) delete cursor.budget;
      yield { messages, cursor: structuredClone(cursor) };
    }
  }
}
