// Stand-in for Twilio Programmable Messaging on one loopback port: the 2010-04-01 REST API
// the twilio SDK calls (messages, media with its CDN redirect, incoming phone numbers) with
// basic auth, and Twilio calling Tatu back (signed inbound-SMS webhooks and status callbacks).
// It plays several Twilio accounts: the server's (env()) and studios' own (addAccount()), each
// with its own numbers and auth token; a webhook is signed with the token of the account that
// owns the number and names it in AccountSid, as Twilio does.
// The SDK reaches it through TWILIO_API_BASE_URL (see env()). Used by the Twilio provider
// tests, the webhook end-to-end tests and `tatu launch --rehearse`.
import http from "node:http";
import { closeServer, listenLoopback } from "../shared/http.ts";
import { postSigned, type PostOptions, type WebhookDelivery } from "./callbacks.ts";
import { PayloadTooLarge, twilioError } from "./http.ts";
import { handleRest } from "./rest.ts";
import { API_VERSION, DEMO_SMS_URL, segments, TwilioState, type MessageRecord, type SentRecord } from "./state.ts";

export type { PostOptions, SentRecord, WebhookDelivery };

export interface Fault {
  /** HTTP status (401, 429, 500, 503…). */
  status: number;
  /** Twilio error code; default per status (20003, 20429, 20500, 20503). */
  code?: number;
  message?: string;
  /** Seconds, sent as Retry-After. */
  retryAfter?: number;
  /** Only requests whose "METHOD /path" contains this (e.g. "POST /2010-04-01", "Messages.json"). */
  match?: string;
  /** Let this many matching requests through before the first failure (e.g. fail page 2 of a list). */
  after?: number;
}

export interface InboundInput {
  from: string;
  to: string;
  body?: string;
  /** MMS media (Twilio stores them; the webhook carries MediaUrl{i}/MediaContentType{i}). */
  media?: { contentType: string; content: Buffer }[];
  /** When Twilio received it (date_sent); default now. */
  at?: Date;
}

export interface HistoryInput {
  direction: "inbound" | "outbound";
  from: string;
  to: string;
  body?: string;
  media?: { contentType: string; content: Buffer }[];
  /** date_sent; default now. */
  at?: Date;
  /** Outbound only: default "delivered". */
  status?: "queued" | "sent" | "delivered" | "undelivered" | "failed";
}

export type CallbackStatus = "sent" | "delivered" | "undelivered" | "failed" | "read";

/** Another Twilio account (a studio's own), with its own token and numbers. */
export interface TwilioAccount {
  accountSid: string;
  authToken: string;
  /** A number owned by this account (idempotent; a number belongs to one account). */
  addNumber(e164: string, opts?: { friendlyName?: string }): { sid: string; phoneNumber: string };
}

export interface TwilioStandIn {
  url: string;
  /** The server's account (TWILIO_ACCOUNT_SID). */
  accountSid: string;
  authToken: string;
  /** A further Twilio account, e.g. a studio bringing its own. */
  addAccount(): TwilioAccount;
  /** TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_PHONE_NUMBER (the default number), TWILIO_API_BASE_URL. */
  env(): Record<string, string>;
  close(): Promise<void>;
  /** A number owned by the server's account (idempotent). */
  addNumber(e164: string, opts?: { friendlyName?: string }): { sid: string; phoneNumber: string };
  /** A number's current webhook configuration (what connect set). */
  number(e164: string): { sid: string; phoneNumber: string; smsUrl: string; smsMethod: string } | undefined;
  /** A text reaches one of the account's numbers: stored, then posted, signed, to `url`
   *  (default: the number's SmsUrl). */
  inbound(
    url: string | undefined,
    msg: InboundInput,
    opts?: PostOptions,
  ): Promise<WebhookDelivery & { sid: string; mediaUrls: string[] }>;
  /** Message history without any webhook (texts that arrived while Tatu was down). */
  addMessage(input: HistoryInput): { sid: string; mediaSids: string[] };
  /** Moves a message to `status` and posts the signed status callback to its StatusCallback
   *  (undefined when it has none). */
  deliverStatus(
    sid: string,
    status: CallbackStatus,
    opts?: PostOptions & { errorCode?: number },
  ): Promise<WebhookDelivery | undefined>;
  /** Any signed form POST (Twilio-style) to `url`, signed with the server account's token
   *  unless opts.authToken says otherwise. */
  postWebhook(url: string, params: Record<string, string>, opts?: PostOptions): Promise<WebhookDelivery>;
  /** The recipient texted STOP: sends to it fail with 21610. */
  optOut(e164: string): void;
  failNext(n: number, fault: Fault): void;
  /** Post "sent" then "delivered" callbacks by itself after every create (rehearsal). */
  setAutoDeliver(on: boolean): void;
  /** The Message resource JSON as the API returns it. */
  message(sid: string): Record<string, unknown> | undefined;
  sent(): SentRecord[];
  deliveries(): WebhookDelivery[];
  /** "METHOD /path" of every REST request served. */
  requests(): string[];
}

const DEFAULT_NUMBER = "+15017122661";
const E164 = /^\+[1-9]\d{6,14}$/;

/** Twilio's lookup fields on inbound webhooks (blank when unknown). */
const GEO = {
  FromCity: "",
  FromState: "",
  FromZip: "",
  FromCountry: "US",
  ToCity: "",
  ToState: "",
  ToZip: "",
  ToCountry: "US",
};

/**
 * The form fields of Twilio's inbound-SMS webhook for a stored message, in the order Twilio
 * sends them (MediaUrlN / MediaContentTypeN are the caller's to add). Exported for the webhook
 * benchmark, which signs and posts these itself.
 */
export function inboundSmsParams(
  accountSid: string,
  m: Pick<MessageRecord, "sid" | "from" | "to" | "body">,
  numMedia = 0,
): Record<string, string> {
  return {
    ToCountry: GEO.ToCountry,
    ToState: GEO.ToState,
    SmsMessageSid: m.sid,
    NumMedia: String(numMedia),
    ToCity: GEO.ToCity,
    FromZip: GEO.FromZip,
    SmsSid: m.sid,
    FromState: GEO.FromState,
    SmsStatus: "received",
    FromCity: GEO.FromCity,
    Body: m.body,
    FromCountry: GEO.FromCountry,
    To: m.to,
    ToZip: GEO.ToZip,
    NumSegments: String(segments(m.body)),
    ReferralNumMedia: "0",
    MessageSid: m.sid,
    AccountSid: accountSid,
    From: m.from,
    ApiVersion: API_VERSION,
  };
}

export async function startTwilioStandIn(opts: { port?: number; phoneNumber?: string } = {}): Promise<TwilioStandIn> {
  const state = new TwilioState();
  const accounts = new Map<string, TwilioState>([[state.accountSid, state]]);
  const defaultNumber = opts.phoneNumber ?? DEFAULT_NUMBER;
  state.addNumber(defaultNumber);
  /** The account owning a number / a message (numbers and SIDs are unique across accounts). */
  const ownerOfNumber = (e164: string) => [...accounts.values()].find((a) => a.numbers.has(e164));
  const ownerOfMessage = (sid: string) => [...accounts.values()].find((a) => a.messages.has(sid));
  const addNumberTo = (account: TwilioState, e164: string, friendlyName?: string) => {
    if (!E164.test(e164)) throw new Error(`not an E.164 number: ${e164}`);
    const owner = ownerOfNumber(e164);
    if (owner && owner !== account)
      throw new Error(`${e164} already belongs to the Twilio account ${owner.accountSid}`);
    const n = account.addNumber(e164, friendlyName);
    return { sid: n.sid, phoneNumber: n.phoneNumber };
  };
  const faults: Fault[] = [];
  const log: string[] = [];
  const deliveries: WebhookDelivery[] = [];
  let autoDeliver = false;
  let base = "";

  const post = async (
    url: string,
    params: Record<string, string>,
    o: PostOptions = {},
    account: TwilioState = state,
  ) => {
    const d = await postSigned(account.authToken, url, params, o);
    deliveries.push(d);
    return d;
  };

  const deliverStatus = async (sid: string, status: CallbackStatus, o: PostOptions & { errorCode?: number } = {}) => {
    const account = ownerOfMessage(sid);
    const m = account?.messages.get(sid);
    if (!account || !m) throw new Error(`unknown message ${sid}`);
    const failed = status === "failed" || status === "undelivered";
    account.setStatus(m, status, failed ? (o.errorCode ?? 30008) : undefined, failed ? "Unknown error" : undefined);
    if (!m.statusCallback) return undefined;
    const params: Record<string, string> = {
      SmsSid: m.sid,
      SmsStatus: status,
      MessageStatus: status,
      To: m.to,
      MessageSid: m.sid,
      AccountSid: account.accountSid,
      From: m.from,
      ApiVersion: API_VERSION,
    };
    if (failed) params.ErrorCode = String(m.errorCode);
    if (status === "delivered" || status === "undelivered") params.RawDlrDoneDate = rawDlr(new Date());
    const { errorCode: _e, ...postOpts } = o;
    return post(m.statusCallback, params, postOpts, account);
  };

  const onCreated = (m: MessageRecord) => {
    // The carrier network: a text to a number some Twilio account here owns arrives there, as
    // an inbound webhook to that number's SmsUrl (a second test number texting the studio).
    const recipient = ownerOfNumber(m.to)?.numbers.get(m.to);
    if (recipient?.smsUrl && recipient.smsUrl !== DEMO_SMS_URL)
      setImmediate(() => {
        api.inbound(undefined, { from: m.from, to: m.to, body: m.body }).catch(() => {
          /* recorded in deliveries when it got an answer */
        });
      });
    if (!autoDeliver || !m.statusCallback) return;
    setImmediate(() => {
      deliverStatus(m.sid, "sent")
        .then(() => deliverStatus(m.sid, "delivered"))
        .catch(() => {
          /* recorded in deliveries when it got an answer */
        });
    });
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", base);
    const line = `${req.method} ${url.pathname}`;
    log.push(line);
    if (url.pathname.startsWith(`/${API_VERSION}/`)) {
      const at = faults.findIndex((f) => !f.match || line.includes(f.match));
      const fault = faults[at];
      if (fault?.after) fault.after--;
      else if (fault) return answerFault(res, faults.splice(at, 1)[0]!);
    }
    handleRest({ accounts, base, onCreated }, req, res, url).catch((err: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (err instanceof PayloadTooLarge) return twilioError(res, 413, 20001, "Request body too large.");
      twilioError(res, 500, 20500, "An internal server error has occurred");
    });
  });
  base = await listenLoopback(server, opts.port);

  const mediaUrl = (account: TwilioState, m: MessageRecord, meSid: string) =>
    `${base}${account.accountPath()}/Messages/${m.sid}/Media/${meSid}`;

  const api: TwilioStandIn = {
    url: base,
    accountSid: state.accountSid,
    authToken: state.authToken,
    env: () => ({
      TWILIO_ACCOUNT_SID: state.accountSid,
      TWILIO_AUTH_TOKEN: state.authToken,
      TWILIO_PHONE_NUMBER: defaultNumber,
      TWILIO_API_BASE_URL: base,
    }),
    close: () => closeServer(server),
    addAccount: () => {
      const account = new TwilioState();
      accounts.set(account.accountSid, account);
      return {
        accountSid: account.accountSid,
        authToken: account.authToken,
        addNumber: (e164, o) => addNumberTo(account, e164, o?.friendlyName),
      };
    },
    addNumber: (e164, o) => addNumberTo(state, e164, o?.friendlyName),
    number: (e164) => {
      const n = ownerOfNumber(e164)?.numbers.get(e164);
      return n && { sid: n.sid, phoneNumber: n.phoneNumber, smsUrl: n.smsUrl, smsMethod: n.smsMethod };
    },
    async inbound(url, msg, o = {}) {
      const account = ownerOfNumber(msg.to);
      const number = account?.numbers.get(msg.to);
      if (!account || !number)
        throw new Error(`${msg.to} is not a number of any Twilio account here (addNumber first)`);
      const target = url ?? number.smsUrl;
      const at = msg.at ?? new Date();
      const m = account.addMessage({
        from: msg.from,
        to: msg.to,
        body: msg.body ?? "",
        direction: "inbound",
        status: "received",
        dateCreated: at,
        dateSent: at,
        errorCode: null,
        errorMessage: null,
        media: msg.media,
      });
      const params = inboundSmsParams(account.accountSid, m, m.media.length);
      const mediaUrls = m.media.map((x) => mediaUrl(account, m, x.sid));
      m.media.forEach((x, i) => {
        params[`MediaContentType${i}`] = x.contentType;
        params[`MediaUrl${i}`] = mediaUrls[i]!;
      });
      const d = await post(target, params, o, account);
      return { ...d, sid: m.sid, mediaUrls };
    },
    addMessage: (input) => {
      const at = input.at ?? new Date();
      const inbound = input.direction === "inbound";
      // History lives on the account owning the studio's side of the text.
      const account = ownerOfNumber(inbound ? input.to : input.from) ?? state;
      const m = account.addMessage({
        from: input.from,
        to: input.to,
        body: input.body ?? "",
        direction: inbound ? "inbound" : "outbound-api",
        status: inbound ? "received" : (input.status ?? "delivered"),
        dateCreated: at,
        dateSent: inbound || (input.status ?? "delivered") !== "queued" ? at : null,
        errorCode: null,
        errorMessage: null,
        media: input.media,
      });
      return { sid: m.sid, mediaSids: m.media.map((x) => x.sid) };
    },
    deliverStatus,
    postWebhook: (url, params, o) => post(url, params, o),
    optOut: (e164) => {
      for (const a of accounts.values()) a.optedOut.add(e164);
    },
    // `after` delays the first of the n failures only; the rest follow back to back.
    failNext: (n, fault) => {
      for (let i = 0; i < n; i++) faults.push({ ...fault, after: i === 0 ? fault.after : 0 });
    },
    setAutoDeliver: (on) => {
      autoDeliver = on;
    },
    message: (sid) => {
      const a = ownerOfMessage(sid);
      const m = a?.messages.get(sid);
      return m && a!.messageJson(m);
    },
    sent: () => [...accounts.values()].flatMap((a) => a.sent).sort((x, y) => x.at.getTime() - y.at.getTime()),
    deliveries: () => [...deliveries],
    requests: () => [...log],
  };
  return api;
}

function answerFault(res: http.ServerResponse, fault: Fault): void {
  const defaults: Record<number, [number, string]> = {
    401: [20003, "Authenticate"],
    403: [20403, "Forbidden"],
    404: [20404, "The requested resource was not found"],
    429: [20429, "Too Many Requests"],
    500: [20500, "An internal server error has occurred"],
    503: [20503, "Service Unavailable"],
  };
  const [code, message] = defaults[fault.status] ?? [20500, "An internal server error has occurred"];
  const headers: Record<string, string> =
    fault.retryAfter !== undefined ? { "Retry-After": String(fault.retryAfter) } : {};
  twilioError(res, fault.status, fault.code ?? code, fault.message ?? message, headers);
}

/** RawDlrDoneDate: the carrier's delivery receipt time as YYMMDDhhmm. */
function rawDlr(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}`;
}
