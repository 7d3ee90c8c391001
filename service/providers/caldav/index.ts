// Apple Calendar (iCloud) over CalDAV with tsdav, signed in with an Apple ID and an
// app-specific password (Apple offers no calendar API or OAuth to third parties). Any
// CalDAV server works the same way: CALDAV_SERVER_URL or the connect form's serverUrl
// points elsewhere (the tests use a real Radicale).
import type { NewAccount, ProviderAccount, ProviderEnv, SmokeResult } from "../kit/channel.ts";
import {
  classifyCalendarFailures,
  type CalendarCredentialsConnect,
  type CalendarInfo,
  type CalendarProvider,
  type EventDraft,
  type WrittenEvent,
} from "../kit/calendar.ts";
import { ProviderError } from "../kit/errors.ts";
import {
  authHeaders,
  tsdav,
  calendarUrl,
  canonicalHref,
  CalDavHttpError,
  credentialsOf,
  credentialsSchema,
  credsFor,
  login,
  multiget,
  objectEtag,
  text,
  type AppleCredentials,
  type Creds,
} from "./dav.ts";
import { classifyCalDavError } from "./errors.ts";
import { assertServerAllowed } from "./server-guard.ts";
import { calendarZoneName } from "./ical.ts";
import { createSyncEvents, type SyncSettings } from "./sync.ts";
import { buildIcs, previousOf } from "./write.ts";
import meta from "./meta.ts";

export { credentialsSchema as appleCalendarConnectSchema } from "./dav.ts";

const connect: CalendarCredentialsConnect<typeof credentialsSchema> = {
  kind: "credentials",
  route: "apple",
  schema: credentialsSchema,
  /** A real sign-in and calendar listing: a wrong password → auth/CALDAV_AUTH_FAILED,
   *  server down → transient/CALDAV_UNREACHABLE, a server users may not use (server-guard.ts)
   *  → permanent/CALDAV_SERVER_NOT_ALLOWED. */
  async connect(env: ProviderEnv, input: AppleCredentials): Promise<NewAccount> {
    const creds = credsFor(env, input);
    await assertServerAllowed(env, creds.serverUrl); // before any request: nothing goes to a refused server
    try {
      const client = await login(creds);
      await client.fetchCalendars();
      return {
        externalId: client.account?.principalUrl ?? creds.appleId,
        address: creds.appleId,
        credentials: { appleId: creds.appleId, appPassword: creds.appPassword, serverUrl: creds.serverUrl },
        scopes: [],
      };
    } catch (err) {
      throw classifyCalDavError(err);
    }
  },
};

const WRITE_PRIVILEGES = ["all", "write", "writeContent", "bind"];

/** current-user-privilege-set → readOnly (undefined when the server does not say). */
function readOnlyFrom(privilegeSet: unknown): boolean | undefined {
  if (!privilegeSet || typeof privilegeSet !== "object") return undefined;
  const list = (privilegeSet as { privilege?: unknown }).privilege;
  const privileges = (Array.isArray(list) ? list : list ? [list] : []).flatMap((p) =>
    p && typeof p === "object" ? Object.keys(p) : [],
  );
  if (!privileges.length) return undefined;
  return !privileges.some((p) => WRITE_PRIVILEGES.includes(p));
}

async function listCalendars(env: ProviderEnv, account: ProviderAccount): Promise<CalendarInfo[]> {
  const client = await login(credentialsOf(env, account));
  const calendars = await client.fetchCalendars({
    props: {
      "d:displayname": {},
      "cs:getctag": {},
      "d:sync-token": {},
      "d:resourcetype": {},
      "c:calendar-timezone": {},
      "c:supported-calendar-component-set": {},
      "d:current-user-privilege-set": {},
    },
    projectedProps: { currentUserPrivilegeSet: true },
  });
  return (
    calendars
      // Busy time lives in VEVENTs: reminder lists (VTODO-only collections) are not calendars here.
      .filter((c) => !c.components?.length || c.components.includes("VEVENT"))
      .map((c) => {
        const name =
          text(c.displayName) ??
          decodeURIComponent(new URL(c.url).pathname.split("/").filter(Boolean).pop() ?? "Calendar");
        const timeZone = calendarZoneName(typeof c.timezone === "string" && c.timezone ? c.timezone : undefined);
        const readOnly = readOnlyFrom(c.projectedProps?.currentUserPrivilegeSet);
        return {
          externalId: c.url,
          name,
          ...(timeZone ? { timeZone } : {}),
          ...(readOnly !== undefined ? { readOnly } : {}),
        };
      })
  );
}

const ICS_HEADERS = { "content-type": "text/calendar; charset=utf-8" };

/** Where Tatu keeps an appointment: `<calendar url><uid>.ics` (one object per UID, RFC 4791 §4.1). */
function objectUrlFor(calendar: URL, uid: string): URL {
  return new URL(`${encodeURIComponent(uid)}.ics`, calendar);
}

/** An event id → its object URL (instance ids carry `#<recurrence instant>`). */
function objectUrlOf(calendar: URL, externalId: string): URL {
  const u = new URL(externalId.split("#")[0]!, calendar);
  if (
    u.origin !== calendar.origin ||
    !canonicalHref(u.pathname, calendar).startsWith(canonicalHref(calendar.pathname, calendar))
  )
    throw new ProviderError("permanent", "This event does not belong to the calendar.", { code: "CALDAV_BAD_EVENT" });
  return u;
}

async function written(c: Creds, calendar: URL, objectUrl: URL, res: Response, uid: string): Promise<WrittenEvent> {
  const etag = res.headers.get("etag") ?? (await objectEtag(c, objectUrl));
  return { externalId: canonicalHref(objectUrl.pathname, calendar), iCalUID: uid, ...(etag ? { etag } : {}) };
}

/** PUT over the current version (If-Match its etag). One retry when another client wrote in between. */
async function replace(c: Creds, calendar: URL, objectUrl: URL, draft: EventDraft): Promise<WrittenEvent> {
  const href = canonicalHref(objectUrl.pathname, calendar);
  for (let attempt = 0; ; attempt++) {
    const [current] = await multiget(c, calendar, [href]);
    if (!current || current.status !== 200) {
      throw new ProviderError("permanent", "The event no longer exists at Apple Calendar.", {
        code: "CALDAV_NOT_FOUND",
        status: 404,
      });
    }
    try {
      const res = await (await tsdav.load()).updateObject({
        url: objectUrl.href,
        data: buildIcs(draft, previousOf(current.data)),
        etag: current.etag,
        headers: { ...(await authHeaders(c)), ...ICS_HEADERS },
        fetch: c.fetch,
      });
      return await written(c, calendar, objectUrl, res, draft.iCalUID);
    } catch (err) {
      if (err instanceof CalDavHttpError && err.status === 412 && attempt === 0) continue;
      throw err;
    }
  }
}

const createEvent: CalendarProvider["createEvent"] = async (env, account, calendarId, draft) => {
  const c = credentialsOf(env, account);
  const calendar = calendarUrl(c, calendarId);
  const objectUrl = objectUrlFor(calendar, draft.iCalUID);
  try {
    const res = await (await tsdav.load()).createObject({
      url: objectUrl.href,
      data: buildIcs(draft),
      headers: { ...(await authHeaders(c)), ...ICS_HEADERS, "if-none-match": "*" },
      fetch: c.fetch,
    });
    return await written(c, calendar, objectUrl, res, draft.iCalUID);
  } catch (err) {
    // Already there: a retried create after a lost answer. Same UID, same appointment.
    if (err instanceof CalDavHttpError && err.status === 412) return await replace(c, calendar, objectUrl, draft);
    throw err;
  }
};

const updateEvent: CalendarProvider["updateEvent"] = async (env, account, calendarId, externalId, draft) => {
  const c = credentialsOf(env, account);
  const calendar = calendarUrl(c, calendarId);
  return await replace(c, calendar, objectUrlOf(calendar, externalId), draft);
};

const deleteEvent: CalendarProvider["deleteEvent"] = async (env, account, calendarId, externalId) => {
  const c = credentialsOf(env, account);
  const calendar = calendarUrl(c, calendarId);
  try {
    await (await tsdav.load()).deleteObject({
      url: objectUrlOf(calendar, externalId).href,
      headers: await authHeaders(c),
      fetch: c.fetch,
    });
  } catch (err) {
    if (err instanceof CalDavHttpError && (err.status === 404 || err.status === 410)) return;
    throw err;
  }
};

async function smoke(env: ProviderEnv, account: ProviderAccount): Promise<SmokeResult> {
  const checks: SmokeResult["checks"] = [];
  try {
    const client = await login(credentialsOf(env, account));
    checks.push({ name: "caldav login", ok: true });
    const calendars = await client.fetchCalendars();
    checks.push({ name: "caldav calendars", ok: true, detail: `${calendars.length} calendars` });
  } catch (err) {
    const e = classifyCalDavError(err);
    checks.push({
      name: checks.length ? "caldav calendars" : "caldav login",
      ok: false,
      detail: `${e.code}: ${e.message}`,
    });
  }
  return { ok: checks.every((c) => c.ok), checks };
}

export interface CaldavOptions extends Partial<SyncSettings> {}

export function createCaldavProvider(options: CaldavOptions = {}): CalendarProvider {
  const sync = createSyncEvents({ syncCollection: options.syncCollection ?? true, pageSize: options.pageSize ?? 50 });
  return {
    ...meta,
    connect: connect as CalendarCredentialsConnect,
    ...classifyCalendarFailures(
      { listCalendars, syncEvents: sync, createEvent, updateEvent, deleteEvent },
      classifyCalDavError,
    ),
    classifyError: classifyCalDavError,
    smoke,
  };
}

export const caldavProvider: CalendarProvider = createCaldavProvider();

export default caldavProvider;
