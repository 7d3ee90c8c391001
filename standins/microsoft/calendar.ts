// Microsoft Graph v1.0 calendar surface of the stand-in: /me/calendars, events CRUD (with
// transactionId idempotency and singleValueExtendedProperties), calendarView and
// calendarView/delta (occurrences expanded, nextLink/deltaLink, @removed, 410
// syncStateNotFound), `Prefer: outlook.timezone`, and JSON $batch of GETs.
import { z } from "zod";
import { parsePrefer, preferences, readBody, sendEmpty, sendGraphError, sendJson, type Req, type Res } from "./http.ts";
import {
  calendarInstances,
  calendarStore,
  dayNames,
  defaultCalendar,
  findInstance,
  instancesOf,
  instantOf,
  newCalendarId,
  newChangeKey,
  newEventId,
  newICalUId,
  nowStamp,
  showAsValues,
  userCalendars,
  type ExceptionEdit,
  type Instance,
  type LocalTime,
  type Recurrence,
  type ShowAs,
  type StoredCalendar,
  type StoredEvent,
  type UserCalendars,
  type ViewItem,
  type ViewState,
  type ViewWindow,
} from "./calendar-state.ts";
import { deltaPage, type StandInState, type User } from "./state.ts";
import { wallClock, zoneOf } from "./zones.ts";

interface Result {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

class Problem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const notFound = () => new Problem(404, "ErrorItemNotFound", "The specified object was not found in the store.");

export interface CalendarContext {
  state: StandInState;
  base: string;
}

/** Paths this module answers (the mail router hands them over before its own routes). */
export function isCalendarPath(lower: string[]): boolean {
  return (
    (lower.length === 1 && lower[0] === "$batch") ||
    (lower[0] === "me" && ["calendars", "calendar", "events", "calendarview"].includes(lower[1] ?? ""))
  );
}

export async function handleCalendar(
  ctx: CalendarContext,
  user: User,
  req: Req,
  res: Res,
  url: URL,
  seg: string[],
): Promise<void> {
  const method = req.method ?? "GET";
  let body: unknown;
  if (method === "POST" || method === "PATCH") {
    const raw = (await readBody(req)).toString("utf8");
    try {
      body = raw.trim() ? JSON.parse(raw) : undefined;
    } catch {
      return sendGraphError(res, 400, "RequestBodyRead", "Invalid JSON in the request body.");
    }
  }
  const prefs = preferences(req);
  const result =
    seg.length === 1 && seg[0] === "$batch" && method === "POST"
      ? batch(ctx, user, body)
      : dispatch(ctx, user, { method, seg, url, prefs, body });
  if (result.status >= 400) {
    const err = (result.body as { error: { code: string; message: string } }).error;
    return sendGraphError(res, result.status, err.code, err.message, result.headers);
  }
  if (result.body === undefined) return sendEmpty(res, result.status, result.headers);
  sendJson(res, result.status, result.body, result.headers);
}

/** One Graph calendar request, from the wire or from a $batch entry. */
interface Call {
  method: string;
  seg: string[];
  url: URL;
  prefs: Map<string, string>;
  body: unknown;
}

function dispatch(ctx: CalendarContext, user: User, call: Call): Result {
  try {
    return route(ctx, user, call);
  } catch (err) {
    if (err instanceof Problem)
      return { status: err.status, body: { error: { code: err.code, message: err.message } } };
    throw err;
  }
}

function route(ctx: CalendarContext, user: User, { method, seg, url, prefs, body }: Call): Result {
  const u = userCalendars(ctx.state, user);
  const lower = seg.map((s) => s.toLowerCase());
  // /me/calendar/… is the default calendar; /me/events and /me/calendarView too.
  let calendar: StoredCalendar | undefined;
  let rest: string[];
  if (lower[1] === "calendars" && seg[2]) {
    calendar = u.calendars.get(seg[2]);
    if (!calendar) throw notFound();
    rest = lower.slice(3);
  } else if (lower[1] === "calendars") {
    if (method !== "GET")
      throw new Problem(405, "ErrorInvalidRequest", "The stand-in cannot create calendars over Graph.");
    return {
      status: 200,
      body: {
        "@odata.context": `${ctx.base}/v1.0/$metadata#users('${user.id}')/calendars`,
        value: [...u.calendars.values()].map((c) => calendarResource(user, c)),
      },
    };
  } else if (lower[1] === "calendar") {
    calendar = defaultCalendar(u);
    rest = lower.slice(2);
  } else {
    rest = lower.slice(1);
  }
  const cal = calendar ?? defaultCalendar(u);
  const is = (...parts: (string | null)[]) =>
    parts.length === rest.length && parts.every((p, i) => p === null || p === rest[i]);
  const eventId = () => seg[seg.length - 1]!;

  if (is() && method === "GET" && calendar) return { status: 200, body: calendarResource(user, cal) };
  if (is("calendarview", "delta") && method === "GET") return delta(ctx, user, u, cal, url, prefs);
  if (is("calendarview") && method === "GET") return calendarView(u, cal, url, prefs);
  if (is("events") && method === "POST") return createEvent(u, cal, body, prefs);
  if (is("events") && method === "GET") {
    const top = Math.min(Math.max(Number(url.searchParams.get("$top")) || 10, 1), 1000);
    const value = [...u.events.values()]
      .filter((e) => e.calendarId === cal.id)
      .slice(0, top)
      .map((e) => resource(masterInstance(e), prefs, url));
    return { status: 200, body: { value } };
  }
  if (is("events", null)) {
    const inst = lookup(u, eventId(), calendar);
    if (method === "GET") return { status: 200, body: resource(inst, prefs, url) };
    if (method === "PATCH") return patchEvent(u, inst, body, prefs);
    if (method === "DELETE") {
      deleteInstance(u, inst);
      return { status: 204 };
    }
  }
  throw new Problem(400, "BadRequest", `Resource not found for the segment '${seg[seg.length - 1] ?? ""}'.`);
}

function lookup(u: UserCalendars, id: string, calendar: StoredCalendar | undefined): Instance {
  const ev = u.events.get(id);
  const inst = ev ? masterInstance(ev) : findInstance(u, id);
  if (!inst || (calendar && inst.event.calendarId !== calendar.id)) throw notFound();
  return inst;
}

/** An event resource for a stored event itself (series masters included). */
function masterInstance(ev: StoredEvent): Instance {
  const single = ev.recurrence ? undefined : findInstanceOfSingle(ev);
  return (
    single ?? {
      id: ev.id,
      event: ev,
      type: "singleInstance",
      subject: ev.subject,
      start: instantOf(ev.start),
      end: instantOf(ev.end),
      dates: ev.isAllDay ? { start: ev.start.dateTime.slice(0, 10), end: ev.end.dateTime.slice(0, 10) } : undefined,
      showAs: ev.showAs,
      isCancelled: ev.isCancelled,
      iCalUId: ev.iCalUId,
      changeKey: ev.changeKey,
      version: ev.changeKey,
    }
  );
}

function findInstanceOfSingle(ev: StoredEvent): Instance | undefined {
  return instancesOf(ev, { from: -8.64e15, to: 8.64e15 })[0];
}

// ---- resources -----------------------------------------------------------------------------

function calendarResource(user: User, c: StoredCalendar): Record<string, unknown> {
  return {
    id: c.id,
    name: c.name,
    color: c.color,
    hexColor: "",
    isDefaultCalendar: c.isDefault,
    changeKey: c.changeKey,
    canShare: c.canEdit,
    canViewPrivateItems: true,
    canEdit: c.canEdit,
    isRemovable: !c.isDefault,
    isTallyingResponses: c.canEdit,
    allowedOnlineMeetingProviders: ["teamsForBusiness"],
    defaultOnlineMeetingProvider: "teamsForBusiness",
    owner: { name: user.displayName, address: user.email },
  };
}

/** The zone a response speaks: Prefer: outlook.timezone, else UTC. */
function outputZone(prefs: Map<string, string>): { label: string; zone: string } {
  const asked = prefs.get("outlook.timezone");
  const zone = asked ? zoneOf(asked) : "UTC";
  return asked && zone ? { label: asked, zone } : { label: "UTC", zone: "UTC" };
}

function graphDateTime(wall: string): string {
  return `${wall.slice(0, 19)}.0000000`;
}

function resource(inst: Instance, prefs: Map<string, string>, url?: URL): Record<string, unknown> {
  const ev = inst.event;
  const out = outputZone(prefs);
  // All-day events are floating dates: always midnight, whatever the preferred zone.
  const start = inst.dates ? `${inst.dates.start}T00:00:00` : wallClock(inst.start, out.zone);
  const end = inst.dates ? `${inst.dates.end}T00:00:00` : wallClock(inst.end, out.zone);
  const isMaster = inst.type === "singleInstance" && ev.recurrence !== undefined && inst.id === ev.id;
  const full: Record<string, unknown> = {
    "@odata.type": "#microsoft.graph.event",
    "@odata.etag": `W/"${inst.changeKey}"`,
    id: inst.id,
    createdDateTime: ev.createdDateTime,
    lastModifiedDateTime: ev.lastModifiedDateTime,
    changeKey: inst.changeKey,
    categories: [],
    ...(ev.transactionId ? { transactionId: ev.transactionId } : {}),
    originalStartTimeZone: ev.start.timeZone,
    originalEndTimeZone: ev.end.timeZone,
    iCalUId: inst.iCalUId,
    reminderMinutesBeforeStart: 15,
    isReminderOn: !ev.isAllDay,
    hasAttachments: false,
    subject: inst.subject,
    bodyPreview: ev.body.content.replace(/<[^>]+>/g, "").slice(0, 255),
    importance: "normal",
    sensitivity: "normal",
    isAllDay: ev.isAllDay,
    isCancelled: inst.isCancelled,
    isOrganizer: ev.isOrganizer,
    responseRequested: true,
    seriesMasterId: inst.type === "singleInstance" ? null : ev.id,
    showAs: inst.showAs,
    type: isMaster ? "seriesMaster" : inst.type,
    webLink: `https://outlook.live.com/owa/?itemid=${encodeURIComponent(inst.id)}&exvsurl=1&path=/calendar/item`,
    onlineMeetingUrl: null,
    isOnlineMeeting: false,
    onlineMeetingProvider: "unknown",
    recurrence: isMaster ? ev.recurrence : null,
    responseStatus: { response: ev.isOrganizer ? "organizer" : "none", time: "0001-01-01T00:00:00Z" },
    body: ev.body,
    start: { dateTime: graphDateTime(start), timeZone: out.label },
    end: { dateTime: graphDateTime(end), timeZone: out.label },
    location: {
      displayName: ev.location,
      locationType: "default",
      uniqueIdType: "unknown",
      address: {},
      coordinates: {},
    },
    locations: ev.location ? [{ displayName: ev.location, locationType: "default", uniqueIdType: "unknown" }] : [],
    attendees: [],
    organizer: { emailAddress: { name: "", address: "" } },
  };
  if (!url) return full;
  let shaped = full;
  const select = url.searchParams.get("$select");
  if (select) {
    const wanted = new Set(select.split(",").map((s) => s.trim().toLowerCase()));
    shaped = Object.fromEntries(
      Object.entries(full).filter(([k]) => k.startsWith("@odata.") || k === "id" || wanted.has(k.toLowerCase())),
    );
  }
  const expand = url.searchParams.get("$expand");
  if (expand) {
    const m = /^\s*singleValueExtendedProperties\s*\(\s*\$filter\s*=\s*id\s+eq\s+'([^']+)'\s*\)\s*$/i.exec(expand);
    if (!m)
      throw new Problem(
        400,
        "BadRequest",
        "The stand-in only expands singleValueExtendedProperties($filter=id eq '…').",
      );
    const prop = ev.extended.get(m[1]!.toLowerCase());
    // Like Graph: the collection is left out when nothing matches.
    if (prop) shaped.singleValueExtendedProperties = [{ id: prop.id, value: prop.value }];
  }
  return shaped;
}

// ---- calendarView and its delta ------------------------------------------------------------

function viewWindow(url: URL): ViewWindow {
  const q = url.searchParams;
  const get = (k: string) =>
    q.get(k) ?? q.get(k.toLowerCase()) ?? [...q.entries()].find(([n]) => n.toLowerCase() === k.toLowerCase())?.[1];
  const s = get("startDateTime");
  const e = get("endDateTime");
  if (!s || !e)
    throw new Problem(
      400,
      "ErrorInvalidParameter",
      "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.",
    );
  const from = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s}Z`);
  const to = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(e) ? e : `${e}Z`);
  if (Number.isNaN(from) || Number.isNaN(to))
    throw new Problem(400, "ErrorInvalidParameter", "The value of StartDateTime or EndDateTime is not a valid date.");
  return { from, to };
}

function pageSize(prefs: Map<string, string>): number {
  return Math.min(Math.max(Number(prefs.get("odata.maxpagesize")) || 10, 1), 1000);
}

function applied(prefs: Map<string, string>, size?: number): Record<string, string> {
  const out: string[] = [];
  if (size !== undefined && prefs.has("odata.maxpagesize")) out.push(`odata.maxpagesize=${size}`);
  if (prefs.has("outlook.timezone")) out.push(`outlook.timezone="${outputZone(prefs).label}"`);
  return out.length ? { "Preference-Applied": out.join(", ") } : {};
}

function calendarView(u: UserCalendars, cal: StoredCalendar, url: URL, prefs: Map<string, string>): Result {
  const window = viewWindow(url);
  const top = Math.min(Math.max(Number(url.searchParams.get("$top")) || 10, 1), 1000);
  const value = calendarInstances(u, cal.id, window)
    .slice(0, top)
    .map((i) => resource(i, prefs, url));
  return { status: 200, body: { value }, headers: applied(prefs) };
}

function delta(
  ctx: CalendarContext,
  user: User,
  u: UserCalendars,
  cal: StoredCalendar,
  url: URL,
  prefs: Map<string, string>,
): Result {
  const store = calendarStore(ctx.state);
  const token = url.searchParams.get("$skiptoken") ?? url.searchParams.get("$deltatoken");
  for (const k of ["$select", "$filter", "$orderby", "$expand", "$search"])
    if (url.searchParams.has(k))
      throw new Problem(
        400,
        "ErrorInvalidUrlQuery",
        `The query parameter '${k}' is not supported with delta on calendarView.`,
      );
  let round: Extract<ViewState, { kind: "skip" }>;
  if (token) {
    const st = store.views.get(token);
    if (!st || st.email !== user.email || st.generation !== u.generation || st.calendarId !== cal.id)
      throw new Problem(
        410,
        "syncStateNotFound",
        "The sync state generation is not found. The delta token is no longer valid; start a new sync round without a token.",
      );
    if (st.kind === "skip") round = st;
    else {
      // A new round of changes: what is new or different since the snapshot, and what left.
      const current = calendarInstances(u, cal.id, st.window);
      const snapshot = new Map(current.map((i) => [i.id, i.version]));
      const items: ViewItem[] = current
        .filter((i) => st.snapshot.get(i.id) !== i.version)
        .map((instance) => ({ instance }));
      for (const id of st.snapshot.keys()) if (!snapshot.has(id)) items.push({ removedId: id });
      round = {
        kind: "skip",
        email: user.email,
        calendarId: cal.id,
        generation: u.generation,
        window: st.window,
        items,
        pos: 0,
        snapshot,
      };
    }
  } else {
    const window = viewWindow(url);
    const current = calendarInstances(u, cal.id, window);
    round = {
      kind: "skip",
      email: user.email,
      calendarId: cal.id,
      generation: u.generation,
      window,
      items: current.map((instance) => ({ instance })),
      pos: 0,
      snapshot: new Map(current.map((i) => [i.id, i.version])),
    };
  }

  const size = pageSize(prefs);
  const value = round.items
    .slice(round.pos, round.pos + size)
    .map((item) =>
      "removedId" in item
        ? { "@odata.type": "#microsoft.graph.event", id: item.removedId, "@removed": { reason: "deleted" } }
        : resource(item.instance, prefs),
    );
  const body = deltaPage<ViewState>(store.views, round, size, {
    context: `${ctx.base}/v1.0/$metadata#Collection(event)`,
    linkBase: `${ctx.base}/v1.0/me/calendars('${cal.id}')/calendarView/delta`,
    value,
    done: () => ({
      kind: "delta",
      email: user.email,
      calendarId: cal.id,
      generation: u.generation,
      window: round.window,
      snapshot: round.snapshot,
    }),
  });
  return { status: 200, body, headers: applied(prefs, size) };
}

// ---- writes --------------------------------------------------------------------------------

const localTime = z.object({
  dateTime: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?$/),
  timeZone: z.string().min(1),
});
const recurrenceInput = z.object({
  pattern: z.object({
    type: z.enum(["daily", "weekly"]),
    interval: z.number().int().min(1),
    daysOfWeek: z.array(z.enum(dayNames)).optional(),
    firstDayOfWeek: z.enum(dayNames).optional(),
  }),
  range: z.object({
    type: z.enum(["endDate", "numbered", "noEnd"]),
    startDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    endDate: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/)
      .optional(),
    numberOfOccurrences: z.number().int().min(0).optional(),
    recurrenceTimeZone: z.string().optional(),
  }),
});
const extendedPropertyId =
  /^(String|Integer|Boolean|SystemTime|Double)\s+\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}\s+(Name\s+\S.*|Id\s+0x[0-9a-f]+)$/i;
const eventInput = z
  .object({
    subject: z.string().optional(),
    body: z.object({ contentType: z.string(), content: z.string() }).optional(),
    start: localTime.optional(),
    end: localTime.optional(),
    isAllDay: z.boolean().optional(),
    showAs: z.enum(showAsValues as [ShowAs, ...ShowAs[]]).optional(),
    location: z.object({ displayName: z.string().optional() }).passthrough().optional(),
    transactionId: z.string().optional(),
    singleValueExtendedProperties: z
      .array(z.object({ id: z.string().regex(extendedPropertyId, "Invalid extended property id"), value: z.string() }))
      .optional(),
    recurrence: recurrenceInput.nullable().optional(),
  })
  .passthrough();
type EventInput = z.infer<typeof eventInput>;

function parseInput(body: unknown): EventInput {
  const parsed = eventInput.safeParse(body ?? {});
  if (!parsed.success)
    throw new Problem(
      400,
      "ErrorInvalidRequest",
      `Invalid request: ${parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`,
    );
  for (const t of [parsed.data.start, parsed.data.end])
    if (t && !zoneOf(t.timeZone))
      throw new Problem(
        400,
        "TimeZoneNotSupportedException",
        `A valid TimeZone value must be specified. The following TimeZone value is not supported: '${t.timeZone}'.`,
      );
  return parsed.data;
}

function checkTimes(ev: Pick<StoredEvent, "start" | "end" | "isAllDay">): void {
  if (instantOf(ev.end).getTime() < instantOf(ev.start).getTime())
    throw new Problem(400, "ErrorInvalidRequest", "The end time of the event must be after its start time.");
  if (
    ev.isAllDay &&
    !(
      ev.start.dateTime.slice(11, 19) === "00:00:00" &&
      ev.end.dateTime.slice(11, 19) === "00:00:00" &&
      ev.end.dateTime.slice(0, 10) > ev.start.dateTime.slice(0, 10)
    )
  )
    throw new Problem(400, "ErrorInvalidRequest", "An all-day event must start and end at midnight on different days.");
}

function normalTime(t: LocalTime): LocalTime {
  return { dateTime: t.dateTime.length === 16 ? `${t.dateTime}:00` : t.dateTime.slice(0, 19), timeZone: t.timeZone };
}

function applyInput(ev: StoredEvent, input: EventInput): void {
  if (input.subject !== undefined) ev.subject = input.subject;
  if (input.body)
    ev.body = {
      contentType: input.body.contentType.toLowerCase() === "html" ? "html" : "text",
      content: input.body.content,
    };
  if (input.start) ev.start = normalTime(input.start);
  if (input.end) ev.end = normalTime(input.end);
  if (input.isAllDay !== undefined) ev.isAllDay = input.isAllDay;
  if (input.showAs) ev.showAs = input.showAs;
  if (input.location) ev.location = input.location.displayName ?? "";
  if (input.recurrence !== undefined) ev.recurrence = input.recurrence ?? undefined;
  for (const p of input.singleValueExtendedProperties ?? [])
    ev.extended.set(p.id.toLowerCase(), { id: p.id, value: p.value });
  ev.changeKey = newChangeKey();
  ev.lastModifiedDateTime = nowStamp();
}

export function newStoredEvent(
  calendarId: string,
  init: Partial<StoredEvent> & Pick<StoredEvent, "start" | "end">,
): StoredEvent {
  const now = nowStamp();
  return {
    id: newEventId(),
    calendarId,
    subject: "",
    body: { contentType: "html", content: "" },
    isAllDay: false,
    showAs: "busy",
    isCancelled: false,
    isOrganizer: true,
    location: "",
    iCalUId: newICalUId(),
    changeKey: newChangeKey(),
    createdDateTime: now,
    lastModifiedDateTime: now,
    extended: new Map(),
    exceptions: new Map(),
    ...init,
  };
}

function createEvent(u: UserCalendars, cal: StoredCalendar, body: unknown, prefs: Map<string, string>): Result {
  if (!cal.canEdit) throw new Problem(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.");
  const input = parseInput(body);
  // A retried create with the same transactionId answers with the event it already made.
  if (input.transactionId) {
    const existing = [...u.events.values()].find((e) => e.transactionId === input.transactionId);
    if (existing) return { status: 201, body: resource(masterInstance(existing), prefs) };
  }
  if (!input.start || !input.end) throw new Problem(400, "ErrorInvalidRequest", "Start and End are required.");
  const ev = newStoredEvent(cal.id, {
    start: normalTime(input.start),
    end: normalTime(input.end),
    transactionId: input.transactionId,
  });
  applyInput(ev, input);
  checkTimes(ev);
  u.events.set(ev.id, ev);
  return { status: 201, body: resource(masterInstance(ev), withResponseZone(prefs, ev)) };
}

/** Write responses speak the zone the client wrote in unless it asked for another. */
function withResponseZone(prefs: Map<string, string>, ev: StoredEvent): Map<string, string> {
  return prefs.has("outlook.timezone") ? prefs : new Map([...prefs, ["outlook.timezone", ev.start.timeZone]]);
}

function patchEvent(u: UserCalendars, inst: Instance, body: unknown, prefs: Map<string, string>): Result {
  const cal = u.calendars.get(inst.event.calendarId);
  if (!cal?.canEdit) throw new Problem(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.");
  const input = parseInput(body);
  if (input.transactionId !== undefined && input.transactionId !== inst.event.transactionId)
    throw new Problem(400, "ErrorInvalidRequest", "The transactionId of an event cannot be changed.");
  if (inst.occurrenceDate) {
    editOccurrence(inst, {
      subject: input.subject,
      start: input.start && normalTime(input.start),
      end: input.end && normalTime(input.end),
      showAs: input.showAs,
    });
  } else {
    const draft = {
      ...inst.event,
      start: input.start ? normalTime(input.start) : inst.event.start,
      end: input.end ? normalTime(input.end) : inst.event.end,
      isAllDay: input.isAllDay ?? inst.event.isAllDay,
    };
    checkTimes(draft);
    applyInput(inst.event, input);
  }
  const fresh = inst.occurrenceDate ? findInstance(u, inst.id) : masterInstance(inst.event);
  return { status: 200, body: resource(fresh ?? inst, withResponseZone(prefs, inst.event)) };
}

function editOccurrence(inst: Instance, edit: Omit<Partial<ExceptionEdit>, "changeKey">): void {
  const ev = inst.event;
  const date = inst.occurrenceDate!;
  const prev = ev.exceptions.get(date);
  const clean = Object.fromEntries(Object.entries(edit).filter(([, v]) => v !== undefined));
  ev.exceptions.set(date, { ...prev, ...clean, changeKey: newChangeKey() });
  ev.lastModifiedDateTime = nowStamp();
}

function deleteInstance(u: UserCalendars, inst: Instance): void {
  const cal = u.calendars.get(inst.event.calendarId);
  if (!cal?.canEdit) throw new Problem(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.");
  if (inst.occurrenceDate) editOccurrence(inst, { deleted: true });
  else u.events.delete(inst.event.id);
}

// ---- $batch ----------------------------------------------------------------------------------

const batchInput = z.object({
  requests: z.array(
    z.object({
      id: z.string(),
      method: z.string(),
      url: z.string(),
      headers: z.record(z.string(), z.string()).optional(),
      body: z.unknown().optional(),
    }),
  ),
});

function batch(ctx: CalendarContext, user: User, body: unknown): Result {
  const parsed = batchInput.safeParse(body);
  if (!parsed.success)
    return { status: 400, body: { error: { code: "BadRequest", message: "Invalid batch payload." } } };
  if (parsed.data.requests.length > 20)
    return {
      status: 400,
      body: { error: { code: "BadRequest", message: "Number of requests exceeds the limit of 20." } },
    };
  const responses = parsed.data.requests.map((r) => {
    const url = new URL(`${ctx.base}/v1.0${r.url.startsWith("/") ? "" : "/"}${r.url}`);
    const seg = url.pathname
      .replace(/^\/v1\.0/, "")
      .replace(/\(\s*'([^']*)'\s*\)/g, "/$1")
      .split("/")
      .filter(Boolean)
      .map((s) => decodeURIComponent(s));
    const prefs = parsePrefer(
      Object.entries(r.headers ?? {})
        .filter(([k]) => k.toLowerCase() === "prefer")
        .map(([, v]) => v),
    );
    const result =
      isCalendarPath(seg.map((s) => s.toLowerCase())) && seg[0] !== "$batch"
        ? dispatch(ctx, user, { method: r.method.toUpperCase(), seg, url, prefs, body: r.body })
        : {
            status: 400,
            body: { error: { code: "BadRequest", message: "The stand-in batches calendar requests only." } },
          };
    return {
      id: r.id,
      status: result.status,
      headers: { "Content-Type": "application/json", ...result.headers },
      ...(result.body !== undefined ? { body: result.body } : {}),
    };
  });
  return { status: 200, body: { responses } };
}

// ---- test controls (the user's side of the calendar) -----------------------------------------

export interface CalendarAddInput {
  name: string;
  isDefault?: boolean;
  canEdit?: boolean;
  color?: string;
}

/** A change made by the user in Outlook. Times: a Date (instant) or local "YYYY-MM-DDTHH:mm[:ss]"
 *  / all-day "YYYY-MM-DD" in `timeZone` (Windows or IANA name; default UTC). */
export type UserEventChange =
  | {
      op?: "create";
      subject: string;
      start: Date | string;
      end: Date | string;
      timeZone?: string;
      isAllDay?: boolean;
      showAs?: ShowAs;
      isCancelled?: boolean;
      isOrganizer?: boolean;
      recurrence?: Recurrence;
      body?: string;
    }
  | {
      op: "modify";
      id: string;
      subject?: string;
      start?: Date | string;
      end?: Date | string;
      timeZone?: string;
      showAs?: ShowAs;
      isCancelled?: boolean;
    }
  | { op: "delete"; id: string };

export interface CalendarEventSnapshot {
  id: string;
  calendarId: string;
  type: "singleInstance" | "seriesMaster";
  subject: string;
  body: { contentType: string; content: string };
  start: LocalTime;
  end: LocalTime;
  isAllDay: boolean;
  showAs: ShowAs;
  isCancelled: boolean;
  location: string;
  iCalUId: string;
  changeKey: string;
  transactionId?: string;
  extendedProperties: Record<string, string>;
  recurrence?: Recurrence;
  exceptions: Record<string, { deleted?: boolean; isCancelled?: boolean; subject?: string }>;
}

function toLocal(t: Date | string, timeZone: string | undefined, allDay: boolean): LocalTime {
  const tz = timeZone ?? "UTC";
  const zone = zoneOf(tz);
  if (!zone) throw new Error(`stand-in: unknown time zone ${tz}`);
  if (t instanceof Date) return { dateTime: wallClock(t, zone), timeZone: tz };
  const dateTime =
    allDay || /^\d{4}-\d{2}-\d{2}$/.test(t)
      ? `${t.slice(0, 10)}T00:00:00`
      : normalTime({ dateTime: t, timeZone: tz }).dateTime;
  return { dateTime, timeZone: tz };
}

function mustCalendar(state: StandInState, user: User, calendarId: string): { u: UserCalendars; cal: StoredCalendar } {
  const u = userCalendars(state, user);
  const cal = u.calendars.get(calendarId);
  if (!cal) throw new Error(`stand-in: unknown calendar ${calendarId}`);
  return { u, cal };
}

export function calendarControls(state: StandInState) {
  return {
    defaultCalendarId(email: string): string {
      return defaultCalendar(userCalendars(state, state.mustUser(email))).id;
    },
    calendarAdd(email: string, input: CalendarAddInput): { id: string } {
      const u = userCalendars(state, state.mustUser(email));
      const id = newCalendarId();
      if (input.isDefault) for (const c of u.calendars.values()) c.isDefault = false;
      u.calendars.set(id, {
        id,
        name: input.name,
        isDefault: input.isDefault ?? false,
        canEdit: input.canEdit ?? true,
        color: input.color ?? "auto",
        changeKey: newChangeKey(),
      });
      return { id };
    },
    calendarEvent(email: string, calendarId: string, change: UserEventChange): { id: string; iCalUId: string } {
      const { u, cal } = mustCalendar(state, state.mustUser(email), calendarId);
      if (change.op === "delete" || change.op === "modify") {
        const inst =
          change.op === "delete" || !u.events.get(change.id)
            ? findInstance(u, change.id)
            : masterInstance(u.events.get(change.id)!);
        if (!inst || inst.event.calendarId !== cal.id)
          throw new Error(`stand-in: no event ${change.id} in calendar ${calendarId}`);
        if (change.op === "delete") {
          if (inst.occurrenceDate) editOccurrence(inst, { deleted: true });
          else u.events.delete(inst.event.id);
          return { id: inst.id, iCalUId: inst.iCalUId };
        }
        const tz = change.timeZone ?? inst.event.start.timeZone;
        const edit = {
          subject: change.subject,
          showAs: change.showAs,
          isCancelled: change.isCancelled,
          start: change.start !== undefined ? toLocal(change.start, tz, inst.event.isAllDay) : undefined,
          end: change.end !== undefined ? toLocal(change.end, tz, inst.event.isAllDay) : undefined,
        };
        if (inst.occurrenceDate) editOccurrence(inst, edit);
        else {
          const ev = inst.event;
          if (edit.subject !== undefined) ev.subject = edit.subject;
          if (edit.showAs) ev.showAs = edit.showAs;
          if (edit.isCancelled !== undefined) ev.isCancelled = edit.isCancelled;
          if (edit.start) ev.start = edit.start;
          if (edit.end) ev.end = edit.end;
          ev.changeKey = newChangeKey();
          ev.lastModifiedDateTime = nowStamp();
        }
        return { id: inst.id, iCalUId: inst.iCalUId };
      }
      const allDay = change.isAllDay ?? false;
      const ev = newStoredEvent(cal.id, {
        subject: change.subject,
        start: toLocal(change.start, change.timeZone, allDay),
        end: toLocal(change.end, change.timeZone, allDay),
        isAllDay: allDay,
        showAs: change.showAs ?? "busy",
        isCancelled: change.isCancelled ?? false,
        isOrganizer: change.isOrganizer ?? true,
        recurrence: change.recurrence,
        body: { contentType: "text", content: change.body ?? "" },
      });
      checkTimes(ev);
      u.events.set(ev.id, ev);
      return { id: ev.id, iCalUId: ev.iCalUId };
    },
    /** Later calendarView delta/skip tokens of this user answer 410 syncStateNotFound. */
    expireCalendarDelta(email: string): void {
      userCalendars(state, state.mustUser(email)).generation++;
    },
    calendarEvents(email: string, calendarId: string): CalendarEventSnapshot[] {
      const { u, cal } = mustCalendar(state, state.mustUser(email), calendarId);
      return [...u.events.values()]
        .filter((e) => e.calendarId === cal.id)
        .map((e) => ({
          id: e.id,
          calendarId: e.calendarId,
          type: e.recurrence ? ("seriesMaster" as const) : ("singleInstance" as const),
          subject: e.subject,
          body: { ...e.body },
          start: { ...e.start },
          end: { ...e.end },
          isAllDay: e.isAllDay,
          showAs: e.showAs,
          isCancelled: e.isCancelled,
          location: e.location,
          iCalUId: e.iCalUId,
          changeKey: e.changeKey,
          ...(e.transactionId ? { transactionId: e.transactionId } : {}),
          extendedProperties: Object.fromEntries([...e.extended.values()].map((p) => [p.id, p.value])),
          ...(e.recurrence ? { recurrence: structuredClone(e.recurrence) } : {}),
          exceptions: Object.fromEntries(
            [...e.exceptions].map(([d, x]) => [
              d,
              { deleted: x.deleted, isCancelled: x.isCancelled, subject: x.subject },
            ]),
          ),
        }));
    },
  };
}

export type CalendarControls = ReturnType<typeof calendarControls>;
