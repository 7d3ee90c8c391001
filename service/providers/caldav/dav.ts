// The CalDAV wire through tsdav: credentials, the server URL, an HTTP layer that turns
// failures into typed errors, and the few DAV requests the provider makes. tsdav reports
// most HTTP failures as data (status fields, empty lists) rather than errors, so every
// request goes through `davFetch`, which throws on any 4xx/5xx: nothing is silently lost.
import type { DAVClient, DAVResponse } from "tsdav";
import { z } from "zod";
import { ProviderError, parseRetryAfter } from "../kit/errors.ts";
import type { ProviderAccount, ProviderEnv } from "../kit/channel.ts";
import { RedirectLimitError, refusalOf, type OutboundGuard } from "../../security/outbound/guard.ts";
import { caldavGuard, defaultServerUrl, ICLOUD_CALDAV_URL, serverRefusal } from "./server-guard.ts";
import { storedCredentials } from "../kit/credentials.ts";
import { importOnFirstUse } from "../kit/lazy-sdk.ts";

/** tsdav, imported at the first CalDAV call (its ESM build: the one `import` gives everywhere). */
export const tsdav = importOnFirstUse(() => import("tsdav"));

const REQUEST_TIMEOUT_MS = 30_000;
const MAX_REDIRECTS = 5;

export { defaultServerUrl, ICLOUD_CALDAV_URL };

/** Apple shows app-specific passwords as "abcd-efgh-ijkl-mnop"; people paste them with
 *  spaces too. Sixteen letters in four groups are brought to Apple's dashed form; anything
 *  else (another CalDAV server's password) is used as typed, minus surrounding blanks. */
export function normaliseAppPassword(raw: string): string {
  const s = raw.trim();
  const m = /^([a-z]{4})[\s-]*([a-z]{4})[\s-]*([a-z]{4})[\s-]*([a-z]{4})$/i.exec(s);
  return m ? m.slice(1).join("-") : s;
}

const httpUrl = z.url({ protocol: /^https?$/, message: "Enter an http(s) URL of the CalDAV server." });

/** The connect form (and the stored credentials' shape). */
export const credentialsSchema = z.object({
  appleId: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.email({ message: "Enter the email address of your Apple Account (Apple ID)." })),
  appPassword: z
    .string()
    .transform(normaliseAppPassword)
    .pipe(
      z
        .string()
        .min(1, "Enter an app-specific password (account.apple.com → Sign-In and Security → App-Specific Passwords)."),
    ),
  serverUrl: z.string().trim().pipe(httpUrl).optional(),
});
export type AppleCredentials = z.output<typeof credentialsSchema>;

/** What every request of one account needs: who signs in, where, and the fetch that only goes
 *  where the outbound guard allows (server-guard.ts). */
export interface Creds {
  appleId: string;
  appPassword: string;
  serverUrl: string;
  fetch: typeof fetch;
}

export function credsFor(env: ProviderEnv, input: AppleCredentials): Creds {
  return {
    appleId: input.appleId,
    appPassword: input.appPassword,
    serverUrl: input.serverUrl ?? defaultServerUrl(env),
    fetch: guardedFetch(caldavGuard(env)),
  };
}

/** Stored credentials of a connected account; unreadable ones need a reconnect, not retries. */
export function credentialsOf(env: ProviderEnv, account: ProviderAccount): Creds {
  const stored = storedCredentials(credentialsSchema, account, {
    message: "The stored Apple Calendar sign-in is incomplete. Reconnect the account.",
    code: "CREDENTIALS_INVALID",
  });
  return credsFor(env, stored);
}

/** An HTTP answer ≥ 400. `condition` is the DAV precondition named in the error body, if any. */
export class CalDavHttpError extends Error {
  constructor(
    readonly status: number,
    readonly method: string,
    readonly retryAfterMs: number | undefined,
    readonly condition: string | undefined,
  ) {
    super(`CalDAV ${method} answered ${status}${condition ? ` (${condition})` : ""}`);
    this.name = "CalDavHttpError";
  }
}

/** No HTTP answer at all (refused, reset, DNS, timeout). */
export class CalDavNetworkError extends Error {
  constructor(
    readonly origin: string,
    cause: unknown,
  ) {
    super(`CalDAV server ${origin} could not be reached`, { cause });
    this.name = "CalDavNetworkError";
  }
}

/** DAV preconditions worth telling apart (RFC 4918 §16, RFC 6578 §3.7, RFC 4791 §5.3.2.1). */
const conditions = [
  "valid-sync-token",
  "number-of-matches-within-limits",
  "need-privileges",
  "no-uid-conflict",
  "valid-calendar-data",
];

/** The fetch every CalDAV request uses: through the outbound guard (each URL and redirect hop
 *  checked, the address checked when the connection opens, so a server cannot bounce the
 *  request and the credentials somewhere refused), throwing on any 4xx/5xx. A caller asking
 *  for manual redirects (tsdav's service discovery) gets the 3xx itself; its next request is
 *  checked like any other. */
export function guardedFetch(guard: OutboundGuard): typeof fetch {
  return async (input, init) => {
    const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url);
    const method = init?.method ?? "GET";
    let res: Response;
    try {
      res = await guard.fetch(url, {
        ...init,
        signal: init?.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        maxRedirects: MAX_REDIRECTS,
      });
    } catch (err) {
      const refused = refusalOf(err);
      if (refused) throw serverRefusal(refused);
      if (err instanceof RedirectLimitError)
        throw new CalDavHttpError(err.status, method, undefined, "too many redirects");
      throw new CalDavNetworkError(url.origin, err);
    }
    if (res.status < 400) return res;
    let body = "";
    try {
      body = (await res.text()).slice(0, 8192);
    } catch {
      /* the status says enough */
    }
    const condition = conditions.find((c) => body.includes(c));
    throw new CalDavHttpError(res.status, method, parseRetryAfter(res.headers.get("retry-after")), condition);
  };
}

export async function authHeaders(c: Creds): Promise<Record<string, string>> {
  return (await tsdav.load()).getBasicAuthHeaders({ username: c.appleId, password: c.appPassword });
}

/** tsdav's client after discovery (well-known → principal → calendar home). */
export async function login(c: Creds): Promise<DAVClient> {
  const client = new (await tsdav.load()).DAVClient({
    serverUrl: c.serverUrl,
    credentials: { username: c.appleId, password: c.appPassword },
    authMethod: "Basic",
    defaultAccountType: "caldav",
    fetch: c.fetch,
  });
  await client.login();
  return client;
}

/**
 * Calendar ids are the absolute collection URLs the server gave us (iCloud serves them from
 * pNN-caldav.icloud.com, not the login host). Basic credentials only go to https, or to the
 * configured server's own origin (local CalDAV servers over http).
 */
export function calendarUrl(c: Creds, calendarId: string): URL {
  let u: URL;
  try {
    u = new URL(calendarId);
  } catch {
    throw new ProviderError("permanent", "This calendar's address is not valid. Reconnect the calendar.", {
      code: "CALDAV_BAD_CALENDAR",
    });
  }
  const server = new URL(c.serverUrl);
  if (u.protocol !== "https:" && u.origin !== server.origin) {
    throw new ProviderError("permanent", "This calendar's address is not on a secure connection.", {
      code: "CALDAV_BAD_CALENDAR",
    });
  }
  if (!u.pathname.endsWith("/")) u.pathname += "/";
  u.hash = "";
  return u;
}

/** One spelling per href: servers differ in what they percent-encode ('@' in UIDs…), and
 *  externalIds must match between what we write and what sync reports. */
export function canonicalHref(href: string, base: URL): string {
  const path = new URL(href, base).pathname;
  return path
    .split("/")
    .map((seg) => {
      try {
        return encodeURIComponent(decodeURIComponent(seg));
      } catch {
        return seg;
      }
    })
    .join("/");
}

/** tsdav turns XML text into numbers/booleans where it can, and CDATA into {_cdata}. */
export function text(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return String(v);
  if (typeof v === "object") {
    const o = v as { _cdata?: unknown; _text?: unknown };
    if (o._cdata !== undefined) return String(o._cdata);
    if (o._text !== undefined) return String(o._text);
  }
  return undefined;
}

export interface CollectionState {
  ctag?: string;
  syncToken?: string;
  /** calendar-timezone: a VCALENDAR with one VTIMEZONE. */
  timezone?: string;
  supportsSyncCollection: boolean;
}

export async function collectionState(c: Creds, url: URL): Promise<CollectionState> {
  const [res] = await (await tsdav.load()).propfind({
    url: url.href,
    props: { "cs:getctag": {}, "d:sync-token": {}, "c:calendar-timezone": {}, "d:supported-report-set": {} },
    depth: "0",
    headers: await authHeaders(c),
    fetch: c.fetch,
  });
  const p = res?.props ?? {};
  const reports = p.supportedReportSet?.supportedReport;
  const names = (Array.isArray(reports) ? reports : reports ? [reports] : []).flatMap((r: { report?: object }) =>
    Object.keys(r?.report ?? {}),
  );
  return {
    ctag: text(p.getctag),
    syncToken: text(p.syncToken),
    timezone: text(p.calendarTimezone),
    supportsSyncCollection: names.includes("syncCollection"),
  };
}

/** RFC 6578 sync-collection; a rejected token surfaces as CalDavHttpError(condition "valid-sync-token"). */
export async function syncCollectionReport(
  c: Creds,
  url: URL,
  syncToken: string,
): Promise<{ changed: Map<string, string | undefined>; removed: Set<string>; syncToken?: string; truncated: boolean }> {
  const res = await (await tsdav.load()).davRequest({
    url: url.href,
    init: {
      method: "REPORT",
      namespace: "d",
      headers: { ...(await authHeaders(c)), depth: "0" },
      body: {
        "sync-collection": {
          _attributes: { "xmlns:d": "DAV:" },
          "sync-token": syncToken,
          "sync-level": 1,
          prop: { getetag: {} },
        },
      },
    },
    fetch: c.fetch,
  });
  const changed = new Map<string, string | undefined>();
  const removed = new Set<string>();
  let truncated = false;
  const self = url.pathname;
  for (const r of res) {
    if (!r.href) continue;
    const href = canonicalHref(r.href, url);
    if (href === canonicalHref(self, url) || href === canonicalHref(self.replace(/\/$/, ""), url)) {
      if (r.status === 507) truncated = true; // RFC 6578 §3.6: more changes than one answer holds
      continue;
    }
    if (r.status === 404 || r.status === 410) {
      removed.add(href);
      changed.delete(href);
    } else {
      changed.set(href, text(r.props?.getetag));
      removed.delete(href);
    }
  }
  const raw = res[0]?.raw as { multistatus?: { syncToken?: unknown } } | undefined;
  return { changed, removed, syncToken: text(raw?.multistatus?.syncToken), truncated };
}

/** Every member's etag (Depth 1 PROPFIND): the ctag/etag fallback's view of the collection. */
export async function listEtags(c: Creds, url: URL): Promise<Map<string, string>> {
  const res = await (await tsdav.load()).propfind({
    url: url.href,
    props: { "d:getetag": {} },
    depth: "1",
    headers: await authHeaders(c),
    fetch: c.fetch,
  });
  const out = new Map<string, string>();
  const self = canonicalHref(url.pathname, url);
  for (const r of res) {
    if (!r.href || !r.ok) continue;
    const href = canonicalHref(r.href, url);
    const etag = text(r.props?.getetag);
    if (href !== self && !href.endsWith("/") && etag) out.set(href, etag);
  }
  return out;
}

/** A CalDAV REPORT (RFC 4791 §7) at Depth 1 on a calendar collection. */
async function calendarReport(
  c: Creds,
  url: URL,
  report: string,
  query: Record<string, unknown>,
): Promise<DAVResponse[]> {
  return (await tsdav.load()).davRequest({
    url: url.href,
    init: {
      method: "REPORT",
      namespace: "c",
      headers: { ...(await authHeaders(c)), depth: "1" },
      body: { [report]: { _attributes: { "xmlns:c": "urn:ietf:params:xml:ns:caldav", "xmlns:d": "DAV:" }, ...query } },
    },
    fetch: c.fetch,
  });
}

/** Objects with a VEVENT that ends after `from` (recurring ones always match while they recur). */
export async function queryHrefsFrom(c: Creds, url: URL, from: Date): Promise<string[]> {
  const res = await calendarReport(c, url, "calendar-query", {
    "d:prop": { "d:getetag": {} },
    filter: {
      "comp-filter": {
        _attributes: { name: "VCALENDAR" },
        "comp-filter": { _attributes: { name: "VEVENT" }, "time-range": { _attributes: { start: icalUtc(from) } } },
      },
    },
  });
  const self = canonicalHref(url.pathname, url);
  return res
    .filter((r) => r.href && r.ok)
    .map((r) => canonicalHref(r.href!, url))
    .filter((h) => h !== self && !h.endsWith("/"));
}

export interface FetchedObject {
  href: string;
  status: number;
  etag?: string;
  data?: string;
}

/** calendar-multiget (RFC 4791 §7.9); a member gone meanwhile comes back with status 404. */
export async function multiget(c: Creds, url: URL, hrefs: string[]): Promise<FetchedObject[]> {
  if (!hrefs.length) return [];
  const res = await calendarReport(c, url, "calendar-multiget", {
    "d:prop": { "d:getetag": {}, "c:calendar-data": {} },
    "d:href": hrefs,
  });
  const byHref = new Map<string, FetchedObject>();
  for (const r of res) {
    if (!r.href) continue;
    const href = canonicalHref(r.href, url);
    const data = text(r.props?.calendarData);
    // Per-member status, or the 207 of the whole answer when the member only has propstats.
    const status = r.ok ? (data !== undefined ? 200 : 404) : r.status;
    byHref.set(href, { href, status, etag: text(r.props?.getetag), data });
  }
  // A member the server did not mention is treated as gone (never silently kept).
  return hrefs.map((h) => byHref.get(h) ?? { href: h, status: 404 });
}

export function icalUtc(d: Date): string {
  return `${d.toISOString().slice(0, 19).replace(/[-:]/g, "")}Z`;
}

/** One object's current etag (for servers that do not return ETag on PUT). */
export async function objectEtag(c: Creds, objectUrl: URL): Promise<string | undefined> {
  const [res] = await (await tsdav.load()).propfind({
    url: objectUrl.href,
    props: { "d:getetag": {} },
    depth: "0",
    headers: await authHeaders(c),
    fetch: c.fetch,
  });
  return text(res?.props?.getetag);
}
