// Incremental reads of one CalDAV calendar.
//
// Preferred: RFC 6578 sync-collection with the stored token (iCloud and Radicale support it).
// Fallback, for servers without it (or when disabled): the collection's ctag says whether
// anything changed, and a Depth-1 listing of etags compared with the stored ones says what.
// Either way the changed objects are fetched with calendar-multiget, a page at a time, and
// the cursor of every page lists the hrefs still to fetch, so a crash resumes exactly there.
//
// The first read lists objects that still matter (a VEVENT ending after `from`; recurring ones
// always) with a time-range calendar-query, after reading the token/ctag, so nothing changed
// meanwhile is missed.
import type ICAL from "ical.js";
import { z } from "zod";
import type { ProviderAccount, ProviderEnv } from "../kit/channel.ts";
import type { CalendarCursor, CalendarEvent, CalendarSyncOptions, CalendarSyncPage } from "../kit/calendar.ts";
import {
  CalDavHttpError,
  calendarUrl,
  collectionState,
  credentialsOf,
  listEtags,
  multiget,
  queryHrefsFrom,
  syncCollectionReport,
  type Creds,
} from "./dav.ts";
import { calendarZone, instanceInstant, parseObject } from "./ical.ts";

export interface SyncSettings {
  /** false: never use sync-collection (servers that mishandle it; tests of the fallback). */
  syncCollection: boolean;
  /** Objects fetched per page (one calendar-multiget). */
  pageSize: number;
}

const cursorSchema = z.object({
  v: z.literal(1),
  mode: z.enum(["sync", "etag"]),
  syncToken: z.string().optional(),
  ctag: z.string().optional(),
  /** etag mode: every member's etag, as last seen. */
  etags: z.record(z.string(), z.string()).optional(),
  /** Instance ids emitted per recurring object (window-bounded), for tombstones. */
  inst: z.record(z.string(), z.array(z.string())).optional(),
  /** A change set being fetched: hrefs still to go, and the state to record once done. */
  pending: z
    .object({ hrefs: z.array(z.string()), syncToken: z.string().optional(), ctag: z.string().optional() })
    .optional(),
});
type Cursor = z.infer<typeof cursorSchema>;

/** Sync-collection rounds per run when the server truncates its answers (507). */
const MAX_SYNC_ROUNDS = 20;

function tombstone(id: string, calZone: ICAL.Timezone): CalendarEvent {
  const at = instanceInstant(id, calZone) ?? new Date(0);
  return { externalId: id, start: at, end: at, allDay: false, status: "cancelled", transparent: true };
}

function snapshot(c: Cursor): CalendarCursor {
  return structuredClone(c) as CalendarCursor;
}

function inWindow(id: string, calZone: ICAL.Timezone, opts: CalendarSyncOptions): boolean {
  const at = instanceInstant(id, calZone);
  return !at || (at >= opts.from && at < opts.until);
}

/** Tombstones for everything we emitted for `href` (a deleted object). */
function forgetObject(
  cursor: Cursor,
  href: string,
  calZone: ICAL.Timezone,
  opts: CalendarSyncOptions,
): CalendarEvent[] {
  const ids = cursor.inst?.[href];
  const out = ids
    ? ids.filter((id) => inWindow(id, calZone, opts)).map((id) => tombstone(id, calZone))
    : [tombstone(href, calZone)];
  if (cursor.inst) delete cursor.inst[href];
  if (cursor.etags) delete cursor.etags[href];
  return out;
}

export function createSyncEvents(settings: SyncSettings) {
  return async function* syncEvents(
    env: ProviderEnv,
    account: ProviderAccount,
    calendarId: string,
    cursorIn: CalendarCursor | null,
    opts: CalendarSyncOptions,
  ): AsyncIterable<CalendarSyncPage> {
    const creds = credentialsOf(env, account);
    const url = calendarUrl(creds, calendarId);
    const state = await collectionState(creds, url);
    const calZone = calendarZone(state.timezone);
    const mode: Cursor["mode"] =
      settings.syncCollection && state.supportsSyncCollection && state.syncToken ? "sync" : "etag";
    const parsed = cursorIn ? cursorSchema.safeParse(cursorIn) : undefined;
    const cursor = parsed?.success ? parsed.data : undefined;

    /** Fetches `cursor.pending` a page at a time; `firstEvents` and the fullResync flag go on
     *  the first page. `fresh`: a full read, where nothing was emitted under this cursor yet. */
    async function* drain(
      c: Cursor,
      firstEvents: CalendarEvent[],
      fullResync: boolean,
      fresh = false,
    ): AsyncIterable<CalendarSyncPage> {
      let events = firstEvents;
      let first = true;
      for (;;) {
        const pending = c.pending;
        const chunk = pending ? pending.hrefs.slice(0, settings.pageSize) : [];
        for (const obj of await multiget(creds, url, chunk)) {
          if (obj.status === 404 || obj.status === 410) {
            events.push(...forgetObject(c, obj.href, calZone, opts));
            continue;
          }
          if (obj.status !== 200 || obj.data === undefined) continue; // e.g. 403 on one member: keep what we had
          let result;
          try {
            result = parseObject(obj.href, obj.etag, obj.data, calZone, opts);
          } catch (err) {
            // One broken object must not stop the calendar; it is retried when it changes.
            // Parser messages quote the object's text: only the error kind is logged.
            env.log.warn({ href: obj.href, reason: (err as Error).name }, "caldav: unreadable calendar object skipped");
            if (c.etags && obj.etag) c.etags[obj.href] = obj.etag;
            continue;
          }
          events.push(...result.events);
          const emitted = new Set(result.events.map((e) => e.externalId));
          const before = c.inst?.[obj.href];
          // Instances (or the plain event) we emitted before and that are gone now: tombstones.
          // An object first seen as recurring may have been a plain event (id = href) before.
          const previous = before ?? (result.instanceIds && !fresh ? [obj.href] : []);
          for (const id of previous)
            if (!emitted.has(id) && inWindow(id, calZone, opts)) events.push(tombstone(id, calZone));
          c.inst ??= {};
          if (result.instanceIds) c.inst[obj.href] = result.instanceIds;
          else delete c.inst[obj.href];
          if (c.etags && obj.etag) c.etags[obj.href] = obj.etag;
        }
        if (pending) {
          const rest = pending.hrefs.slice(chunk.length);
          if (rest.length) {
            c.pending = { ...pending, hrefs: rest };
          } else {
            c.pending = undefined;
            if (pending.syncToken) c.syncToken = pending.syncToken;
            if (pending.ctag) c.ctag = pending.ctag;
          }
        }
        yield { events, cursor: snapshot(c), ...(first && fullResync ? { fullResync: true } : {}) };
        first = false;
        events = [];
        if (!c.pending) return;
      }
    }

    /** A full read of the window (first sync, or the server forgot our place). */
    async function* full(fullResync: boolean): AsyncIterable<CalendarSyncPage> {
      const c: Cursor = { v: 1, mode, inst: {} };
      if (mode === "etag") c.etags = Object.fromEntries(await listEtags(creds, url));
      const hrefs = await queryHrefsFrom(creds, url, opts.from);
      c.pending = { hrefs, syncToken: mode === "sync" ? state.syncToken : undefined, ctag: state.ctag };
      yield* drain(c, [], fullResync, true);
    }

    if (!cursor || cursor.mode !== mode) {
      // No cursor, an unreadable one, or the other mode's (no etags to compare with): start over.
      yield* full(!!cursorIn);
      return;
    }
    if (cursor.pending) {
      yield* drain(cursor, [], false);
      return;
    }

    if (mode === "sync") {
      const changed = new Map<string, string | undefined>();
      const removed = new Set<string>();
      let token = cursor.syncToken;
      if (!token) {
        yield* full(true);
        return;
      }
      for (let round = 0; round < MAX_SYNC_ROUNDS; round++) {
        let res;
        try {
          res = await syncCollectionReport(creds, url, token);
        } catch (err) {
          // RFC 6578 §3.2: a token the server no longer knows → read everything again. Some
          // servers answer 403/409/410 without naming the precondition; the PROPFIND just
          // before succeeded with the same credentials, so that is the token too.
          if (
            err instanceof CalDavHttpError &&
            (err.condition === "valid-sync-token" || (!err.condition && [403, 409, 410].includes(err.status)))
          ) {
            yield* full(true);
            return;
          }
          throw err;
        }
        for (const h of res.removed) {
          removed.add(h);
          changed.delete(h);
        }
        for (const [h, etag] of res.changed) {
          changed.set(h, etag);
          removed.delete(h);
        }
        if (!res.syncToken) break;
        token = res.syncToken;
        if (!res.truncated) break;
      }
      const events: CalendarEvent[] = [];
      for (const href of removed) events.push(...forgetObject(cursor, href, calZone, opts));
      cursor.pending = { hrefs: [...changed.keys()], syncToken: token, ctag: state.ctag };
      yield* drain(cursor, events, false);
      return;
    }

    // etag mode
    if (state.ctag && cursor.ctag === state.ctag) {
      yield { events: [], cursor: snapshot(cursor) };
      return;
    }
    const now = await listEtags(creds, url);
    const known = cursor.etags ?? {};
    const events: CalendarEvent[] = [];
    for (const href of Object.keys(known))
      if (!now.has(href)) events.push(...forgetObject(cursor, href, calZone, opts));
    const changed = [...now].filter(([href, etag]) => known[href] !== etag).map(([href]) => href);
    // The listing becomes the known state now; changed members stay pending until fetched.
    cursor.etags = Object.fromEntries(now);
    cursor.pending = { hrefs: changed, ctag: state.ctag };
    yield* drain(cursor, events, false);
  };
}
