// Incremental event sync over events.list with singleEvents=true (Google expands recurring
// series into instances inside the window).
//
// Cursor states (each page's cursor is safe to resume from):
//   full read in progress   {timeMin, timeMax, pageToken}
//   incremental in progress {syncToken, pageToken, timeMin, timeMax}
//   idle                    {syncToken, timeMin, timeMax}   ← nextSyncToken of the last page
// timeMin/timeMax are the window the sync token covers: Google forbids them next to a
// syncToken, and its incremental results expand series only inside that first window.
// So when the window asked for runs more than `windowSlackMs` past the covered one (time
// moved on), the window is read again in full (fullResync) — otherwise instances of series
// entering the window would never arrive as busy time.
import { z } from "zod";
import type { calendar_v3 } from "@googleapis/calendar";
import { ProviderError } from "../kit/errors.ts";
import type { ProviderAccount, ProviderEnv } from "../kit/channel.ts";
import type { CalendarCursor, CalendarEvent, CalendarSyncOptions, CalendarSyncPage } from "../kit/calendar.ts";
import { CODES } from "./errors.ts";
import { toCalendarEvent } from "./events.ts";
import { CalendarSession } from "./session.ts";

export interface SyncTuning {
  /** events.list maxResults (Google: default 250, max 2500). */
  pageSize: number;
  /** How far the wanted window may run past the synced one before it is read again. */
  windowSlackMs: number;
}

const Cursor = z.object({
  syncToken: z.string().min(1).optional(),
  pageToken: z.string().min(1).optional(),
  timeMin: z.iso.datetime({ offset: true }),
  timeMax: z.iso.datetime({ offset: true }),
});
type Cursor = z.infer<typeof Cursor>;

const windowOf = (opts: CalendarSyncOptions): Cursor => ({
  timeMin: opts.from.toISOString(),
  timeMax: opts.until.toISOString(),
});

export async function* syncGoogleEvents(
  env: ProviderEnv,
  account: ProviderAccount,
  calendarId: string,
  cursor: CalendarCursor | null,
  opts: CalendarSyncOptions,
  tuning: SyncTuning,
): AsyncGenerator<CalendarSyncPage> {
  const session = new CalendarSession(env, account);
  let state: Cursor;
  let fullResync = false;
  if (cursor === null) {
    state = windowOf(opts);
  } else {
    const parsed = Cursor.safeParse(cursor);
    if (parsed.success) {
      state = parsed.data;
    } else {
      env.log.warn({ calendarId }, "google calendar: unreadable cursor, reading the window again");
      state = windowOf(opts);
      fullResync = true;
    }
  }
  if (state.syncToken && !state.pageToken && opts.until.getTime() - Date.parse(state.timeMax) > tuning.windowSlackMs) {
    state = windowOf(opts);
    fullResync = true;
  }

  let restarted = false;
  let resumedPage = state.pageToken !== undefined;
  for (;;) {
    const common = {
      calendarId,
      singleEvents: true,
      showDeleted: true,
      maxResults: tuning.pageSize,
      ...(state.pageToken && { pageToken: state.pageToken }),
    };
    let data: calendar_v3.Schema$Events;
    try {
      data = await session.call((c) =>
        c.events.list(
          state.syncToken
            ? { ...common, syncToken: state.syncToken }
            : { ...common, timeMin: state.timeMin, timeMax: state.timeMax },
        ),
      );
    } catch (err) {
      const e = err as ProviderError;
      // 410: Google dropped the sync token. A stored page token may also have gone stale.
      const gone = e.code === CODES.syncTokenGone || (resumedPage && e.code === CODES.badPageToken);
      if (gone && !restarted) {
        env.log.info({ calendarId }, "google calendar: sync state gone, reading the window again");
        restarted = true;
        resumedPage = false;
        state = windowOf(opts);
        fullResync = true;
        continue;
      }
      throw err;
    }
    resumedPage = false;

    const zone = data.timeZone ?? "UTC";
    const events: CalendarEvent[] = [];
    for (const item of data.items ?? []) {
      const ev = toCalendarEvent(item, zone);
      if (ev) events.push(ev);
      else env.log.warn({ calendarId, eventId: item.id }, "google calendar: skipped an event without readable times");
    }
    let next: Cursor;
    if (data.nextPageToken) next = { ...state, pageToken: data.nextPageToken };
    else if (data.nextSyncToken)
      next = { syncToken: data.nextSyncToken, timeMin: state.timeMin, timeMax: state.timeMax };
    else
      throw new ProviderError("transient", "Google Calendar returned a page without nextPageToken or nextSyncToken", {
        code: "GOOGLE_CALENDAR_NO_CURSOR",
      });

    yield { events, cursor: { ...next }, ...(fullResync && { fullResync: true }) };
    fullResync = false;
    if (!data.nextPageToken) return;
    state = next;
  }
}
