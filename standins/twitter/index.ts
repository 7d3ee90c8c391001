// Stand-in for X (Twitter): the OAuth 1.0a endpoints, /2/users/me, v2 Direct Messages
// (dm_events lookup, send in a conversation), DM photo URLs (ton) and token invalidation, on
// one loopback port with real HMAC-SHA1 signature checks and x-rate-limit-* windows.
// Used by the X provider tests and by `tatu launch --rehearse`.
import http from "node:http";
import { closeServer, listenLoopback } from "../shared/http.ts";
import { type Endpoint, handleApi, matchRoute } from "./api.ts";
import { PayloadTooLarge, RateLimits, readBody, sendProblem, sendV1Error, type WindowSpec } from "./http.ts";
import { handleAccessToken, handleAuthorize, handleRequestToken } from "./oauth.ts";
import { OAuth1Verifier } from "./oauth1.ts";
import { opaque, type SentRecord, type User, TwitterState } from "./state.ts";

export type { Endpoint, SentRecord, User, WindowSpec };

export interface DmAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface DmEventView {
  id: string;
  dm_conversation_id: string;
  sender_id: string;
  text: string;
  created_at: string;
  media_keys: string[];
}

export interface Fault {
  status: number;
  /** For 429: seconds until x-rate-limit-reset (default 60). */
  resetInSec?: number;
  /** Only requests whose "METHOD /path" contains this string (default: the next API call). */
  match?: string;
}

export interface TwitterStandIn {
  url: string;
  /** TWITTER_API_KEY, TWITTER_API_SECRET, TWITTER_API_BASE_URL (TWITTER_OAUTH_CALLBACK is the caller's). */
  env(): Record<string, string>;
  close(): Promise<void>;
  addUser(input: { id?: string; username: string; name: string; dmsOpen?: boolean }): User;
  /** Who approves at /oauth/authorize (null: the user cancels → ?denied=). */
  consentAs(userId: string | null): void;
  /** A direct message from one user to another (1-1 conversation), e.g. a client writing in. */
  dm(fromUserId: string, toUserId: string, msg: { text: string; attachments?: DmAttachment[]; at?: Date }): DmEventView;
  /** Messages sent through POST /2/dm_conversations/… by this user. */
  sent(userId: string): SentRecord[];
  /** The next n API calls (matching `match`) answer with this status and X's error body. */
  failNext(n: number, fault: Fault): void;
  /** Budget of an endpoint's 15-minute window, for one user or (no userId) everyone. */
  setRateLimit(endpoint: Endpoint, spec: WindowSpec, userId?: string): void;
  /** Access tokens of the user stop working (the user revoked the app) → 401. */
  revokeTokens(userId: string): void;
  /** Pagination tokens handed out so far become invalid (→ 400 invalid-request). */
  expirePaginationTokens(): void;
  /** "METHOD /path" of every request served, without query. */
  requests(): string[];
}

export async function startTwitterStandIn(
  opts: {
    port?: number;
    consumerKey?: string;
    consumerSecret?: string;
    callbackUrls?: string[];
    /** Requests per 15-minute window for every endpoint unless set with setRateLimit (default 300). */
    defaultRateLimit?: number;
  } = {},
): Promise<TwitterStandIn> {
  const state = new TwitterState();
  const verifier = new OAuth1Verifier();
  const limits = new RateLimits(opts.defaultRateLimit ?? 300);
  const consumerKey = opts.consumerKey ?? `standin${opaque(15)}`;
  const consumerSecret = opts.consumerSecret ?? opaque(40);
  const faults: Fault[] = [];
  const log: string[] = [];
  let base = "";

  const serve = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? "/", base);
    const method = req.method ?? "GET";
    const line = `${method} ${url.pathname}`;
    log.push(line);
    const body = method === "POST" ? await readBody(req) : Buffer.alloc(0);
    const oauthCtx = { state, verifier, consumerKey, consumerSecret, callbackUrls: opts.callbackUrls };

    if (method === "POST" && url.pathname === "/oauth/request_token")
      return handleRequestToken(oauthCtx, req, res, url, body);
    if (method === "GET" && (url.pathname === "/oauth/authorize" || url.pathname === "/oauth/authenticate"))
      return handleAuthorize(oauthCtx, res, url);
    if (method === "POST" && url.pathname === "/oauth/access_token")
      return handleAccessToken(oauthCtx, req, res, url, body);

    const route = matchRoute(method, url.pathname);
    if (!route) return sendProblem(res, 404, {}, { detail: `No route for ${line}.` });
    const at = faults.findIndex((f) => !f.match || line.includes(f.match));
    if (at !== -1) return answerFault(res, faults.splice(at, 1)[0]!);
    await handleApi({ state, verifier, limits, consumerKey, consumerSecret, base }, route, req, res, url, body);
  };

  const server = http.createServer((req, res) => {
    serve(req, res).catch((err: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (err instanceof PayloadTooLarge) return sendProblem(res, 413, {}, { detail: "Request body too large." });
      sendProblem(res, 500, {}, { detail: err instanceof Error ? err.message : "stand-in failure" });
    });
  });
  base = await listenLoopback(server, opts.port);

  return {
    url: base,
    env: () => ({ TWITTER_API_KEY: consumerKey, TWITTER_API_SECRET: consumerSecret, TWITTER_API_BASE_URL: base }),
    close: () => closeServer(server),
    addUser: (input) => state.addUser(input),
    consentAs: (userId) => {
      state.consentAs = userId;
    },
    dm: (from, to, msg) => dm(state, from, to, msg),
    sent: (userId) => [...(state.sent.get(userId) ?? [])],
    failNext: (n, fault) => {
      for (let i = 0; i < n; i++) faults.push(fault);
    },
    setRateLimit: (endpoint, spec, userId) => limits.set(endpoint, spec, userId),
    revokeTokens: (userId) => {
      for (const [t, a] of state.accessTokens) if (a.userId === userId) state.accessTokens.delete(t);
    },
    expirePaginationTokens: () => {
      state.paginationGeneration++;
    },
    requests: () => [...log],
  };
}

function dm(
  state: TwitterState,
  fromId: string,
  toId: string,
  msg: { text: string; attachments?: DmAttachment[]; at?: Date },
): DmEventView {
  state.mustUser(fromId);
  state.mustUser(toId);
  const at = msg.at ?? new Date();
  const id = state.snowflake(at);
  const mediaKeys = (msg.attachments ?? []).map((a) => {
    const type = a.contentType.startsWith("video/")
      ? "video"
      : a.contentType === "image/gif"
        ? "animated_gif"
        : "photo";
    const mediaKey = `${type === "photo" ? 3 : type === "video" ? 7 : 16}_${state.snowflake(at)}`;
    state.media.set(mediaKey, {
      mediaKey,
      type,
      filename: a.filename,
      contentType: a.contentType,
      content: Buffer.from(a.content),
      eventId: id,
    });
    return mediaKey;
  });
  const conversationId = state.conversationId(fromId, toId);
  const e = state.addEvent({
    id,
    conversationId,
    senderId: fromId,
    participantIds: [fromId, toId],
    text: msg.text,
    createdAt: at,
    mediaKeys,
  });
  return {
    id: e.id,
    dm_conversation_id: e.conversationId,
    sender_id: e.senderId,
    text: e.text,
    created_at: e.createdAt.toISOString(),
    media_keys: [...mediaKeys],
  };
}

const FAULT_DETAIL: Record<number, string> = {
  401: "Unauthorized",
  403: "Forbidden",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

function answerFault(res: http.ServerResponse, fault: Fault): void {
  if (fault.status === 429) {
    // X sends no Retry-After: the window's end is x-rate-limit-reset (epoch seconds).
    const reset = Math.floor(Date.now() / 1000) + (fault.resetInSec ?? 60);
    return sendProblem(res, 429, {
      "x-rate-limit-limit": "15",
      "x-rate-limit-remaining": "0",
      "x-rate-limit-reset": String(reset),
    });
  }
  if (fault.status === 403) {
    // The v1.1 answer when the app lacks the "Direct Messages" permission.
    return sendV1Error(res, 403, 93, "This application is not allowed to access or delete your direct messages.");
  }
  sendProblem(res, fault.status, {}, { detail: FAULT_DETAIL[fault.status] ?? "Error" });
}
