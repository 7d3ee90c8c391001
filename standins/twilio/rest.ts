// The REST paths the twilio SDK calls, as api.twilio.com/2010-04-01 answers them:
//   Accounts/{AC}/Messages.json                      GET list (To, From, DateSent[<>], paging) · POST create
//   Accounts/{AC}/Messages/{SM}.json                 GET
//   Accounts/{AC}/Messages/{SM}/Media.json           GET list
//   Accounts/{AC}/Messages/{SM}/Media/{ME}.json      GET metadata
//   Accounts/{AC}/Messages/{SM}/Media/{ME}           GET → 302 to the CDN path (bytes)
//   Accounts/{AC}/IncomingPhoneNumbers.json          GET list (PhoneNumber "contains")
//   Accounts/{AC}/IncomingPhoneNumbers/{PN}.json     GET · POST update (SmsUrl, SmsMethod…)
// plus /mms-cdn/{AC}/{token}, the "CDN" the media redirect points at (no auth, like a signed URL).
import { API_VERSION, segments, type MediaRecord, type MessageRecord, type TwilioState } from "./state.ts";
import {
  authenticateError,
  basicAuth,
  parseForm,
  readBody,
  sendJson,
  twilioError,
  type Req,
  type Res,
} from "./http.ts";

export const CDN_PREFIX = "/mms-cdn/";
const E164 = /^\+[1-9]\d{6,14}$/;
const ACCOUNT_PATH = new RegExp(`^/${API_VERSION}/Accounts/(AC[0-9a-f]{32})(/.*)$`);

export interface RestContext {
  /** Every Twilio account the stand-in plays, by AccountSid. */
  accounts: Map<string, TwilioState>;
  base: string;
  /** Called after a message was created (auto status callbacks). */
  onCreated(m: MessageRecord): void;
}

export async function handleRest(ctx: RestContext, req: Req, res: Res, url: URL): Promise<void> {
  if (url.pathname.startsWith(CDN_PREFIX)) return serveCdn(ctx, res, url);

  const m = ACCOUNT_PATH.exec(url.pathname);
  if (!m) return twilioError(res, 404, 20404, `The requested resource ${url.pathname} was not found`);
  // Basic auth with one account's SID + token reaches that account's resources only.
  const auth = basicAuth(req);
  const state = auth ? ctx.accounts.get(auth.user) : undefined;
  if (!auth || !state || auth.pass !== state.authToken || m[1] !== state.accountSid) return authenticateError(res);
  const rest = m[2]!;
  const method = req.method ?? "GET";
  let p: RegExpExecArray | null;

  if (rest === "/Messages.json") {
    if (method === "GET") return listMessages(state, res, url);
    if (method === "POST") return createMessage(ctx, state, res, parseForm(await readBody(req)));
  } else if ((p = /^\/Messages\/((?:SM|MM)[0-9a-f]{32})\.json$/.exec(rest))) {
    const msg = state.messages.get(p[1]!);
    if (!msg) return notFound(res, url);
    if (method === "GET") return sendJson(res, 200, state.messageJson(msg));
  } else if ((p = /^\/Messages\/((?:SM|MM)[0-9a-f]{32})\/Media\.json$/.exec(rest))) {
    const msg = state.messages.get(p[1]!);
    if (!msg) return notFound(res, url);
    if (method === "GET") return sendPage(res, url, "media_list", msg.media, (x) => state.mediaJson(x), {});
  } else if ((p = /^\/Messages\/((?:SM|MM)[0-9a-f]{32})\/Media\/(ME[0-9a-f]{32})(\.json)?$/.exec(rest))) {
    const media = state.messages.get(p[1]!)?.media.find((x) => x.sid === p![2]);
    if (!media) return notFound(res, url);
    if (method === "GET" && p[3]) return sendJson(res, 200, state.mediaJson(media));
    if (method === "GET") {
      // api.twilio.com answers the content URL with a redirect to a short-lived CDN URL.
      res.writeHead(302, {
        Location: `${ctx.base}${CDN_PREFIX}${state.accountSid}/${media.cdnToken}`,
        "Content-Length": "0",
      });
      return void res.end();
    }
  } else if (rest === "/IncomingPhoneNumbers.json") {
    if (method === "GET") {
      const filter = url.searchParams.get("PhoneNumber");
      const numbers = [...state.numbers.values()].filter((n) => !filter || n.phoneNumber.includes(filter.trim()));
      const filters: Record<string, string> = filter ? { PhoneNumber: filter } : {};
      return sendPage(res, url, "incoming_phone_numbers", numbers, (n) => state.numberJson(n), filters);
    }
  } else if ((p = /^\/IncomingPhoneNumbers\/(PN[0-9a-f]{32})\.json$/.exec(rest))) {
    const n = state.numberBySid(p[1]!);
    if (!n) return notFound(res, url);
    if (method === "GET") return sendJson(res, 200, state.numberJson(n));
    if (method === "POST") {
      const form = parseForm(await readBody(req));
      const one = (k: string) => form.get(k)?.[0];
      const smsMethod = one("SmsMethod");
      if (smsMethod !== undefined && !/^(GET|POST)$/i.test(smsMethod))
        return twilioError(res, 400, 21609, `SmsMethod is not valid: ${smsMethod}`);
      if (one("SmsUrl") !== undefined) n.smsUrl = one("SmsUrl")!;
      if (smsMethod !== undefined) n.smsMethod = smsMethod.toUpperCase();
      if (one("FriendlyName") !== undefined) n.friendlyName = one("FriendlyName")!;
      if (one("StatusCallback") !== undefined) n.statusCallback = one("StatusCallback")!;
      if (one("VoiceUrl") !== undefined) n.voiceUrl = one("VoiceUrl")!;
      n.dateUpdated = new Date();
      return sendJson(res, 200, state.numberJson(n));
    }
  } else {
    return notFound(res, url);
  }
  twilioError(res, 405, 20004, "Method not allowed");
}

function notFound(res: Res, url: URL): void {
  twilioError(res, 404, 20404, `The requested resource ${url.pathname} was not found`);
}

function serveCdn(ctx: RestContext, res: Res, url: URL): void {
  const [accountSid = "", token = ""] = url.pathname.slice(CDN_PREFIX.length).split("/");
  const media: MediaRecord | undefined = ctx.accounts.get(accountSid)?.cdn.get(token);
  if (!media) {
    const body =
      '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>';
    res.writeHead(403, { "Content-Type": "application/xml", "Content-Length": Buffer.byteLength(body) });
    return void res.end(body);
  }
  res.writeHead(200, {
    "Content-Type": media.contentType,
    "Content-Length": media.content.length,
    "Cache-Control": "private, max-age=300",
  });
  res.end(media.content);
}

/** Legacy 2010-04-01 paging: one array key plus page meta; next_page_uri carries a PageToken. */
function sendPage<T extends { sid: string }>(
  res: Res,
  url: URL,
  key: string,
  all: T[],
  toJson: (x: T) => unknown,
  filters: Record<string, string>,
): void {
  const pageSize = Math.min(1000, Math.max(1, Number(url.searchParams.get("PageSize") ?? 50) || 50));
  const page = Math.max(0, Number(url.searchParams.get("Page") ?? 0) || 0);
  const token = url.searchParams.get("PageToken");
  let start = page * pageSize;
  if (token) {
    // PA<sid>: the page starts right after the item that ended the previous one.
    const at = all.findIndex((x) => `PA${x.sid}` === token);
    if (at === -1) return twilioError(res, 400, 20001, `Invalid PageToken: ${token}`);
    start = at + 1;
  }
  const items = all.slice(start, start + pageSize);
  const path = url.pathname;
  const q = (extra: Record<string, string>) =>
    `${path}?${new URLSearchParams({ ...filters, PageSize: String(pageSize), ...extra })}`;
  const last = items[items.length - 1];
  sendJson(res, 200, {
    [key]: items.map(toJson),
    end: start + Math.max(items.length - 1, 0),
    first_page_uri: q({ Page: "0" }),
    next_page_uri:
      last && start + items.length < all.length ? q({ Page: String(page + 1), PageToken: `PA${last.sid}` }) : null,
    page,
    page_size: pageSize,
    previous_page_uri: page > 0 ? q({ Page: String(page - 1) }) : null,
    start,
    uri: `${path}${url.search}`,
  });
}

/** "YYYY-MM-DD" (whole UTC day) or an ISO instant; `edge` picks the day's start or end. */
function parseDateFilter(v: string, edge: "start" | "end"): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return Date.parse(`${v}T00:00:00Z`) + (edge === "end" ? 86_400_000 - 1 : 0);
  return Date.parse(v);
}

function listMessages(state: TwilioState, res: Res, url: URL): void {
  const sp = url.searchParams;
  const filters: Record<string, string> = {};
  for (const k of ["To", "From", "DateSent", "DateSent>", "DateSent<"]) {
    const v = sp.get(k);
    if (v !== null) filters[k] = v;
  }
  const bounds: { gte?: number; lte?: number } = {};
  for (const [k, v] of Object.entries(filters)) {
    if (!k.startsWith("DateSent")) continue;
    const lo = parseDateFilter(v, "start");
    const hi = parseDateFilter(v, "end");
    if (Number.isNaN(lo)) return twilioError(res, 400, 20001, `Invalid value for ${k}: ${v}`);
    if (k === "DateSent") {
      bounds.gte = lo;
      bounds.lte = hi;
    }
    if (k === "DateSent>") bounds.gte = lo;
    if (k === "DateSent<") bounds.lte = hi;
  }
  const dated = bounds.gte !== undefined || bounds.lte !== undefined;
  const list = [...state.messages.values()]
    .filter((m) => (!filters.To || m.to === filters.To) && (!filters.From || m.from === filters.From))
    .filter((m) => {
      if (!dated) return true;
      if (!m.dateSent) return false;
      const t = m.dateSent.getTime();
      return (bounds.gte === undefined || t >= bounds.gte) && (bounds.lte === undefined || t <= bounds.lte);
    })
    // Most recent first (date sent, else created), newest creation breaking ties.
    .sort((a, b) => (b.dateSent ?? b.dateCreated).getTime() - (a.dateSent ?? a.dateCreated).getTime() || b.seq - a.seq);
  sendPage(res, url, "messages", list, (m) => state.messageJson(m), filters);
}

function createMessage(ctx: RestContext, state: TwilioState, res: Res, form: Map<string, string[]>): void {
  const one = (k: string) => form.get(k)?.[0];
  const to = one("To")?.trim();
  const from = one("From")?.trim();
  const body = one("Body") ?? "";
  const mediaUrl = form.get("MediaUrl") ?? [];
  if (!to) return twilioError(res, 400, 21604, "A 'To' phone number is required.");
  if (!from) return twilioError(res, 400, 21603, "A 'From' phone number is required.");
  if (!E164.test(to)) return twilioError(res, 400, 21211, `Invalid 'To' Phone Number: ${to}`);
  if (!state.numbers.has(from))
    return twilioError(
      res,
      400,
      21606,
      `The From phone number ${from} is not a valid, SMS-capable inbound phone number or short code for your account.`,
    );
  if (!body.trim() && !mediaUrl.length) return twilioError(res, 400, 21602, "Message body is required.");
  if (body.length > 1600)
    return twilioError(res, 400, 21617, "The concatenated message body exceeds the 1600 character limit.");
  if (state.optedOut.has(to)) return twilioError(res, 400, 21610, "Attempt to send to unsubscribed recipient");

  const now = new Date();
  const msg = state.addMessage({
    from,
    to,
    body,
    direction: "outbound-api",
    status: "queued",
    dateCreated: now,
    dateSent: null,
    errorCode: null,
    errorMessage: null,
    statusCallback: one("StatusCallback"),
  });
  state.sent.push({
    sid: msg.sid,
    accountSid: state.accountSid,
    from,
    to,
    body,
    statusCallback: msg.statusCallback,
    mediaUrl: [...mediaUrl],
    at: now,
  });
  const json = state.messageJson(msg);
  // Media the caller links is fetched by Twilio later; the create answer already counts it.
  json.num_media = String(mediaUrl.length);
  json.num_segments = String(segments(body));
  sendJson(res, 201, json);
  ctx.onCreated(msg);
}
