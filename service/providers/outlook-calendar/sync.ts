// Busy time through Graph's calendarView delta on one calendar.
//
// Cursor (opaque to everyone else): { v: 1, calendarId, from, until, next? | delta? }.
// `next` is the nextLink of a round in progress (a crash resumes at the page after the last
// committed one); `delta` the deltaLink of the last finished round. The window is baked into
// Graph's links, so it is kept beside them: when the caller's window has moved past it (or
// Graph forgets the token: 410 syncStateNotFound), a new round walks the caller's window and
// its first page says `fullResync`.
import { z } from "zod";
import { classifyOutlookError } from "../kit/microsoft/errors.ts";
import { deltaPages } from "../kit/microsoft/delta.ts";
import { GraphSession, encodeId } from "../kit/microsoft/graph.ts";
import type { ProviderAccount, ProviderEnv } from "../kit/channel.ts";
import type { CalendarCursor, CalendarEvent, CalendarSyncOptions, CalendarSyncPage } from "../kit/calendar.ts";
import {
  appointmentIdOf,
  graphEvent,
  removedItem,
  tombstone,
  toCalendarEvent,
  TATU_PROPERTY_ID,
  type GraphEvent,
} from "./events.ts";

export const PAGE_SIZE = 50;
/** Every request asks for UTC so timed events need no zone lookup (all-day ones ignore it). */
export const PREFER = `odata.maxpagesize=${PAGE_SIZE}, outlook.timezone="UTC"`;
/** A stored window whose end is this much short of the caller's is re-walked. */
const WINDOW_SLACK_MS = 24 * 3_600_000;
/** Graph's JSON batching limit. */
const BATCH_LIMIT = 20;

const cursorSchema = z.object({
  v: z.literal(1),
  calendarId: z.string(),
  from: z.string(),
  until: z.string(),
  next: z.string().optional(),
  delta: z.string().optional(),
});
type Cursor = z.infer<typeof cursorSchema>;

function graphInstant(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function newRound(calendarId: string, opts: CalendarSyncOptions): Cursor {
  return { v: 1, calendarId, from: graphInstant(opts.from), until: graphInstant(opts.until) };
}

/** The stored round no longer covers what the caller wants to see. */
function windowMoved(c: Cursor, opts: CalendarSyncOptions): boolean {
  return (
    Date.parse(c.until) + WINDOW_SLACK_MS < opts.until.getTime() ||
    Date.parse(c.from) > opts.from.getTime() + WINDOW_SLACK_MS
  );
}

export async function* syncOutlookCalendar(
  env: ProviderEnv,
  account: ProviderAccount,
  calendarId: string,
  stored: CalendarCursor | null,
  opts: CalendarSyncOptions,
): AsyncGenerator<CalendarSyncPage> {
  const session = new GraphSession(env, account);
  const previous = stored ? cursorSchema.safeParse(stored) : undefined;
  let cursor: Cursor;
  // Any stored state we cannot continue from means a full window, and stale busy blocks go.
  let fullResync = false;
  if (
    previous?.success &&
    previous.data.calendarId === calendarId &&
    !(previous.data.delta && !previous.data.next && windowMoved(previous.data, opts))
  ) {
    cursor = previous.data;
  } else {
    if (stored)
      env.log.info(
        { accountId: account.id, reason: previous?.success ? "window" : "unreadable" },
        "outlook-calendar: starting a new sync round",
      );
    cursor = newRound(calendarId, opts);
    fullResync = stored !== null;
  }

  const pages = deltaPages(session, {
    link: cursor.next ?? cursor.delta,
    prefer: PREFER,
    start: () =>
      session
        .api(`/me/calendars/${encodeId(calendarId)}/calendarView/delta`)
        .query({ startDateTime: cursor.from, endDateTime: cursor.until })
        .header("Prefer", PREFER),
    restart: (reason) => {
      env.log.warn(
        { accountId: account.id, reason },
        "outlook-calendar: delta token no longer valid, re-walking the window",
      );
      cursor = newRound(calendarId, opts);
      fullResync = true;
    },
  });
  for await (const page of pages) {
    const events = await toEvents(session, page.items);
    cursor = page.nextLink
      ? { ...cursor, next: page.nextLink, delta: undefined }
      : { ...cursor, next: undefined, delta: page.deltaLink };
    const clean = JSON.parse(JSON.stringify(cursor)) as CalendarCursor; // drops the undefined keys
    yield fullResync ? { events, cursor: clean, fullResync: true } : { events, cursor: clean };
    fullResync = false;
  }
}

async function toEvents(session: GraphSession, items: unknown[]): Promise<CalendarEvent[]> {
  const live: GraphEvent[] = [];
  const out: (CalendarEvent | GraphEvent)[] = [];
  for (const item of items) {
    const removed = removedItem.safeParse(item);
    if (removed.success) {
      out.push(tombstone(removed.data.id));
      continue;
    }
    const ev = graphEvent.parse(item);
    // calendarView expands series; a master would double-count its occurrences.
    if (ev.type?.toLowerCase() === "seriesmaster") continue;
    live.push(ev);
    out.push(ev);
  }
  const tags = await appointmentIds(
    session,
    live.filter(mayBeTatus).map((e) => e.id),
  );
  return out.flatMap((x) => {
    if ("externalId" in x) return [x];
    const ev = toCalendarEvent(x, tags.get(x.id));
    return ev ? [ev] : [];
  });
}

/** Tatu only writes single events that the artist organises. */
function mayBeTatus(ev: GraphEvent): boolean {
  return (ev.type ?? "singleInstance").toLowerCase() === "singleinstance" && ev.isOrganizer !== false;
}

const batchResponse = z.object({
  responses: z.array(
    z.object({
      id: z.string(),
      status: z.number(),
      headers: z.record(z.string(), z.string()).nullish(),
      body: z.unknown().optional(),
    }),
  ),
});
const batchError = z.object({ error: z.object({ code: z.string().optional() }).passthrough() }).partial();

/**
 * Reads the Tatu tag of events from a delta page: calendarView/delta cannot $expand, so the
 * extended property is fetched per event, 20 to a JSON $batch request.
 */
async function appointmentIds(session: GraphSession, ids: string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const expand = encodeURIComponent(`singleValueExtendedProperties($filter=id eq '${TATU_PROPERTY_ID}')`);
  for (let i = 0; i < ids.length; i += BATCH_LIMIT) {
    const chunk = ids.slice(i, i + BATCH_LIMIT);
    const requests = chunk.map((id, n) => ({
      id: String(n),
      method: "GET",
      url: `/me/events/${encodeId(id)}?$select=id&$expand=${expand}`,
    }));
    const res = batchResponse.parse(await session.call(() => session.api("/$batch").post({ requests })));
    for (const r of res.responses) {
      const id = chunk[Number(r.id)];
      if (id === undefined) continue;
      if (r.status === 404) continue; // deleted since the page was read: a later page says so
      if (r.status >= 400) {
        const headers = new Headers(Object.entries(r.headers ?? {}));
        const body = batchError.safeParse(r.body);
        throw classifyOutlookError({
          statusCode: r.status,
          code: body.success ? (body.data.error?.code ?? null) : null,
          headers,
        });
      }
      const tag = appointmentIdOf(graphEvent.pick({ singleValueExtendedProperties: true }).parse(r.body ?? {}));
      if (tag) found.set(id, tag);
    }
  }
  return found;
}
