// Google Calendar API v3 on the Google stand-in, under /calendar/v3 (what googleapis calls with
// rootUrl = GOOGLE_API_BASE_URL): calendarList.list, events.list (singleEvents expansion,
// timeMin/timeMax, showDeleted, pageToken, syncToken with 410 fullSyncRequired), events.get,
// insert, import, patch, delete. Same OAuth grants/tokens and injected faults as Gmail.
// The control functions at the bottom are spread into the stand-in's handle (index.ts).
import express, { type NextFunction, type Response } from "express";
import {
  googleError,
  hasScope,
  insufficientScope,
  faultsAndLog,
  parameterError,
  requireBearer,
  type Authed,
} from "./http.ts";
import {
  ApiFailure,
  calendarStore,
  render,
  type AccessRole,
  type Calendar,
  type CalendarInput,
  type CalendarStore,
  type GEvent,
} from "./calendar-store.ts";
import { parseDateTime } from "./calendar-time.ts";
import type { GoogleState } from "./state.ts";

const G = "https://www.googleapis.com/auth/";
const READ = [`${G}calendar`, `${G}calendar.readonly`, `${G}calendar.events`, `${G}calendar.events.readonly`];
const WRITE = [`${G}calendar`, `${G}calendar.events`];
const LIST = [
  `${G}calendar`,
  `${G}calendar.readonly`,
  `${G}calendar.calendarlist`,
  `${G}calendar.calendarlist.readonly`,
];
const CAN_WRITE: AccessRole[] = ["owner", "writer"];

interface Req extends Authed {
  cal?: Calendar;
}

function fail(res: Response, e: unknown): void {
  if (e instanceof ApiFailure)
    return googleError(res, e.status, e.message, e.reason, { domain: e.opts.domain, extra: e.opts.extra });
  throw e;
}

const bool = (v: unknown, dflt: boolean) => (v === undefined ? dflt : String(v) === "true");

function pageSize(v: unknown): number {
  const n = Number(v ?? 250);
  return Number.isFinite(n) && n > 0 ? Math.min(2500, Math.floor(n)) : 250;
}

export function calendarRouter(state: GoogleState): express.Router {
  const store = calendarStore(state);
  const r = express.Router();
  const v3 = express.Router({ mergeParams: true });
  r.use("/calendar/v3", faultsAndLog(state, "api"), requireBearer(state), express.json({ limit: "1mb" }), v3);

  const scope = (any: string[]) => (req: Req, res: Response, next: NextFunction) =>
    hasScope(req.token!, any) ? next() : insufficientScope(res);
  const calendar =
    (write: boolean) => (req: Req & { params: { calendarId?: string } }, res: Response, next: NextFunction) => {
      try {
        req.cal = store.resolve(req.token!.grant.email, req.params.calendarId ?? "");
      } catch (e) {
        return fail(res, e);
      }
      if (write && !CAN_WRITE.includes(req.cal.accessRole))
        return googleError(res, 403, "You need to have writer access to this calendar.", "requiredAccessLevel");
      next();
    };
  const wrap = (fn: (req: Req, res: Response) => void) => (req: Req, res: Response) => {
    try {
      fn(req, res);
    } catch (e) {
      fail(res, e);
    }
  };

  v3.get("/users/me/calendarList", scope(LIST), (req: Req, res) => {
    const cals = [...store.calendars(req.token!.grant.email).values()];
    const min = req.query.minAccessRole as AccessRole | undefined;
    const rank: AccessRole[] = ["freeBusyReader", "reader", "writer", "owner"];
    res.json({
      kind: "calendar#calendarList",
      etag: `"p3${cals.reduce((n, c) => n + c.seq, 0)}"`,
      nextSyncToken: `CL${Date.now()}`,
      items: cals
        .filter((c) => !min || rank.indexOf(c.accessRole) >= rank.indexOf(min))
        .map((c) => ({
          kind: "calendar#calendarListEntry",
          etag: `"${c.seq}"`,
          id: c.id,
          summary: c.summary,
          timeZone: c.timeZone,
          colorId: "14",
          backgroundColor: "#9fe1e7",
          foregroundColor: "#000000",
          selected: true,
          accessRole: c.accessRole,
          defaultReminders: c.accessRole === "owner" ? [{ method: "popup", minutes: 10 }] : [],
          ...(c.primary && { primary: true }),
          conferenceProperties: { allowedConferenceSolutionTypes: ["hangoutsMeet"] },
        })),
    });
  });

  v3.get(
    "/calendars/:calendarId/events",
    scope(READ),
    calendar(false),
    wrap((req, res) => listEvents(store, req, res)),
  );

  v3.post(
    "/calendars/:calendarId/events/import",
    scope(WRITE),
    calendar(true),
    wrap((req, res) => {
      res.json(render(store.insert(req.cal!, req.body ?? {}, "import")));
    }),
  );

  v3.post(
    "/calendars/:calendarId/events",
    scope(WRITE),
    calendar(true),
    wrap((req, res) => {
      // insert makes its own iCalUID ("<id>@google.com"): a client-supplied one is dropped.
      const { iCalUID: _ignored, ...body } = (req.body ?? {}) as Partial<GEvent>;
      res.json(render(store.insert(req.cal!, body, "insert")));
    }),
  );

  v3.get(
    "/calendars/:calendarId/events/:eventId",
    scope(READ),
    calendar(false),
    wrap((req, res) => {
      const ev = req.cal!.events.get(String(req.params.eventId))?.ev;
      if (!ev) return googleError(res, 404, "Not Found", "notFound");
      res.json(render(ev));
    }),
  );

  v3.patch(
    "/calendars/:calendarId/events/:eventId",
    scope(WRITE),
    calendar(true),
    wrap((req, res) => {
      res.json(render(store.patch(req.cal!, String(req.params.eventId), req.body ?? {})));
    }),
  );

  v3.delete(
    "/calendars/:calendarId/events/:eventId",
    scope(WRITE),
    calendar(true),
    wrap((req, res) => {
      store.remove(req.cal!, String(req.params.eventId));
      res.status(204).end();
    }),
  );

  return r;
}

const RESTRICTED_WITH_SYNC = [
  "iCalUID",
  "orderBy",
  "privateExtendedProperty",
  "q",
  "sharedExtendedProperty",
  "timeMin",
  "timeMax",
  "updatedMin",
];

function listEvents(store: CalendarStore, req: Req, res: Response): void {
  const q = req.query as Record<string, string | undefined>;
  const cal = req.cal!;
  const max = pageSize(q.maxResults);
  const meta = {
    kind: "calendar#events",
    summary: cal.summary,
    description: "",
    timeZone: cal.timeZone,
    accessRole: cal.accessRole,
    defaultReminders: cal.accessRole === "owner" ? [{ method: "popup", minutes: 10 }] : [],
  };
  const send = (items: object[], nextSyncToken: string) => {
    const page = items.slice(0, max);
    const rest = items.slice(max);
    res.json({
      ...meta,
      etag: `"p${cal.seq}${Date.now()}"`,
      updated: new Date().toISOString(),
      ...(rest.length ? { nextPageToken: store.newPageToken(rest, nextSyncToken) } : { nextSyncToken }),
      items: page,
    });
  };

  if (q.pageToken) {
    const pending = store.pageTokens.get(q.pageToken);
    // Google's page tokens can be replayed (a client resuming after a crash does exactly that).
    if (!pending) return parameterError(res, 400, "Invalid page token value.", "invalid", "pageToken");
    return send(pending.items, pending.nextSyncToken);
  }

  const singleEvents = bool(q.singleEvents, false);
  if (q.syncToken) {
    if (RESTRICTED_WITH_SYNC.some((k) => q[k] !== undefined))
      return parameterError(
        res,
        400,
        "Sync token cannot be used with other request restrictions.",
        "syncTokenWithRequestRestrictions",
        "syncToken",
      );
    if (q.showDeleted === "false")
      return parameterError(
        res,
        400,
        "The showDeleted parameter cannot be set to false when syncToken is provided.",
        "invalid",
        "showDeleted",
      );
    const info = store.syncTokens.get(q.syncToken);
    if (!info || info.calendarId !== cal.id) {
      return parameterError(
        res,
        410,
        "Sync token is no longer valid, a full sync is required.",
        "fullSyncRequired",
        "syncToken",
        "calendar",
      );
    }
    // The snapshot's sync token points at the change counter as of this read.
    const items = store.list(cal, {
      singleEvents: info.singleEvents,
      showDeleted: true,
      sinceSeq: info.seq,
      timeMin: info.timeMin,
      timeMax: info.timeMax,
    });
    return send(items, store.newSyncToken({ ...info, seq: cal.seq }));
  }

  const timeMin = q.timeMin ? parseDateTime(q.timeMin, undefined) : undefined;
  const timeMax = q.timeMax ? parseDateTime(q.timeMax, undefined) : undefined;
  if (q.timeMin && timeMin === undefined) return googleError(res, 400, "Bad Request", "badRequest");
  if (q.timeMax && timeMax === undefined) return googleError(res, 400, "Bad Request", "badRequest");
  if (timeMin !== undefined && timeMax !== undefined && timeMax <= timeMin)
    return parameterError(res, 400, "The specified time range is empty.", "timeRangeEmpty", "timeMax", "calendar");
  if (q.orderBy === "startTime" && !singleEvents)
    return googleError(res, 400, "The requested ordering is not available for the particular query.", "invalid");
  const items = store.list(cal, {
    singleEvents,
    showDeleted: bool(q.showDeleted, false),
    timeMin,
    timeMax,
    iCalUID: q.iCalUID,
  });
  send(
    items,
    store.newSyncToken({ email: cal.owner, calendarId: cal.id, seq: cal.seq, singleEvents, timeMin, timeMax }),
  );
}

// ── control API (tests, `tatu launch --rehearse`) ──────────────────────────────────────────

/** A change "from the user's side" (the Google Calendar UI): Google's Event JSON fields.
 *  `id` of an existing event (or of a series instance, `<seriesId>_<YYYYMMDDTHHMMSSZ>`)
 *  modifies it; `deleted: true` deletes it; else a new event (id/iCalUID may be given). */
export type CalendarEventInput = Partial<
  Omit<GEvent, "kind" | "etag" | "created" | "updated" | "htmlLink" | "creator" | "organizer">
> & { deleted?: boolean };

export interface GoogleCalendarControl {
  /** Adds (or updates: `primary: true` / an existing id) a calendar of the account; returns its id. */
  calendarAdd(email: string, calendar: CalendarInput): string;
  /** Creates, modifies or deletes an event as the user would; returns the stored resource. */
  calendarEvent(email: string, calendarId: string, event: CalendarEventInput): GEvent;
  /** Every sync token issued for the account's calendars answers 410 fullSyncRequired. */
  expireSyncTokens(email: string): void;
  /** Stored events of a calendar (series masters, overrides, singles; deleted ones as status cancelled). */
  calendarEvents(email: string, calendarId: string): GEvent[];
}

export function calendarControl(state: GoogleState): GoogleCalendarControl {
  const store = calendarStore(state);
  const unwrap = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof ApiFailure) throw new Error(`google stand-in (calendar): ${e.status} ${e.reason}: ${e.message}`);
      throw e;
    }
  };
  return {
    calendarAdd: (email, calendar) => store.addCalendar(email, calendar).id,
    calendarEvent: (email, calendarId, input) =>
      unwrap(() => {
        const cal = store.resolve(email, calendarId);
        const { deleted, ...body } = input;
        const known = body.id !== undefined && (cal.events.has(body.id) || /_\d{8}(T\d{6}Z)?$/.test(body.id));
        if (deleted) {
          if (!body.id) throw new Error("google stand-in (calendar): deleting needs an id");
          store.remove(cal, body.id);
          return structuredClone(cal.events.get(body.id)!.ev);
        }
        return structuredClone(known ? store.patch(cal, body.id!, body) : store.insert(cal, body, "user"));
      }),
    expireSyncTokens: (email) => store.expireSyncTokens(email),
    calendarEvents: (email, calendarId) =>
      [...store.resolve(email, calendarId).events.values()].map((s) => structuredClone(s.ev)),
  };
}
