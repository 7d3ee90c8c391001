// Stand-in for the Microsoft identity platform + Microsoft Graph mail (Outlook.com, Hotmail,
// Live, MSN accounts), on one loopback port: /common/oauth2/v2.0/* and /v1.0/*.
// Used by the Outlook provider tests and by `tatu launch --rehearse`.
import http from "node:http";
import { closeServer, listenLoopback } from "../shared/http.ts";
import { handleGraph } from "./graph.ts";
import { calendarControls, type CalendarControls } from "./calendar.ts"; // Outlook Calendar hook-in
import { PayloadTooLarge, sendAadError, sendGraphError } from "./http.ts";
import { handleIdentity, isIdentityPath } from "./identity.ts";
import {
  newConversationId,
  newInternetMessageId,
  newItemId,
  opaque,
  StandInState,
  type SentRecord,
  type StoredAttachment,
  type StoredMessage,
} from "./state.ts";

export type { SentRecord };

export interface DeliverInput {
  from: string | { name?: string; address: string };
  subject: string;
  text?: string;
  html?: string;
  to?: string[];
  cc?: string[];
  attachments?: {
    filename: string;
    contentType: string;
    content: Buffer;
    inline?: boolean;
    contentId?: string;
    kind?: "file" | "item" | "reference";
  }[];
  conversationId?: string;
  internetMessageId?: string;
  inReplyTo?: string;
  receivedAt?: Date;
  isRead?: boolean;
}

export interface Fault {
  status: number;
  /** Seconds, sent as Retry-After. */
  retryAfter?: number;
  /** Which endpoint family answers with the fault (default graph). */
  target?: "graph" | "token";
  /** Only requests whose "METHOD /path" contains this string (default: the next ones). */
  match?: string;
}

/** Calendar controls (calendarAdd, calendarEvent, expireCalendarDelta, calendarEvents, defaultCalendarId) come from calendar.ts. */
export interface MicrosoftStandIn extends CalendarControls {
  url: string;
  env(): Record<string, string>;
  close(): Promise<void>;
  addUser(email: string, opts?: { displayName?: string }): { id: string; email: string };
  consentAs(email: string | undefined): void;
  deliver(email: string, msg: DeliverInput): { id: string; internetMessageId: string; conversationId: string };
  /** Moves a message to Deleted Items (later delta rounds report it as @removed). */
  deleteMessage(email: string, id: string): void;
  expireDeltaTokens(email: string): void;
  failNext(n: number, fault: Fault): void;
  revokeRefreshTokens(email: string): void;
  expireAccessTokens(): void;
  sent(email: string): SentRecord[];
  /** Count of requests served, by "METHOD /path" without query (for asserting call patterns). */
  requests(): string[];
}

const CLIENT_ID = "5e1c7d3a-9b2f-4c1e-8a6d-0f4b2c9e7a11";

export async function startMicrosoftStandIn(
  opts: {
    port?: number;
    clientId?: string;
    clientSecret?: string;
    redirectUris?: string[];
    accessTokenTtlSec?: number;
  } = {},
): Promise<MicrosoftStandIn> {
  const state = new StandInState();
  const clientId = opts.clientId ?? CLIENT_ID;
  const clientSecret = opts.clientSecret ?? `stand-in~${opaque(24)}`;
  const faults: Fault[] = [];
  const log: string[] = [];
  let base = "";

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", base);
    log.push(`${req.method} ${url.pathname}`);
    const target = isIdentityPath(url.pathname) ? "token" : url.pathname.startsWith("/v1.0/") ? "graph" : undefined;
    const line = `${req.method} ${url.pathname}`;
    const at =
      target && !url.pathname.endsWith("/authorize")
        ? faults.findIndex((f) => (f.target ?? "graph") === target && (!f.match || line.includes(f.match)))
        : -1;
    if (at !== -1) return answerFault(res, faults.splice(at, 1)[0]!);
    const work =
      target === "token"
        ? handleIdentity(
            state,
            {
              clientId,
              clientSecret,
              redirectUris: opts.redirectUris,
              accessTokenTtlSec: opts.accessTokenTtlSec ?? 3599,
            },
            req,
            res,
            url,
          )
        : target === "graph"
          ? handleGraph({ state, base }, req, res, url)
          : Promise.resolve(sendGraphError(res, 404, "NotFound", "Unknown path."));
    work.catch((err: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (err instanceof PayloadTooLarge)
        return sendGraphError(res, 413, "RequestEntityTooLarge", "Request body too large.");
      sendGraphError(res, 500, "InternalServerError", err instanceof Error ? err.message : "stand-in failure");
    });
  });
  base = await listenLoopback(server, opts.port);

  return {
    url: base,
    env: () => ({
      OUTLOOK_CLIENT_ID: clientId,
      OUTLOOK_CLIENT_SECRET: clientSecret,
      MICROSOFT_LOGIN_BASE_URL: base,
      MICROSOFT_GRAPH_BASE_URL: base,
    }),
    close: () => closeServer(server),
    addUser: (email, o) => {
      const u = state.addUser(email, o);
      return { id: u.id, email: u.email };
    },
    consentAs: (email) => {
      if (email) state.addUser(email);
      state.consentAs = email?.toLowerCase();
    },
    deliver: (email, input) => deliver(state, email, input),
    deleteMessage: (email, id) => {
      const u = state.mustUser(email);
      const m = u.messages.get(id);
      if (m) state.place(u, m, "deleteditems");
    },
    expireDeltaTokens: (email) => {
      state.mustUser(email).deltaGeneration++;
    },
    failNext: (n, fault) => {
      for (let i = 0; i < n; i++) faults.push(fault);
    },
    revokeRefreshTokens: (email) => {
      for (const [t, g] of state.refreshTokens) if (g.email === email.toLowerCase()) state.refreshTokens.delete(t);
      for (const [t, g] of state.accessTokens) if (g.email === email.toLowerCase()) state.accessTokens.delete(t);
    },
    expireAccessTokens: () => {
      for (const g of state.accessTokens.values()) g.expiresAt = 0;
    },
    sent: (email) => [...(state.sent.get(email.toLowerCase()) ?? [])],
    requests: () => [...log],
    ...calendarControls(state), // Outlook Calendar hook-in
  };
}

function answerFault(res: http.ServerResponse, fault: Fault): void {
  const headers: Record<string, string> =
    fault.retryAfter !== undefined ? { "Retry-After": String(fault.retryAfter) } : {};
  if (fault.target === "token") {
    if (fault.status === 400)
      return sendAadError(res, 400, "invalid_grant", 700082, "The refresh token has expired due to inactivity.");
    return sendAadError(
      res,
      fault.status,
      "temporarily_unavailable",
      90033,
      "A transient error has occurred. Please try again.",
    );
  }
  const { code, message } = GRAPH_FAULTS.get(fault.status) ?? {
    code: "ErrorInternalServerTransientError",
    message: "A transient error occurred.",
  };
  sendGraphError(res, fault.status, code, message, headers);
}

/** What Graph answers for each injected HTTP status. */
const GRAPH_FAULTS = new Map<number, { code: string; message: string }>([
  [401, { code: "InvalidAuthenticationToken", message: "Access token has expired or is not yet valid." }],
  [429, { code: "TooManyRequests", message: "Please retry again later." }],
  [500, { code: "InternalServerError", message: "An internal server error occurred." }],
  [503, { code: "ServiceUnavailable", message: "The service is temporarily unavailable." }],
  [504, { code: "GatewayTimeout", message: "The gateway did not receive a response in time." }],
]);

function deliver(
  state: StandInState,
  email: string,
  input: DeliverInput,
): { id: string; internetMessageId: string; conversationId: string } {
  const user = state.mustUser(email);
  const from = typeof input.from === "string" ? { address: input.from } : input.from;
  const at = (input.receivedAt ?? new Date()).toISOString().replace(/\.\d{3}Z$/, "Z");
  // Graph groups a reply into the conversation of the message it answers.
  const parent = input.inReplyTo
    ? [...user.messages.values()].find((m) => m.internetMessageId === input.inReplyTo)
    : undefined;
  const attachments: StoredAttachment[] = (input.attachments ?? []).map((a) => ({
    id: `AAMkAGI2TG93AAABEgAQ${opaque(18)}=`,
    kind: a.kind ?? "file",
    name: a.filename,
    contentType: a.contentType,
    content: Buffer.from(a.content),
    isInline: a.inline ?? false,
    contentId: a.contentId,
    lastModifiedDateTime: at,
  }));
  const msg: StoredMessage = {
    id: newItemId(),
    folder: "inbox",
    seq: 0,
    createdDateTime: at,
    lastModifiedDateTime: at,
    receivedDateTime: at,
    sentDateTime: at,
    subject: input.subject,
    body:
      input.html !== undefined
        ? { contentType: "html", content: input.html }
        : { contentType: "text", content: input.text ?? "" },
    from: { emailAddress: { name: from.name, address: from.address } },
    toRecipients: (input.to ?? [user.email]).map((address) => ({ emailAddress: { address } })),
    ccRecipients: (input.cc ?? []).map((address) => ({ emailAddress: { address } })),
    bccRecipients: [],
    replyTo: [],
    conversationId: input.conversationId ?? parent?.conversationId ?? newConversationId(),
    internetMessageId: input.internetMessageId ?? newInternetMessageId(),
    isRead: input.isRead ?? false,
    isDraft: false,
    changeKey: opaque(18),
    attachments,
    inReplyTo: input.inReplyTo,
    references: parent ? [...(parent.references ?? []), parent.internetMessageId] : undefined,
  };
  state.place(user, msg, "inbox");
  return { id: msg.id, internetMessageId: msg.internetMessageId, conversationId: msg.conversationId };
}
