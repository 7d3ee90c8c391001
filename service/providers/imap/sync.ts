// IMAP sync over INBOX (inbound) and the \Sent folder (outbound).
//
// Cursor per folder: { path, uidValidity, uidNext, highestModseq?, backfill? }.
// - New mail: UIDs ≥ uidNext, ascending, so after each page uidNext = last UID + 1 is safe.
// - Back-fill (first sync, `full`, or a changed UIDVALIDITY): UIDs SINCE the window, newest
//   first; the cursor remembers the lowest UID done (`below`) and how many may still come,
//   so a crash resumes the back-fill where the last committed page ended.
// Mailboxes are opened read-only (EXAMINE) and bodies fetched with BODY.PEEK: syncing never
// changes \Seen and never deletes, moves or expunges anything.
import type { FetchMessageObject, ImapFlow } from "imapflow";
import { z } from "zod";
import type * as channel from "../kit/channel.ts";
import { classifyYahooError } from "./errors.ts";
import { closeImap, mailFolders, openImap, type Folder } from "./imap.ts";
import { toInboundMessage, uidExternalId } from "./parse.ts";
import { credentialsOf } from "./settings.ts";

export const PAGE_MESSAGES = 50;
/** Keeps a page's bodies in memory bounded (Yahoo allows 25 MB per message). */
const PAGE_BYTES = 30 * 1024 * 1024;
const DEFAULT_WINDOW_DAYS = 30;
/** Per folder, when the caller gives no maxMessages. */
const DEFAULT_MAX_MESSAGES = 500;

const folderStateSchema = z.object({
  path: z.string(),
  uidValidity: z.number(),
  uidNext: z.number().int().min(1),
  /** Recorded for a future flag sync (CONDSTORE); not used to skip work yet. */
  highestModseq: z.string().optional(),
  backfill: z.object({ below: z.number().int(), since: z.iso.datetime(), left: z.number().int() }).optional(),
});
type FolderState = z.infer<typeof folderStateSchema>;

const cursorSchema = z.object({
  v: z.literal(1),
  inbox: folderStateSchema.optional(),
  sent: folderStateSchema.optional(),
});
type Cursor = z.infer<typeof cursorSchema>;

function readCursor(env: channel.ProviderEnv, cursor: channel.SyncCursor | null): Cursor {
  if (!cursor) return { v: 1 };
  const parsed = cursorSchema.safeParse(cursor);
  if (parsed.success) return parsed.data;
  // An unreadable cursor costs one re-walk of the window (dedup makes it harmless), not a stuck account.
  env.log.warn("yahoo sync cursor unreadable; walking the back-fill window again");
  return { v: 1 };
}

export async function* syncYahoo(
  env: channel.ProviderEnv,
  account: channel.ProviderAccount,
  cursor: channel.SyncCursor | null,
  opts: channel.SyncOptions,
): AsyncGenerator<channel.SyncPage> {
  const creds = credentialsOf(account);
  const state = readCursor(env, cursor);
  const client = await openImap(env, creds);
  try {
    const folders = await mailFolders(client);
    for (const folder of [folders.inbox, folders.sent]) {
      if (!folder) continue;
      for await (const next of syncFolder(env, client, folder, state[folder.role], opts)) {
        state[folder.role] = next.state;
        yield { messages: next.messages, cursor: structuredClone(state) };
      }
    }
  } catch (err) {
    throw classifyYahooError(err, "imap");
  } finally {
    await closeImap(client);
  }
}

interface FolderPage {
  messages: channel.InboundMessage[];
  state: FolderState;
}

async function* syncFolder(
  env: channel.ProviderEnv,
  client: ImapFlow,
  folder: Folder,
  prev: FolderState | undefined,
  opts: channel.SyncOptions,
): AsyncGenerator<FolderPage> {
  const lock = await client.getMailboxLock(folder.path, { readOnly: true });
  try {
    const box = client.mailbox;
    if (!box) throw new Error(`mailbox ${folder.path} did not open`);
    const uidValidity = Number(box.uidValidity);
    const uidNext = await uidNextOf(client, box.uidNext);
    const highestModseq = box.highestModseq?.toString();
    const direction = folder.role === "inbox" ? "inbound" : "outbound";
    const fetchPage = (uids: number[]) => fetchMessages(env, client, folder, uidValidity, direction, uids);
    let state: FolderState;
    let yielded = JSON.stringify(prev ?? null);

    if (!prev || opts.full || prev.path !== folder.path || prev.uidValidity !== uidValidity) {
      // UIDs of an old UIDVALIDITY mean nothing now: walk the window again.
      const since = opts.since ?? new Date(Date.now() - DEFAULT_WINDOW_DAYS * 86_400_000);
      state = {
        path: folder.path,
        uidValidity,
        uidNext,
        ...(highestModseq && { highestModseq }),
        backfill: { below: uidNext, since: since.toISOString(), left: opts.maxMessages ?? DEFAULT_MAX_MESSAGES },
      };
    } else {
      state = prev;
      // `N:*` always matches the highest UID even when it is below N, hence the filter.
      const found = (await client.search({ uid: `${prev.uidNext}:*` }, { uid: true })) || [];
      const uids = found.filter((u) => u >= prev.uidNext).sort((a, b) => a - b);
      for (const page of await pages(client, uids)) {
        const messages = await fetchPage(page);
        state = { ...state, uidNext: Math.max(state.uidNext, page[page.length - 1]! + 1) };
        yielded = JSON.stringify(state);
        yield { messages, state };
      }
      state = { ...state, uidNext: Math.max(state.uidNext, uidNext), ...(highestModseq && { highestModseq }) };
    }

    if (state.backfill) {
      const { below, since, left } = state.backfill;
      const found =
        below > 1 && left > 0
          ? (await client.search({ since: new Date(since), uid: `1:${below - 1}` }, { uid: true })) || []
          : [];
      const uids = found
        .filter((u) => u < below)
        .sort((a, b) => b - a)
        .slice(0, left);
      let done = 0;
      for (const page of await pages(client, uids)) {
        const messages = await fetchPage(page);
        done += page.length;
        const rest = uids.length - done;
        const backfill = rest > 0 ? { below: page[page.length - 1]!, since, left: left - done } : undefined;
        state = { ...state, backfill };
        if (!backfill) delete state.backfill;
        yielded = JSON.stringify(state);
        yield { messages, state };
      }
      if (state.backfill) {
        state = { ...state };
        delete state.backfill;
      }
    }
    // Commit the final cursor even when no mail came (first sync of an empty folder, new uidNext).
    if (JSON.stringify(state) !== yielded) yield { messages: [], state };
  } finally {
    lock.release();
  }
}

/** UIDNEXT from SELECT; servers that omit it (RFC 3501 says they should not) get highest UID + 1. */
async function uidNextOf(client: ImapFlow, reported: number | undefined): Promise<number> {
  if (reported && reported > 0) return reported;
  const highest = (await client.search({ uid: "*" }, { uid: true })) || [];
  return Math.max(0, ...highest) + 1;
}

/** Splits UIDs (in the order given) into pages of ≤ PAGE_MESSAGES and ≈ PAGE_BYTES. */
async function pages(client: ImapFlow, uids: number[]): Promise<number[][]> {
  if (uids.length === 0) return [];
  const sizes = new Map<number, number>();
  for (const m of await client.fetchAll(uids.join(","), { uid: true, size: true }, { uid: true }))
    sizes.set(m.uid, m.size ?? 0);
  const out: number[][] = [];
  let page: number[] = [];
  let bytes = 0;
  for (const uid of uids) {
    if (!sizes.has(uid)) continue; // expunged meanwhile
    const size = sizes.get(uid)!;
    if (page.length > 0 && (page.length >= PAGE_MESSAGES || bytes + size > PAGE_BYTES)) {
      out.push(page);
      page = [];
      bytes = 0;
    }
    page.push(uid);
    bytes += size;
  }
  if (page.length > 0) out.push(page);
  return out;
}

async function fetchMessages(
  env: channel.ProviderEnv,
  client: ImapFlow,
  folder: Folder,
  uidValidity: number,
  direction: channel.InboundMessage["direction"],
  uids: number[],
): Promise<channel.InboundMessage[]> {
  // `source` is fetched as BODY.PEEK[] (imapflow), which leaves \Seen alone.
  const fetched = await client.fetchAll(
    uids.join(","),
    { uid: true, flags: true, internalDate: true, source: true },
    { uid: true },
  );
  const byUid = new Map<number, FetchMessageObject>(fetched.map((m) => [m.uid, m]));
  const out: channel.InboundMessage[] = [];
  for (const uid of uids) {
    const m = byUid.get(uid);
    if (!m?.source) continue;
    const meta = {
      folder: folder.path,
      uidValidity,
      uid,
      flags: m.flags,
      internalDate: m.internalDate ? new Date(m.internalDate) : undefined,
      direction,
    };
    try {
      out.push(await toInboundMessage(m.source, meta));
    } catch (err) {
      // A message mailparser cannot read must not stall the account: keep a placeholder.
      env.log.warn({ err: (err as Error).message, uid, folder: folder.path }, "yahoo message could not be parsed");
      out.push({
        externalId: uidExternalId(meta),
        direction,
        from: { handle: "" },
        to: [],
        cc: [],
        subject: "(message could not be read)",
        text: "",
        sentAt: meta.internalDate ?? new Date(),
        seen: m.flags?.has("\\Seen") ?? false,
        attachments: [],
      });
    }
  }
  return out;
}
