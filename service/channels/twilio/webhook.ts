// Twilio calling Tatu: inbound SMS/MMS (source "twilio", the number's Messaging URL) and
// delivery status callbacks (source "twilio-status", the StatusCallback of each send).
// Both are form-encoded and signed with X-Twilio-Signature = base64(HMAC-SHA1(auth token,
// the exact URL Twilio requested + the POST params sorted by name)), checked with the SDK.
import twilio from "twilio";
import { z } from "zod";
import { WebhookParseError, type RawWebhook, type StatusUpdate, type WebhookItem, type WebhookSourceHandler } from "../../webhooks/types.ts";
import type { ProviderEnv } from "../types.ts";
import { deliveryErrorWords } from "./errors.ts";
import { downloadMedia, mediaFilename, mediaSidOf } from "./media.ts";
import { threadKeyFor } from "./messages.ts";

const CONTENT_TYPES = ["application/x-www-form-urlencoded"];
/** Empty TwiML: no auto-reply (Twilio would text back whatever <Message> we returned). */
const ACK = { contentType: "text/xml", body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>' };
const MAX_MEDIA = 10;

/** The form body as the SDK's validator wants it (a repeated name becomes an array). */
export function formParams(rawBody: Buffer): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(rawBody.toString("utf8"))) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

/** One value per name (Twilio never repeats the fields we read). */
function fields(req: RawWebhook): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(req.rawBody.toString("utf8")));
}

function verify(env: ProviderEnv, req: RawWebhook) {
  const token = env.config.env.TWILIO_AUTH_TOKEN;
  if (!token) return { ok: false as const, reason: "TWILIO_AUTH_TOKEN is not set on this server" };
  const signature = req.headers["x-twilio-signature"];
  if (!signature) return { ok: false as const, reason: "missing X-Twilio-Signature" };
  let ok = false;
  try {
    ok = twilio.validateRequest(token, signature, req.publicUrl, formParams(req.rawBody));
  } catch {
    ok = false; // an unparseable URL cannot match
  }
  return ok ? { ok: true as const } : { ok: false as const, reason: "X-Twilio-Signature does not match the request" };
}

function check<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new WebhookParseError(`${what}: ${r.error.issues.map((i) => `${i.path.join(".") || "body"} ${i.message}`).join("; ")}`);
  return r.data;
}

const required = z.string().trim().min(1, "is required");
const inboundSchema = z.object({
  MessageSid: required,
  From: required,
  To: required,
  Body: z.string().optional(),
  NumMedia: z.string().regex(/^\d+$/, "must be a count").optional(),
});

function parseInbound(_env: ProviderEnv, req: RawWebhook): WebhookItem[] {
  const params = fields(req);
  const p = check(inboundSchema, params, "Twilio inbound message");
  const numMedia = Number(p.NumMedia ?? 0);
  if (numMedia > MAX_MEDIA) throw new WebhookParseError(`Twilio inbound message: NumMedia ${numMedia} is more than ${MAX_MEDIA}`);
  const remoteAttachments = [];
  for (let i = 0; i < numMedia; i++) {
    const url = params[`MediaUrl${i}`];
    if (!url || !URL.canParse(url)) throw new WebhookParseError(`Twilio inbound message: MediaUrl${i} is missing or not a URL`);
    const contentType = params[`MediaContentType${i}`] || undefined;
    remoteAttachments.push({ url, filename: mediaFilename(mediaSidOf(url), contentType), ...(contentType ? { contentType } : {}) });
  }
  return [{
    eventId: p.MessageSid,
    channel: "twilio",
    accountExternalId: p.To,
    message: {
      externalId: p.MessageSid,
      threadKey: threadKeyFor("inbound", p.From, p.To),
      direction: "inbound",
      from: { handle: p.From },
      to: [{ handle: p.To }],
      cc: [],
      text: p.Body ?? "",
      // The webhook carries no timestamp: Twilio posts as the text arrives.
      sentAt: new Date(),
      seen: false,
      attachments: [],
    },
    ...(remoteAttachments.length ? { remoteAttachments } : {}),
    payload: params,
  }];
}

const statusSchema = z.object({
  MessageSid: required,
  MessageStatus: required,
  From: z.string().optional(),
  ErrorCode: z.string().optional(),
});

/** Twilio's lifecycle words → ours. Anything not listed (queued, sending, accepted, scheduled…) is not news. */
const STATUS: Record<string, Extract<StatusUpdate, { kind: "message" }>["status"]> = {
  sent: "sent", delivered: "delivered", read: "read", undelivered: "failed", failed: "failed", canceled: "failed",
};

function parseStatus(env: ProviderEnv, req: RawWebhook): WebhookItem[] {
  const params = fields(req);
  // SmsStatus is the legacy duplicate of MessageStatus; accept either.
  const p = check(statusSchema, { ...params, MessageStatus: params.MessageStatus ?? params.SmsStatus }, "Twilio status callback");
  const raw = p.MessageStatus.toLowerCase();
  const status = STATUS[raw];
  if (!status) {
    env.log.debug({ messageSid: p.MessageSid, status: raw }, "twilio: status callback without news ignored");
    return [];
  }
  const error = status === "failed" ? deliveryErrorWords(p.ErrorCode) ?? (raw === "canceled" ? "The text was canceled before it was sent." : "The text could not be delivered.") : undefined;
  return [{
    eventId: `${p.MessageSid}:${raw}`,
    channel: "twilio",
    ...(p.From ? { accountExternalId: p.From } : {}),
    status: { kind: "message", externalId: p.MessageSid, status, at: new Date(), ...(error ? { error } : {}) },
    payload: params,
  }];
}

async function download(env: ProviderEnv, att: { url: string; filename?: string; contentType?: string }) {
  const { content, contentType } = await downloadMedia(env, att.url);
  const type = contentType !== "application/octet-stream" ? contentType : att.contentType ?? contentType;
  return { content, contentType: type, filename: att.filename ?? mediaFilename(mediaSidOf(att.url), type) };
}

export const twilioInboundWebhook: WebhookSourceHandler = {
  source: "twilio",
  contentTypes: CONTENT_TYPES,
  rejectStatus: 403,
  verify,
  parse: parseInbound,
  ack: ACK,
  download,
};

export const twilioStatusWebhook: WebhookSourceHandler = {
  source: "twilio-status",
  contentTypes: CONTENT_TYPES,
  rejectStatus: 403,
  verify,
  parse: parseStatus,
  ack: ACK,
};
