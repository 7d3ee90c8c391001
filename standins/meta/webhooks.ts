// The stand-in acting as Meta calling Tatu: webhook payloads exactly as Meta shapes them
// (object/entry/messaging, millisecond timestamps) and a POST signed the way Meta signs:
// X-Hub-Signature-256 = "sha256=" + hex HMAC-SHA256(raw body, app secret), plus the legacy
// X-Hub-Signature (sha1).
import { createHmac } from "node:crypto";
import type { MetaState, MessagingAccount, Page, StoredMessage } from "./state.ts";

export interface WebhookPayload {
  object: "page" | "instagram";
  entry: { id: string; time: number; messaging: Record<string, unknown>[] }[];
}

type Account = MessagingAccount & { page: Page };

export function envelope(account: Account, items: Record<string, unknown>[], time = Date.now()): WebhookPayload {
  return {
    object: account.platform === "messenger" ? "page" : "instagram",
    entry: [{ id: account.id, time, messaging: items }],
  };
}

function attachmentsJson(state: MetaState, base: string, account: Account, m: StoredMessage) {
  return m.attachments.map((a) => ({ type: a.type, payload: { url: state.cdnUrl(base, account.platform, a.blobId) } }));
}

/** A person's message as Meta delivers it (field `messages`). */
export function messageItem(
  state: MetaState,
  base: string,
  account: Account,
  m: StoredMessage,
): Record<string, unknown> {
  const message: Record<string, unknown> = { mid: m.mid };
  if (m.text) message.text = m.text;
  if (m.attachments.length) message.attachments = attachmentsJson(state, base, account, m);
  return { sender: { id: m.from.id }, recipient: { id: m.to.id }, timestamp: m.createdAt, message };
}

/** The account's own message echoed back (Messenger `message_echoes`, IG `messages` with is_echo). */
export function echoItem(state: MetaState, base: string, account: Account, m: StoredMessage): Record<string, unknown> {
  const message: Record<string, unknown> = { mid: m.mid, is_echo: true, app_id: Number(state.appId) };
  if (m.text) message.text = m.text;
  if (m.attachments.length) message.attachments = attachmentsJson(state, base, account, m);
  return { sender: { id: account.id }, recipient: { id: m.to.id }, timestamp: m.createdAt, message };
}

export interface PostOptions {
  /** Sign with this secret instead of the app secret (a forged or stale signature). */
  secret?: string;
  /** Change the body after signing (the signature no longer matches). */
  tamper?: boolean;
  /** Send no signature headers at all. */
  omitSignature?: boolean;
  /** false = same as omitSignature. */
  sign?: boolean;
  headers?: Record<string, string>;
}

export interface PostResult {
  status: number;
  body: string;
  headers: Record<string, string>;
}

export function signatureHeaders(body: Buffer, secret: string): Record<string, string> {
  return {
    "X-Hub-Signature-256": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`,
    "X-Hub-Signature": `sha1=${createHmac("sha1", secret).update(body).digest("hex")}`,
  };
}

export async function postWebhook(
  state: MetaState,
  targetUrl: string,
  payload: unknown,
  opts: PostOptions = {},
): Promise<PostResult> {
  let body = Buffer.isBuffer(payload)
    ? Buffer.from(payload)
    : Buffer.from(typeof payload === "string" ? payload : JSON.stringify(payload));
  const signature =
    opts.omitSignature || opts.sign === false ? {} : signatureHeaders(body, opts.secret ?? state.appSecret);
  // Still valid JSON, different bytes: only the signature check can notice.
  if (opts.tamper) body = Buffer.from(body.toString("utf8").replace(/}\s*$/, ',"tampered":true}'));
  const res = await fetch(targetUrl, {
    method: "POST",
    headers: { "Content-Type": "application/json", "User-Agent": "facebookexternalua", ...signature, ...opts.headers },
    body,
  });
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    headers[k] = v;
  });
  return { status: res.status, body: await res.text(), headers };
}
