// Reading one artist's Square bookings. Square has no change feed (no sync token, no
// updated_at filter on ListBookings), so every sync re-reads the window and diffs it against
// the cursor's `known` map {booking id: [version, start ms]}:
//   - a booking not known, or known at another `version` → emitted (new, moved, edited,
//     cancelled: a status change bumps the version too);
//   - a known booking whose last start lies in the window but that the re-read did not see →
//     looked up with BulkRetrieveBookings: cancelled, gone or moved to another artist →
//     a cancelled tombstone; moved outside the window → emitted with its new time.
// ListBookings takes at most 31 days per call, so the window is read in chunks. The cursor
// records the pass in progress (chunk start, Square's page cursor, bookings seen so far) so a
// crash after any page resumes at the next page; the `known` map only moves forward when the
// pass ends. Bookings Tatu never knew that are already cancelled are skipped (not busy), except
// Tatu's own (their cancellation matters to the appointment).
import type { Square, SquareClient } from "square";
import { z } from "zod";
import type { ProviderAccount, ProviderEnv } from "../kit/channel.ts";
import type { CalendarCursor, CalendarEvent, CalendarSyncOptions, CalendarSyncPage } from "../kit/calendar.ts";
import { accountClient } from "./config.ts";
import { squareCodes } from "./errors.ts";
import { isCancelled, toEvent, tombstone } from "./events.ts";

export interface SyncTuning {
  /** ListBookings `limit`. */
  pageSize: number;
  /** Window chunk per ListBookings call (Square: at most 31 days). */
  chunkDays: number;
  /** Read this much before `from`, so an appointment that started earlier but is still
   *  running counts as busy. */
  lookbackMs: number;
  /** Cap of the `known` map (kept: the latest-starting bookings). */
  maxKnown: number;
}

export const syncDefaults: SyncTuning = { pageSize: 100, chunkDays: 30, lookbackMs: 86_400_000, maxKnown: 5000 };

const BULK_MAX = 100;
const entry = z.tuple([z.number().int(), z.number()]);
const cursorSchema = z.object({
  v: z.literal(1),
  /** The team member (calendar) the cursor belongs to. */
  calendar: z.string(),
  known: z.record(z.string(), entry),
  pass: z
    .object({
      from: z.number(),
      until: z.number(),
      /** Start of the chunk being read; `until` or later once the window is read. */
      at: z.number(),
      /** Square's cursor inside the chunk. */
      page: z.string().optional(),
      seen: z.record(z.string(), entry),
    })
    .optional(),
});
type State = z.output<typeof cursorSchema>;
type Pass = NonNullable<State["pass"]>;

const iso = (ms: number) => new Date(ms).toISOString();

async function listPage(
  client: SquareClient,
  req: Square.ListBookingsRequest,
): Promise<{ bookings: Square.Booking[]; cursor?: string }> {
  const page = await client.bookings.list(req);
  return { bookings: page.data, ...(page.response.cursor ? { cursor: page.response.cursor } : {}) };
}

function bounded(seen: Record<string, [number, number]>, max: number): Record<string, [number, number]> {
  const entries = Object.entries(seen);
  if (entries.length <= max) return seen;
  return Object.fromEntries(entries.sort((a, b) => b[1][1] - a[1][1]).slice(0, max));
}

/** Known bookings whose last start is inside the window but that the pass did not see. */
function missingIds(state: State, pass: Pass): string[] {
  return Object.entries(state.known)
    .filter(([id, [, start]]) => !(id in pass.seen) && start >= pass.from && start <= pass.until)
    .map(([id]) => id);
}

export async function* syncSquare(
  env: ProviderEnv,
  account: ProviderAccount,
  calendarId: string,
  cursor: CalendarCursor | null,
  opts: CalendarSyncOptions,
  tuning: SyncTuning,
): AsyncGenerator<CalendarSyncPage> {
  const { client, creds } = await accountClient(env, account);
  const parsed = cursor === null ? undefined : cursorSchema.safeParse(cursor);
  const prior = parsed?.success && parsed.data.calendar === calendarId ? parsed.data : undefined;
  // An unreadable cursor (or one of another calendar): read everything again, and tell the
  // core that events not seen in this read are no longer busy.
  let fullResync = cursor !== null && !prior;
  const state: State = prior ? structuredClone(prior) : { v: 1, calendar: calendarId, known: {} };
  const from = opts.from.getTime() - tuning.lookbackMs;
  const pass: Pass = (state.pass ??= { from, until: opts.until.getTime(), at: from, seen: {} });
  const chunkMs = tuning.chunkDays * 86_400_000;

  const finish = (): CalendarCursor => ({ v: 1, calendar: calendarId, known: bounded(pass.seen, tuning.maxKnown) });
  const page = (events: CalendarEvent[], next: CalendarCursor): CalendarSyncPage => {
    const out: CalendarSyncPage = { events, cursor: next, ...(fullResync ? { fullResync: true } : {}) };
    fullResync = false;
    return out;
  };

  // 1. The window, chunk by chunk, page by page.
  while (pass.at < pass.until) {
    const chunkEnd = Math.min(pass.at + chunkMs, pass.until);
    const req: Square.ListBookingsRequest = {
      locationId: creds.locationId,
      teamMemberId: calendarId,
      startAtMin: iso(pass.at),
      startAtMax: iso(chunkEnd),
      limit: tuning.pageSize,
    };
    let res: Awaited<ReturnType<typeof listPage>>;
    try {
      res = await listPage(client, { ...req, ...(pass.page ? { cursor: pass.page } : {}) });
    } catch (err) {
      // Square's page cursor expired between a crash and the resume: read the chunk again
      // (what was already seen is skipped below).
      if (!pass.page || !squareCodes(err).includes("INVALID_CURSOR")) throw err;
      delete pass.page;
      res = await listPage(client, req);
    }
    const events: CalendarEvent[] = [];
    for (const b of res.bookings) {
      if (!b.id || b.id in pass.seen) continue; // chunk edges overlap by one instant
      const ev = toEvent(b);
      const version = b.version ?? 0;
      const before = state.known[b.id];
      pass.seen[b.id] = [version, ev.start.getTime()];
      if (before ? before[0] !== version : ev.status !== "cancelled" || ev.tatuAppointmentId) events.push(ev);
    }
    if (res.cursor) pass.page = res.cursor;
    else {
      delete pass.page;
      pass.at = chunkEnd;
    }
    const done = pass.at >= pass.until && missingIds(state, pass).length === 0;
    yield page(events, done ? finish() : structuredClone(state));
    if (done) return;
  }

  // 2. Known bookings the window no longer shows. Each batch leaves `known` once looked up,
  //    so a resume does not look them up again.
  for (let ids = missingIds(state, pass); ids.length > 0; ids = missingIds(state, pass)) {
    const batch = ids.slice(0, BULK_MAX);
    const res = await client.bookings.bulkRetrieveBookings({ bookingIds: batch });
    const events = batch.map((id): CalendarEvent => {
      const b = res.bookings?.[id]?.booking;
      const start = state.known[id]![1];
      if (!b?.id) return tombstone(id, start);
      const ev = toEvent(b);
      const ours =
        b.locationId === creds.locationId && (b.appointmentSegments ?? []).some((s) => s.teamMemberId === calendarId);
      // Reassigned to another artist or location: no longer busy time of this calendar.
      return isCancelled(b) || ours ? ev : { ...ev, status: "cancelled" };
    });
    for (const id of batch) delete state.known[id];
    const done = missingIds(state, pass).length === 0;
    yield page(events, done ? finish() : structuredClone(state));
    if (done) return;
  }
  // An empty window: nothing to read, but the pass still ends.
  yield page([], finish());
}
