// In-memory ground truth of the Google stand-in: OAuth clients, grants and tokens, and one
// Gmail mailbox per address (messages, threads, history). Routes in oauth.ts / gmail.ts read
// and change it; the control API in index.ts seeds it and injects faults.
import { createHash, randomBytes } from "node:crypto";
import type { ParsedMail } from "mailparser";
import type { MimePart } from "./mime.ts";

export const DEFAULT_LABELS = ["UNREAD", "CATEGORY_PERSONAL", "INBOX"];

export interface StoredMessage {
  id: string;
  threadId: string;
  labelIds: string[];
  internalDate: number;
  historyId: string;
  raw: Buffer;
  parsed: ParsedMail;
  /** Gmail's part tree of `raw`, with attachment ids on the parts that have a filename. */
  tree: MimePart;
  attachments: Map<string, MimePart>;
}

export type HistoryType = "messageAdded" | "messageDeleted" | "labelAdded" | "labelRemoved";

export interface HistoryRecord {
  id: number;
  type: HistoryType;
  messageId: string;
  threadId: string;
  /** Labels of the message when the record was written. */
  labelIds: string[];
  /** For labelAdded / labelRemoved: the labels that changed. */
  changed?: string[];
}

export interface SentRecord {
  id: string;
  threadId: string;
  raw: Buffer;
  parsed: ParsedMail;
}

export interface Mailbox {
  email: string;
  name: string;
  messages: Map<string, StoredMessage>;
  history: HistoryRecord[];
  /** Current history id of the mailbox (Gmail: users.getProfile historyId). */
  historyId: number;
  /** history.list answers 404 for any startHistoryId below this (records expired). */
  historyFloor: number;
  sent: SentRecord[];
}

export interface Grant {
  email: string;
  clientId: string;
  scopes: string[];
  refreshToken: string;
  revoked: boolean;
}

export interface AccessToken {
  token: string;
  grant: Grant;
  expiresAt: number;
  expired: boolean;
}

export interface PendingCode {
  code: string;
  email: string;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  codeChallenge?: string;
  codeChallengeMethod?: string;
  offline: boolean;
  nonce?: string;
  expiresAt: number;
}

export interface Fault {
  remaining: number;
  /** "error" (default): answer `status` with Google's error body; "hang": never answer (the
   *  client's timeout must fire); "malformed": 200 with a truncated JSON body; "delay": serve
   *  the request normally after `delayMs`. */
  mode?: "error" | "hang" | "malformed" | "delay";
  status: number;
  /** Wait this long before answering (or before passing the request on, for delay-only faults). */
  delayMs?: number;
  retryAfter?: number | string;
  /** Only requests whose path contains this string / matches this RegExp count. */
  match?: string | RegExp;
  target: "api" | "oauth";
  message?: string;
}

export class GoogleState {
  readonly clientId = `standin-${randomBytes(6).toString("hex")}.apps.googleusercontent.com`;
  readonly clientSecret = `GOCSPX-${randomBytes(18).toString("base64url")}`;
  readonly mailboxes = new Map<string, Mailbox>();
  readonly codes = new Map<string, PendingCode>();
  readonly grants = new Map<string, Grant>(); // by refresh token
  readonly accessTokens = new Map<string, AccessToken>();
  readonly faults: Fault[] = [];
  readonly requests: { method: string; path: string; status: number }[] = [];
  consentEmail: string | undefined;
  consentScopes: string[] | undefined;
  denyNextConsent = false;
  /** Added to every API (not OAuth) request: a slow provider, so a sync takes measurable time. */
  apiDelayMs = 0;
  private seq = 0;

  constructor(readonly accessTokenTtlSec: number) {}

  mailbox(email: string): Mailbox | undefined {
    return this.mailboxes.get(email.toLowerCase());
  }

  requireMailbox(email: string): Mailbox {
    const box = this.mailbox(email);
    if (!box) throw new Error(`google stand-in: no mailbox ${email} (call addMailbox first)`);
    return box;
  }

  addMailbox(email: string, name?: string): Mailbox {
    const key = email.toLowerCase();
    const existing = this.mailboxes.get(key);
    if (existing) return existing;
    // Real history ids are large, increasing, not contiguous.
    const start = 1_800_000 + Math.floor(Math.random() * 90_000);
    const box: Mailbox = {
      email: key,
      name: name ?? key.split("@")[0]!,
      messages: new Map(),
      history: [],
      historyId: start,
      historyFloor: 0,
      sent: [],
    };
    this.mailboxes.set(key, box);
    return box;
  }

  /** Gmail message ids are hex and grow with time (a timestamp in the high bits). */
  newMessageId(): string {
    this.seq = (this.seq + 1) & 0xfffff;
    return ((BigInt(Date.now()) << 20n) | BigInt(this.seq)).toString(16);
  }

  nextHistoryId(box: Mailbox): number {
    box.historyId += 1 + Math.floor(Math.random() * 40);
    return box.historyId;
  }

  record(box: Mailbox, msg: StoredMessage, type: HistoryType, changed?: string[]): void {
    const id = this.nextHistoryId(box);
    msg.historyId = String(id);
    box.history.push({ id, type, messageId: msg.id, threadId: msg.threadId, labelIds: [...msg.labelIds], changed });
  }

  issueTokens(grant: Grant): AccessToken {
    const token = `ya29.a0${randomBytes(48).toString("base64url")}`;
    const at: AccessToken = { token, grant, expiresAt: Date.now() + this.accessTokenTtlSec * 1000, expired: false };
    this.accessTokens.set(token, at);
    return at;
  }

  newGrant(email: string, clientId: string, scopes: string[]): Grant {
    const grant: Grant = {
      email,
      clientId,
      scopes,
      refreshToken: `1//0${randomBytes(40).toString("base64url")}`,
      revoked: false,
    };
    this.grants.set(grant.refreshToken, grant);
    return grant;
  }

  /** Valid access token or undefined (expired, revoked, unknown). */
  bearer(token: string | undefined): AccessToken | undefined {
    if (!token) return undefined;
    const at = this.accessTokens.get(token);
    if (!at || at.expired || at.grant.revoked || Date.now() >= at.expiresAt) return undefined;
    return at;
  }

  /** The next configured fault for this request, consumed. */
  takeFault(target: Fault["target"], path: string): Fault | undefined {
    const i = this.faults.findIndex((f) => f.target === target && f.remaining > 0 && matches(f.match, path));
    if (i < 0) return undefined;
    const f = this.faults[i]!;
    f.remaining -= 1;
    if (f.remaining === 0) this.faults.splice(i, 1);
    return f;
  }
}

function matches(m: Fault["match"], path: string): boolean {
  if (m === undefined) return true;
  return typeof m === "string" ? path.includes(m) : m.test(path);
}

export function s256(verifier: string): string {
  return createHash("sha256").update(verifier).digest("base64url");
}

/** Google hands out `email`/`profile` as their userinfo scope URIs in the granted scope. */
export function canonicalScope(s: string): string {
  if (s === "email") return "https://www.googleapis.com/auth/userinfo.email";
  if (s === "profile") return "https://www.googleapis.com/auth/userinfo.profile";
  return s;
}
