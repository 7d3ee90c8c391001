// A local stand-in for Google: OAuth 2.0 (accounts.google.com + oauth2.googleapis.com) and
// the Gmail v1 API, on one loopback port. The official SDKs talk to it unchanged once
// GOOGLE_OAUTH_BASE_URL / GOOGLE_API_BASE_URL point here (see env()). Tests and
// `tatu launch --rehearse` seed mailboxes, inject faults and read what was sent through
// the control methods below.
import http from "node:http";
import express, { type NextFunction, type Request, type Response } from "express";
import type { ParsedMail } from "mailparser";
import { closeServer, listenLoopback } from "../shared/http.ts";
import { gmailRouter } from "./gmail.ts";
import { calendarControl, calendarRouter, type GoogleCalendarControl } from "./calendar.ts"; // Calendar v3 (calendar.ts)
import { googleError } from "./http.ts";
import { deliver, type DeliverInput, type Delivered } from "./mailbox.ts";
import { oauthRouter } from "./oauth.ts";
import { GoogleState, type Fault } from "./state.ts";

export type { DeliverInput, Delivered };
export { GoogleState };

export interface FailOptions {
  /** The error status to answer (mode "error", default 500); ignored by the other modes. */
  status?: number;
  /** "error" (default, or "delay" when only delayMs is given): `status` with Google's error body;
   *  "hang": never answered (exercises client timeouts); "malformed": 200 with a truncated JSON
   *  body; "delay": served normally after delayMs. */
  mode?: "error" | "hang" | "malformed" | "delay";
  /** Answer only after this many ms (any mode). */
  delayMs?: number;
  /** Retry-After header value: seconds, or an HTTP date. */
  retryAfter?: number | string;
  /** Only requests whose path contains this / matches this count (e.g. "/history"). */
  match?: string | RegExp;
  /** "api" (Gmail, default) or "oauth" (token/revoke endpoints). */
  target?: "api" | "oauth";
  message?: string;
}

export interface MessageSummary {
  id: string;
  threadId: string;
  labelIds: string[];
  historyId: string;
  internalDate: string;
  subject?: string;
  messageId?: string;
}

export interface GoogleStandIn extends GoogleCalendarControl {
  url: string;
  clientId: string;
  clientSecret: string;
  /** Env vars that point Tatu at this stand-in (incl. OAuth client id/secret). */
  env(): Record<string, string>;
  close(): Promise<void>;
  addMailbox(email: string, opts?: { name?: string }): void;
  /** The account the consent screen "signs in" as (else login_hint, else the only mailbox);
   *  `withhold` = scopes the user unticks on the granular consent screen. */
  consentAs(email: string | undefined, opts?: { withhold?: string[] }): void;
  /** The next consent redirects back with error=access_denied. */
  denyNextConsent(): void;
  deliver(email: string, input: DeliverInput): Promise<Delivered>;
  /** Permanently deletes a message (history: messageDeleted). */
  deleteMessage(email: string, id: string): void;
  messages(email: string): MessageSummary[];
  /** The mailbox's current history id (what users.getProfile reports). */
  historyId(email: string): string;
  /** history.list answers 404 for every startHistoryId older than `historyId` (default: the current one). */
  expireHistoryBefore(email: string, historyId?: string): void;
  /** The next `n` matching requests answer `status` with Google's error body (or hang, or a
   *  malformed body, or are only delayed: see FailOptions). */
  failNext(n: number, opts: FailOptions): void;
  /** Every Gmail/Calendar API request waits this long before being served (0 = off). */
  setApiDelay(ms: number): void;
  /** Like the user removing Tatu's access: refresh tokens → invalid_grant, access tokens → 401. */
  revokeRefreshTokens(email: string): void;
  /** Issued access tokens stop working now (401), while clients still think they are valid. */
  expireAccessTokens(email?: string): void;
  /** Messages sent through users.messages.send, oldest first (raw as stored, with Gmail's Message-ID). */
  sent(email: string): { id: string; threadId: string; raw: Buffer; parsed: ParsedMail }[];
  /** Every request served: method, path with query, final status. */
  requests(): { method: string; path: string; status: number }[];
  /** Shared grants/tokens, for other Google API routers (e.g. Calendar) added with mount(). */
  state: GoogleState;
  mount(router: express.Router): void;
}

export async function startGoogleStandIn(
  opts: { port?: number; accessTokenTtlSec?: number } = {},
): Promise<GoogleStandIn> {
  const state = new GoogleState(opts.accessTokenTtlSec ?? 3600);
  const app = express();
  app.disable("x-powered-by");
  app.use(await oauthRouter(state));
  app.use(gmailRouter(state));
  app.use(calendarRouter(state)); // Calendar v3 (calendar.ts)
  const extra = express.Router(); // routers added later with mount(), ahead of the catch-alls
  app.use(extra);
  app.use((_req: Request, res: Response) => googleError(res, 404, "Requested entity was not found.", "notFound"));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (err as { status?: number }).status;
    if (status && status < 500) return googleError(res, status, "Invalid request.", "badRequest");
    googleError(res, 500, "Internal error encountered.", "backendError");
  });
  const server = http.createServer(app);
  const url = await listenLoopback(server, opts.port);

  return {
    url,
    clientId: state.clientId,
    clientSecret: state.clientSecret,
    state,
    mount: (router) => void extra.use(router),
    ...calendarControl(state), // Calendar v3 control: calendarAdd, calendarEvent, expireSyncTokens, calendarEvents
    env: () => ({
      GOOGLE_CLIENT_ID: state.clientId,
      GOOGLE_CLIENT_SECRET: state.clientSecret,
      GOOGLE_OAUTH_BASE_URL: url,
      GOOGLE_API_BASE_URL: url,
    }),
    close: () => closeServer(server),
    addMailbox: (email, o) => void state.addMailbox(email, o?.name),
    consentAs: (email, o) => {
      state.consentEmail = email?.toLowerCase();
      state.consentScopes = o?.withhold;
    },
    denyNextConsent: () => {
      state.denyNextConsent = true;
    },
    deliver: (email, input) => deliver(state, state.requireMailbox(email), input),
    deleteMessage: (email, id) => {
      const box = state.requireMailbox(email);
      const msg = box.messages.get(id);
      if (!msg) return;
      box.messages.delete(id);
      state.record(box, msg, "messageDeleted");
    },
    messages: (email) =>
      [...state.requireMailbox(email).messages.values()].map((m) => ({
        id: m.id,
        threadId: m.threadId,
        labelIds: [...m.labelIds],
        historyId: m.historyId,
        internalDate: String(m.internalDate),
        subject: m.parsed.subject,
        messageId: m.parsed.messageId,
      })),
    historyId: (email) => String(state.requireMailbox(email).historyId),
    expireHistoryBefore: (email, historyId) => {
      const box = state.requireMailbox(email);
      box.historyFloor = historyId ? Number(historyId) : box.historyId;
    },
    failNext: (n, o) => {
      const mode = o.mode ?? (o.status === undefined && o.delayMs ? "delay" : "error");
      const fault: Fault = {
        remaining: n,
        mode,
        status: o.status ?? 500,
        delayMs: o.delayMs,
        retryAfter: o.retryAfter,
        match: o.match,
        target: o.target ?? "api",
        message: o.message,
      };
      if (n > 0) state.faults.push(fault);
    },
    setApiDelay: (ms) => {
      state.apiDelayMs = Math.max(0, ms);
    },
    revokeRefreshTokens: (email) => {
      for (const g of state.grants.values()) if (g.email === email.toLowerCase()) g.revoked = true;
    },
    expireAccessTokens: (email) => {
      for (const t of state.accessTokens.values())
        if (!email || t.grant.email === email.toLowerCase()) t.expired = true;
    },
    sent: (email) => state.requireMailbox(email).sent.map((s) => ({ ...s })),
    requests: () => [...state.requests],
  };
}
