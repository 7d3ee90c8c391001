// Stand-in for Meta: Facebook Login dialog, Graph API (Pages, Send API, Attachment Upload,
// Conversations API, subscribed_apps), the CDN that serves attachment bytes, and Meta as the
// caller of Tatu's webhooks (signed payloads). One loopback port; versioned paths (/v21.0/…).
// Used by the Facebook/Instagram provider tests, the webhook tests and `tatu launch --rehearse`.
import { randomBytes, timingSafeEqual } from "node:crypto";
import http from "node:http";
import { closeServer, listenLoopback } from "../shared/http.ts";
import { handleGraph } from "./graph.ts";
import { PayloadTooLarge, sendGraphError, type Res } from "./http.ts";
import { dialog, DIALOG_PATH } from "./oauth.ts";
import { digits, MetaState, type SentRecord, type StoredMessage, type Subscription } from "./state.ts";
import {
  echoItem,
  envelope,
  messageItem,
  postWebhook,
  type PostOptions,
  type PostResult,
  type WebhookPayload,
} from "./webhooks.ts";

export type { PostOptions, PostResult, SentRecord, Subscription, WebhookPayload };

export interface CustomerAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
  type?: "image" | "video" | "audio" | "file";
}

export interface Fault {
  /** HTTP status (default 400, 500 for codes 1/2; 429 alone means "(#4) Application request limit reached"). */
  status?: number;
  /** Graph error code: 4, 17, 32, 613 (limits), 190 (token), 1/2 (temporary), 10, 551, 100… */
  code?: number;
  subcode?: number;
  message?: string;
  /** Seconds, sent as Retry-After. */
  retryAfter?: number;
  /** Sent in X-Business-Use-Case-Usage as estimated_time_to_regain_access (minutes). */
  regainAccessMinutes?: number;
  /** Only requests whose "METHOD /path" contains this string (default: the next Graph calls). */
  match?: string;
  /** "cdn" makes the attachment CDN answer `status` instead. */
  target?: "graph" | "cdn";
}

export interface MetaStandIn {
  url: string;
  env(): Record<string, string>;
  close(): Promise<void>;
  addUser(opts?: { name?: string }): { id: string; name: string };
  addPage(
    userId: string,
    page: { name: string; instagram?: { username: string } },
  ): { id: string; name: string; accessToken: string; instagram?: { id: string; username: string } };
  /** The user the login dialog consents as (auto-consent); `decline` switches permissions off. */
  consentAs(userId: string | undefined, opts?: { decline?: string[] }): void;
  denyNextConsent(): void;
  /** The user removes one of the app's permissions in their Facebook settings (after connecting). */
  revokePermission(userId: string, scope: string): void;
  /** Records a person's message to a Page / IG account and returns the webhook Meta would send. */
  customerMessage(
    pageOrIgId: string,
    msg: { psid?: string; name?: string; text?: string; attachments?: CustomerAttachment[]; at?: Date },
  ): WebhookPayload;
  /** A button tap (messaging_postbacks); it opens the reply window like a message. */
  postback(pageOrIgId: string, p: { psid: string; title: string; payload?: string; at?: Date }): WebhookPayload;
  /** The echo of a message the app sent through the Send API. */
  echo(pageOrIgId: string, messageId: string): WebhookPayload;
  deliveryReceipt(pageId: string, p: { psid: string; mids?: string[]; watermark?: Date }): WebhookPayload;
  /** Messenger: read watermark; Instagram: `read.mid` (defaults to the last message sent to that person). */
  readReceipt(pageOrIgId: string, p: { psid: string; watermark?: Date; mid?: string }): WebhookPayload;
  postWebhook(targetUrl: string, payload: unknown, opts?: PostOptions): Promise<PostResult>;
  sent(pageOrIgId: string): SentRecord[];
  /** Every subscribed_apps call, in order (DELETE appears with no fields). */
  subscriptions(): Subscription[];
  failNext(n: number, fault: Fault): void;
  /** Page tokens (and the Page owners' user tokens) now fail with 190/463. */
  expireTokens(pageOrIgId?: string): void;
  /** Signed CDN links now answer 403 "URL signature expired". */
  expireCdnLinks(): void;
  /** "METHOD /path" of every request served, without query. */
  requests(): string[];
}

/** A fresh page-scoped id, as Meta assigns to a person messaging a Page (PSID) or IG account (IGSID). */
export const newPsid = () => digits(16);

const DEFAULT_APP_ID = "1517776481860111";

const FAULT_MESSAGES: Record<number, string> = {
  1: "An unknown error occurred",
  2: "An unexpected error has occurred. Please retry your request later.",
  4: "(#4) Application request limit reached",
  10: "(#10) This message is sent outside of allowed window.",
  17: "(#17) User request limit reached",
  32: "(#32) Page request limit reached",
  100: "(#100) Invalid parameter",
  190: "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.",
  551: "(#551) This person isn't available right now.",
  613: "(#613) Calls to this api have exceeded the rate limit.",
};

export async function startMetaStandIn(
  opts: {
    port?: number;
    appId?: string;
    appSecret?: string;
    verifyToken?: string;
    redirectUris?: string[];
    requireAppSecretProof?: boolean;
  } = {},
): Promise<MetaStandIn> {
  const state = new MetaState(opts.appId ?? DEFAULT_APP_ID, opts.appSecret ?? randomBytes(16).toString("hex"));
  const verifyToken = opts.verifyToken ?? randomBytes(12).toString("base64url");
  const faults: Fault[] = [];
  const log: string[] = [];
  let cdnExpired = false;
  let base = "";

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", base);
    const line = `${req.method} ${url.pathname}`;
    log.push(line);
    const target = url.pathname.startsWith("/cdn/") ? "cdn" : DIALOG_PATH.test(url.pathname) ? "dialog" : "graph";
    const at =
      target === "dialog"
        ? -1
        : faults.findIndex((f) => (f.target ?? "graph") === target && (!f.match || line.includes(f.match)));
    if (at !== -1) return answerFault(res, faults.splice(at, 1)[0]!);
    if (target === "cdn") return cdn(res, url);
    if (target === "dialog") return dialog(state, { redirectUris: opts.redirectUris }, res, url);
    const m = /^(?:\/v\d+\.\d+)?\/(.*)$/.exec(url.pathname);
    const segments = (m?.[1] ?? "").split("/").filter(Boolean).map(decodeURIComponent);
    handleGraph(
      { state, base, requireAppSecretProof: opts.requireAppSecretProof ?? true },
      req,
      res,
      url,
      segments,
    ).catch((err: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (err instanceof PayloadTooLarge)
        return sendGraphError(res, 413, { message: "(#100) Request body too large", code: 100 });
      sendGraphError(res, 500, { message: "An unknown error occurred", code: 1, isTransient: true });
    });
  });
  base = await listenLoopback(server, opts.port);

  function cdn(res: Res, url: URL): void {
    const messenger = /^\/cdn\/v\/t1\.15752-9\/(\d+)\/[^/]+$/.exec(url.pathname);
    const blobId =
      messenger?.[1] ?? (url.pathname === "/cdn/ig_messaging_cdn/" ? url.searchParams.get("asset_id") : null);
    const sig = url.searchParams.get(messenger ? "oh" : "signature") ?? "";
    const expires = url.searchParams.get("oe") ?? "";
    const blob = blobId ? state.blobs.get(blobId) : undefined;
    const expected = blobId ? Buffer.from(state.cdnSignature(blobId, expires)) : Buffer.alloc(0);
    const text = (status: number, body: string) => {
      res.writeHead(status, { "Content-Type": "text/plain", "Content-Length": Buffer.byteLength(body) }).end(body);
    };
    if (!blob || sig.length !== expected.length || !timingSafeEqual(Buffer.from(sig), expected))
      return text(403, "Bad URL hash");
    if (cdnExpired || parseInt(expires, 16) * 1000 < Date.now()) return text(403, "URL signature expired");
    res.writeHead(200, {
      "Content-Type": blob.contentType,
      "Content-Length": blob.content.length,
      "Cache-Control": "max-age=1209600, no-transform",
    });
    res.end(blob.content);
  }

  const accountOf = (id: string) => state.account(id);

  const api: MetaStandIn = {
    url: base,
    env: () => ({
      FACEBOOK_APP_ID: state.appId,
      FACEBOOK_APP_SECRET: state.appSecret,
      FACEBOOK_WEBHOOK_VERIFY_TOKEN: verifyToken,
      META_GRAPH_BASE_URL: base,
      META_DIALOG_BASE_URL: base,
    }),
    close: () => closeServer(server),
    addUser: (o) => {
      const u = state.addUser(o?.name);
      return { ...u };
    },
    addPage: (userId, input) => {
      const page = state.addPage(userId, input);
      return {
        id: page.id,
        name: page.name,
        accessToken: page.accessToken,
        ...(page.instagram ? { instagram: { id: page.instagram.id, username: page.instagram.username } } : {}),
      };
    },
    consentAs: (userId, o) => {
      state.consentAs = userId;
      state.declineScopes = o?.decline ?? [];
    },
    denyNextConsent: () => {
      state.denyNext = true;
    },
    revokePermission: (userId, scope) => {
      for (const g of state.tokens.values()) if (g.userId === userId) g.scopes = g.scopes.filter((s) => s !== scope);
    },
    customerMessage: (id, msg) => {
      const account = accountOf(id);
      const psid = msg.psid ?? newPsid();
      const at = (msg.at ?? new Date()).getTime();
      const customer = account.customers.get(psid) ?? { id: psid };
      if (msg.name) account.platform === "messenger" ? (customer.name = msg.name) : (customer.username = msg.name);
      customer.lastInboundAt = Math.max(customer.lastInboundAt ?? 0, at);
      account.customers.set(psid, customer);
      const stored: StoredMessage = {
        mid: state.newMid(account.platform),
        from: state.customerParty(account, customer),
        to: state.ownParty(account),
        text: msg.text ?? "",
        createdAt: at,
        attachments: (msg.attachments ?? []).map((a) => ({
          id: digits(16),
          type: a.type ?? attachmentType(a.contentType),
          mimeType: a.contentType,
          name: a.filename,
          size: a.content.length,
          blobId: state.storeBlob(a.content, a.contentType, a.filename),
        })),
      };
      state.record(account, psid, stored);
      return envelope(account, [messageItem(state, base, account, stored)]);
    },
    postback: (id, p) => {
      const account = accountOf(id);
      const at = (p.at ?? new Date()).getTime();
      const customer = account.customers.get(p.psid) ?? { id: p.psid };
      customer.lastInboundAt = Math.max(customer.lastInboundAt ?? 0, at);
      account.customers.set(p.psid, customer);
      return envelope(account, [
        {
          sender: { id: p.psid },
          recipient: { id: account.id },
          timestamp: at,
          postback: {
            title: p.title,
            payload: p.payload ?? p.title.toUpperCase().replace(/\W+/g, "_"),
            mid: state.newMid(account.platform),
          },
        },
      ]);
    },
    echo: (id, messageId) => {
      const account = accountOf(id);
      for (const conv of account.conversations.values()) {
        const m = conv.messages.find((x) => x.mid === messageId);
        if (m) return envelope(account, [echoItem(state, base, account, m)]);
      }
      throw new Error(`meta stand-in: ${id} sent no message ${messageId}`);
    },
    deliveryReceipt: (pageId, p) => {
      const account = accountOf(pageId);
      const delivery: Record<string, unknown> = { watermark: (p.watermark ?? new Date()).getTime() };
      if (p.mids) delivery.mids = p.mids;
      return envelope(account, [{ sender: { id: p.psid }, recipient: { id: account.id }, delivery }]);
    },
    readReceipt: (id, p) => {
      const account = accountOf(id);
      const now = Date.now();
      if (account.platform === "messenger")
        return envelope(account, [
          {
            sender: { id: p.psid },
            recipient: { id: account.id },
            timestamp: now,
            read: { watermark: (p.watermark ?? new Date()).getTime() },
          },
        ]);
      const mid =
        p.mid ??
        [...(account.conversations.get(p.psid)?.messages ?? [])].reverse().find((m) => m.from.id === account.id)?.mid;
      if (!mid) throw new Error("meta stand-in: nothing was sent to this person to be read");
      return envelope(account, [
        { sender: { id: p.psid }, recipient: { id: account.id }, timestamp: now, read: { mid } },
      ]);
    },
    postWebhook: (targetUrl, payload, o) => postWebhook(state, targetUrl, payload, o),
    sent: (id) => [...(state.sent.get(accountOf(id).id) ?? [])],
    subscriptions: () => state.subscriptions.map((s) => ({ ...s, fields: [...s.fields] })),
    failNext: (n, fault) => {
      for (let i = 0; i < n; i++) faults.push(fault);
    },
    expireTokens: (id) => {
      const pageId = id ? accountOf(id).page.id : undefined;
      const owners = new Set(
        [...state.pages.values()].filter((p) => !pageId || p.id === pageId).map((p) => p.ownerUserId),
      );
      for (const g of state.tokens.values())
        if ((g.kind === "page" && (!pageId || g.pageId === pageId)) || (g.kind === "user" && owners.has(g.userId)))
          g.expired = true;
    },
    expireCdnLinks: () => {
      cdnExpired = true;
    },
    requests: () => [...log],
  };
  return api;
}

function attachmentType(contentType: string): "image" | "video" | "audio" | "file" {
  const major = contentType.split("/")[0];
  return major === "image" || major === "video" || major === "audio" ? major : "file";
}

function answerFault(res: Res, fault: Fault): void {
  if (fault.target === "cdn") {
    const body = fault.status === 404 ? "Not Found" : "Temporarily unavailable";
    return void res
      .writeHead(fault.status ?? 503, {
        "Content-Type": "text/plain",
        ...(fault.retryAfter !== undefined ? { "Retry-After": String(fault.retryAfter) } : {}),
      })
      .end(body);
  }
  const code =
    fault.code ?? (fault.status === 429 ? 4 : fault.status && fault.status >= 500 ? 2 : fault.status === 401 ? 190 : 1);
  const status = fault.status ?? (code === 1 || code === 2 ? 500 : 400);
  const headers: Record<string, string> = {};
  if (fault.retryAfter !== undefined) headers["Retry-After"] = String(fault.retryAfter);
  if ([4, 17, 32, 613].includes(code))
    headers["X-App-Usage"] = JSON.stringify({ call_count: 100, total_cputime: 28, total_time: 31 });
  if (fault.regainAccessMinutes !== undefined)
    headers["X-Business-Use-Case-Usage"] = JSON.stringify({
      [digits(15)]: [
        {
          type: "pages",
          call_count: 100,
          total_cputime: 21,
          total_time: 24,
          estimated_time_to_regain_access: fault.regainAccessMinutes,
        },
      ],
    });
  sendGraphError(
    res,
    status,
    {
      message: fault.message ?? FAULT_MESSAGES[code] ?? "An unknown error occurred",
      code,
      ...(fault.subcode !== undefined ? { subcode: fault.subcode } : code === 190 ? { subcode: 460 } : {}),
      ...(code === 1 || code === 2 || code === 4 ? { isTransient: true } : {}),
    },
    headers,
  );
}
