// Polls GET /2/dm_events (X offers no DM webhooks below the enterprise tier).
//
// The endpoint only walks newest → oldest, so the cursor has two parts:
//   newest  the newest event id of the last *finished* walk: a walk stops at it;
//   walk    a walk in progress: its top (newest id it saw), the pagination_token of the
//           next, older page, and its own stop rules (boundary id, back-fill since, budget).
// While a walk runs, the committed `newest` stays the old one: a crash or an early stop
// (rate-limit window used up) resumes at the next older page, and only a finished walk
// promotes its top to `newest`. Promoting it earlier would skip the older pages not yet read.
// Messages arriving meanwhile are newer than the walk's top and found by the next walk.
// A pagination token X no longer accepts restarts the walk from the newest page with the same
// stop rules (dedup by externalId absorbs the overlap).
import { z } from "zod";
import type {
  ProviderAccount,
  ProviderEnv,
  SyncCursor,
  SyncOptions,
  SyncPage,
  InboundMessage,
} from "../kit/channel.ts";
import { accountClient } from "./client.ts";
import { classifyTwitterError } from "./errors.ts";
import { compareIds, DM_EVENTS_QUERY, dmEventsPage, eventTime, newerId, pageContext, toInbound } from "./events.ts";

const id = z.string().regex(/^\d+$/);
const walkSchema = z.object({
  top: id.optional(),
  token: z.string().min(1).optional(),
  boundary: id.optional(),
  since: z.string().optional(),
  budget: z.number().int().nonnegative().optional(),
});
const cursorSchema = z.object({
  v: z.literal(1),
  newest: id.optional(),
  /** The back-fill window, reused when a first sync found nothing to anchor on. */
  since: z.string().optional(),
  walk: walkSchema.optional(),
});
type Cursor = z.infer<typeof cursorSchema>;
type Walk = z.infer<typeof walkSchema>;

function strip<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export async function* syncTwitter(
  env: ProviderEnv,
  account: ProviderAccount,
  stored: SyncCursor | null,
  opts: SyncOptions,
): AsyncGenerator<SyncPage> {
  const { client, creds } = accountClient(env, account);
  const previous = stored ? cursorSchema.safeParse(stored) : undefined;
  if (previous && !previous.success)
    env.log.warn({ accountId: account.id }, "twitter: unreadable sync cursor, back-filling again");
  const committed: Cursor = previous?.success ? previous.data : { v: 1 };
  const since = opts.since?.toISOString() ?? committed.since;

  let walk: Walk;
  if (committed.walk && !opts.full) walk = { ...committed.walk };
  else if (opts.full || committed.newest === undefined) walk = strip({ since, budget: opts.maxMessages });
  else walk = { boundary: committed.newest };

  let restarted = false;
  for (;;) {
    let res;
    try {
      res = await client.v2.get(
        "dm_events",
        { ...DM_EVENTS_QUERY, ...(walk.token ? { pagination_token: walk.token } : {}) },
        { fullResponse: true },
      );
    } catch (err) {
      const e = classifyTwitterError(err);
      if (walk.token && !restarted && e.status === 400) {
        restarted = true;
        env.log.warn(
          { accountId: account.id },
          "twitter: pagination token refused, restarting the walk from the newest page",
        );
        walk = strip({ ...walk, token: undefined });
        continue;
      }
      throw e;
    }
    const page = dmEventsPage.parse(res.data);
    const events = page.data ?? [];
    for (const e of events) walk.top = newerId(walk.top, e.id);

    const ctx = pageContext(env, creds, page);
    const messages: InboundMessage[] = [];
    let done = false;
    const sinceAt = walk.since ? Date.parse(walk.since) : undefined;
    for (const e of events) {
      if (walk.boundary && compareIds(e.id, walk.boundary) <= 0) {
        done = true;
        break;
      }
      if (sinceAt !== undefined && eventTime(e).getTime() < sinceAt) {
        done = true;
        break;
      }
      if (walk.budget === 0) {
        done = true;
        break;
      }
      if (e.event_type !== "MessageCreate") continue;
      const m = await toInbound(ctx, e);
      if (!m) continue;
      messages.push(m);
      if (walk.budget !== undefined) walk.budget--;
    }
    const next = page.meta?.next_token;
    if (!next || walk.budget === 0) done = true;

    const cursor: Cursor = done
      ? strip({ v: 1 as const, since, newest: newerId(committed.newest, walk.top) })
      : strip({ v: 1 as const, since, newest: committed.newest, walk: strip({ ...walk, token: next }) });
    yield { messages, cursor };
    if (done) return;
    // The 15-minute window is used up: another request would only earn a 429. The next
    // scheduled sync continues from the committed walk.
    if (res.rateLimit?.remaining === 0) {
      env.log.info(
        { accountId: account.id, resetAt: new Date(res.rateLimit.reset * 1000).toISOString() },
        "twitter: rate-limit window used up, continuing next sync",
      );
      return;
    }
    walk.token = next;
  }
}
