// Gmail sync: a back-fill of the window (messages.list, newest first, INBOX + SENT) followed
// by incremental sync from a historyId (history.list). Every yielded page carries a cursor
// that is safe to resume from:
//   {phase:"backfill", historyId, after, pageToken?, fetched, max}  — mid back-fill
//   {phase:"incremental", historyId, syncedAt}                      — caught up
// The historyId of a back-fill is taken from users.getProfile *before* listing, so mail
// arriving during the back-fill shows up in history afterwards (overlap is deduped, no gap).
// When Google has expired the stored historyId (history.list 404), the window since the
// last successful sync is walked again instead of failing.
import { z } from "zod";
import { ProviderError } from "../kit/errors.ts";
import type * as channel from "../kit/channel.ts";
import { GmailSession } from "../kit/google/session.ts";
import { toInbound } from "./message.ts";

export interface SyncTuning {
  /** messages.list / history.list page size (Gmail max 500). */
  pageSize: number;
  /** Parallel messages.get calls within a page. */
  concurrency: number;
}

const DAY = 86_400_000;
const DEFAULT_MAX = 5_000;
/** Back-fill search: the window, inbox and sent mail ({…} = any of). */
const windowQuery = (after: number) => `after:${after} {in:inbox in:sent}`;
const SKIP_LABELS = ["SPAM", "TRASH", "DRAFT"];

const Backfill = z.object({
  phase: z.literal("backfill"),
  historyId: z.string().regex(/^\d+$/),
  after: z.number().int(),
  pageToken: z.string().optional(),
  fetched: z.number().int().min(0),
  max: z.number().int().min(1),
});
const Incremental = z.object({
  phase: z.literal("incremental"),
  historyId: z.string().regex(/^\d+$/),
  syncedAt: z.number().optional(),
});
const Cursor = z.discriminatedUnion("phase", [Backfill, Incremental]);
type Backfill = z.infer<typeof Backfill>;
type Incremental = z.infer<typeof Incremental>;

const Profile = z.object({ emailAddress: z.string(), historyId: z.string() });
const ListPage = z.object({
  messages: z.array(z.object({ id: z.string() })).optional(),
  nextPageToken: z.string().optional(),
});
const HistoryPage = z.object({
  history: z
    .array(
      z.object({
        id: z.string(),
        messagesAdded: z
          .array(z.object({ message: z.object({ id: z.string(), labelIds: z.array(z.string()).optional() }) }))
          .optional(),
      }),
    )
    .optional(),
  nextPageToken: z.string().optional(),
  historyId: z.string(),
});

function parse<T>(schema: z.ZodType<T>, data: unknown, what: string): T {
  const r = schema.safeParse(data);
  if (!r.success)
    throw new ProviderError("transient", `Gmail returned an unexpected ${what} response`, {
      code: "GMAIL_BAD_RESPONSE",
    });
  return r.data;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export async function* syncGmail(
  env: channel.ProviderEnv,
  account: channel.ProviderAccount,
  stored: channel.SyncCursor | null,
  opts: channel.SyncOptions,
  tuning: SyncTuning,
): AsyncGenerator<channel.SyncPage> {
  const s = new GmailSession(env, account);
  const log = env.log.child({ provider: "gmail", accountId: account.id });
  const maxBytes = (env.config.env.ATTACHMENT_MAX_MB ?? 25) * 1024 * 1024;
  const windowStart = () => opts.since ?? new Date(Date.now() - (env.config.env.INBOX_BACKFILL_DAYS ?? 30) * DAY);

  let cursor: z.infer<typeof Cursor> | null = null;
  if (stored && !opts.full) {
    const r = Cursor.safeParse(stored);
    if (r.success) cursor = r.data;
    else log.warn("unreadable gmail cursor; starting a fresh back-fill");
  }

  const fetchMessage = async (id: string): Promise<channel.InboundMessage | null> => {
    try {
      const msg = await s.call((g) => g.users.messages.get({ userId: "me", id, format: "full" }));
      if (msg.labelIds?.some((l) => SKIP_LABELS.includes(l))) return null;
      return await toInbound(msg, {
        maxAttachmentBytes: maxBytes,
        fetchAttachment: async (attachmentId) => {
          const part = await s.call((g) =>
            g.users.messages.attachments.get({ userId: "me", messageId: id, id: attachmentId }),
          );
          return Buffer.from(part.data ?? "", "base64url");
        },
        onSkipped: ({ size }) => log.warn({ messageId: id, size }, "gmail attachment over ATTACHMENT_MAX_MB left out"),
      });
    } catch (err) {
      // Deleted between list/history and get: nothing to store.
      if (err instanceof ProviderError && err.status === 404) return null;
      throw err;
    }
  };
  const fetchAll = async (ids: string[]) =>
    (await mapLimit([...new Set(ids)], tuning.concurrency, fetchMessage)).filter(
      (m): m is channel.InboundMessage => m !== null,
    );

  const freshBackfill = async (since: Date, max: number): Promise<Backfill> => {
    const profile = parse(Profile, await s.call((g) => g.users.getProfile({ userId: "me" })), "profile");
    return {
      phase: "backfill",
      historyId: profile.historyId,
      after: Math.floor(since.getTime() / 1000),
      fetched: 0,
      max,
    };
  };

  /** Walks the window page by page; returns the cursor to continue incrementally from. */
  async function* backfill(start: Backfill): AsyncGenerator<channel.SyncPage, Incremental> {
    let state = start;
    let restarted = false;
    while (state.fetched < state.max) {
      let page: z.infer<typeof ListPage>;
      try {
        page = parse(
          ListPage,
          await s.call((g) =>
            g.users.messages.list({
              userId: "me",
              q: windowQuery(state.after),
              maxResults: Math.min(tuning.pageSize, state.max - state.fetched),
              ...(state.pageToken && { pageToken: state.pageToken }),
            }),
          ),
          "messages.list",
        );
      } catch (err) {
        // A stored page token Gmail no longer honours: walk the window again (dedup absorbs it).
        if (state.pageToken && !restarted && err instanceof ProviderError && err.status === 400) {
          log.warn("gmail back-fill page token rejected; restarting the window");
          state = { ...state, pageToken: undefined, fetched: 0 };
          restarted = true;
          continue;
        }
        throw err;
      }
      const ids = (page.messages ?? []).map((m) => m.id);
      const messages = await fetchAll(ids);
      const fetched = state.fetched + ids.length;
      if (!page.nextPageToken || fetched >= state.max) {
        const done: Incremental = { phase: "incremental", historyId: state.historyId, syncedAt: Date.now() };
        yield { messages, cursor: done };
        return done;
      }
      state = { ...state, pageToken: page.nextPageToken, fetched };
      yield { messages, cursor: state };
    }
    const done: Incremental = { phase: "incremental", historyId: state.historyId, syncedAt: Date.now() };
    yield { messages: [], cursor: done };
    return done;
  }

  /** history.list from the cursor; returns false when Google has expired the history id. */
  async function* incremental(start: Incremental): AsyncGenerator<channel.SyncPage, boolean> {
    let pageToken: string | undefined;
    for (;;) {
      let page: z.infer<typeof HistoryPage>;
      try {
        page = parse(
          HistoryPage,
          await s.call((g) =>
            g.users.history.list({
              userId: "me",
              startHistoryId: start.historyId,
              historyTypes: ["messageAdded"],
              maxResults: tuning.pageSize,
              ...(pageToken && { pageToken }),
            }),
          ),
          "history.list",
        );
      } catch (err) {
        if (err instanceof ProviderError && err.status === 404) return false;
        throw err;
      }
      const records = page.history ?? [];
      const ids = records.flatMap((r) =>
        (r.messagesAdded ?? [])
          .filter(({ message }) => {
            const labels = message.labelIds ?? [];
            return (
              (labels.includes("INBOX") || labels.includes("SENT")) && !labels.some((l) => SKIP_LABELS.includes(l))
            );
          })
          .map(({ message }) => message.id),
      );
      const messages = await fetchAll(ids);
      if (page.nextPageToken) {
        // Records are ascending and strictly after startHistoryId: the last one seen is a
        // safe resume point without relying on the page token surviving a crash.
        pageToken = page.nextPageToken;
        yield {
          messages,
          cursor: { phase: "incremental", historyId: records.at(-1)?.id ?? start.historyId, syncedAt: start.syncedAt },
        };
        continue;
      }
      yield { messages, cursor: { phase: "incremental", historyId: page.historyId, syncedAt: Date.now() } };
      return true;
    }
  }

  let from: Incremental;
  if (!cursor) from = yield* backfill(await freshBackfill(windowStart(), opts.maxMessages ?? DEFAULT_MAX));
  else if (cursor.phase === "backfill") from = yield* backfill(cursor);
  else from = cursor;

  if (yield* incremental(from)) return;
  // HISTORY_EXPIRED: re-walk from a day before the last successful sync (or the window).
  log.warn({ code: "HISTORY_EXPIRED" }, "gmail history id expired; re-syncing the window");
  const since = opts.since ?? (from.syncedAt ? new Date(from.syncedAt - DAY) : windowStart());
  const resumed = yield* backfill(await freshBackfill(since, opts.maxMessages ?? DEFAULT_MAX));
  if (!(yield* incremental(resumed)))
    throw new ProviderError("transient", "Gmail history expired again right after a full re-sync", {
      code: "HISTORY_EXPIRED",
    });
}
