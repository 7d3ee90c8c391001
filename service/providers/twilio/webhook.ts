// Twilio calling Tatu: inbound SMS/MMS (source "twilio", the number's Messaging URL) and
// delivery status callbacks (source "twilio-status", the StatusCallback of each send).
// Both are form-encoded and signed with X-Twilio-Signature = base64(HMAC-SHA1(auth token,
// the exact URL Twilio requested + the POST params sorted by name)), checked with the SDK; the
// auth token is that of the Twilio account the request names (AccountSid).
import { z } from "zod";
import {
  WebhookParseError,
  type RawWebhook,
  type StatusUpdate,
  type Verification,
  type WebhookItem,
  type WebhookSourceHandler,
} from "../kit/webhook.ts";
import type { ProviderAccount, ProviderEnv } from "../kit/channel.ts";
import { accountCredentials } from "../kit/twilio/config.ts";
import { deliveryErrorWords } from "../kit/twilio/errors.ts";
import { requireOnFirstUse } from "../kit/lazy-sdk.ts";
import { downloadMedia, mediaFilename, mediaSidOf } from "./media.ts";
import { threadKeyFor } from "./messages.ts";

/** Only the SDK's signature module: the acknowledgement path never needs its REST client. */
const webhookSignatures = requireOnFirstUse<typeof import("twilio/lib/webhooks/webhooks.js")>(
  "twilio/lib/webhooks/webhooks.js",
);

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

const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;

/** The auth tokens that may have signed a request from `accountSid`: the server's own account
 *  (TWILIO_*; also when the field is absent, as in `tatu webhooks test`), else the studios that
 *  connected a number of that Twilio account with its credentials. Unknown → none. */
async function signingTokens(
  env: ProviderEnv,
  accountSid: string | undefined,
): Promise<{ tokens: string[]; reason?: string }> {
  if (!accountSid || accountSid === env.config.env.TWILIO_ACCOUNT_SID) {
    const token = env.config.env.TWILIO_AUTH_TOKEN;
    return token ? { tokens: [token] } : { tokens: [], reason: "TWILIO_AUTH_TOKEN is not set on this server" };
  }
  if (!ACCOUNT_SID.test(accountSid) || !env.accounts)
    return { tokens: [], reason: "AccountSid is not a Twilio account connected here" };
  const tokens = [
    ...new Set(
      (await env.accounts.credentialsOf("twilio", accountSid))
        .map((c) => c.authToken)
        .filter((t): t is string => typeof t === "string" && t.length > 0),
    ),
  ];
  return tokens.length ? { tokens } : { tokens: [], reason: "AccountSid is not a Twilio account connected here" };
}

/** The AccountSid of the request picks the key: a studio's own Twilio account signs with its
 *  own auth token, which must never be able to speak for another account. */
async function verify(env: ProviderEnv, req: RawWebhook): Promise<Verification> {
  const signature = req.headers["x-twilio-signature"];
  if (!signature) return { ok: false, reason: "missing X-Twilio-Signature" };
  const { tokens, reason } = await signingTokens(env, fields(req).AccountSid || undefined);
  if (!tokens.length) return { ok: false, reason: reason! };
  const params = formParams(req.rawBody);
  const ok = tokens.some((token) => {
    try {
      return webhookSignatures().validateRequest(token, signature, req.publicUrl, params);
    } catch {
      return false; // an unparseable URL cannot match
    }
  });
  return ok ? { ok: true } : { ok: false, reason: "X-Twilio-Signature does not match the request" };
}

function check<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success)
    throw new WebhookParseError(
      `${what}: ${r.error.issues.map((i) => `${i.path.join(".") || "body"} ${i.message}`).join("; ")}`,
    );
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
  if (numMedia > MAX_MEDIA)
    throw new WebhookParseError(`Twilio inbound message: NumMedia ${numMedia} is more than ${MAX_MEDIA}`);
  const remoteAttachments = [];
  for (let i = 0; i < numMedia; i++) {
    const url = params[`MediaUrl${i}`];
    if (!url || !URL.canParse(url))
      throw new WebhookParseError(`Twilio inbound message: MediaUrl${i} is missing or not a URL`);
    const contentType = params[`MediaContentType${i}`] || undefined;
    remoteAttachments.push({
      url,
      filename: mediaFilename(mediaSidOf(url), contentType),
      ...(contentType ? { contentType } : {}),
    });
  }
  return [
    {
      eventId: p.MessageSid,
      channel: "twilio",
      accountExternalId: p.To,
      ...(params.AccountSid ? { providerAccountId: params.AccountSid } : {}),
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
    },
  ];
}

const statusSchema = z.object({
  MessageSid: required,
  MessageStatus: required,
  From: z.string().optional(),
  ErrorCode: z.string().optional(),
});

/** Twilio's lifecycle words → ours. Anything not listed (queued, sending, accepted, scheduled…) is not news. */
const STATUS: Record<string, Extract<StatusUpdate, { kind: "message" }>["status"]> = {
  sent: "sent",
  delivered: "delivered",
  read: "read",
  undelivered: "failed",
  failed: "failed",
  canceled: "failed",
};

function parseStatus(env: ProviderEnv, req: RawWebhook): WebhookItem[] {
  const params = fields(req);
  // SmsStatus is the legacy duplicate of MessageStatus; accept either.
  const p = check(
    statusSchema,
    { ...params, MessageStatus: params.MessageStatus ?? params.SmsStatus },
    "Twilio status callback",
  );
  const raw = p.MessageStatus.toLowerCase();
  const status = STATUS[raw];
  if (!status) {
    env.log.debug({ messageSid: p.MessageSid, status: raw }, "twilio: status callback without news ignored");
    return [];
  }
  const error =
    status === "failed"
      ? (deliveryErrorWords(p.ErrorCode) ??
        (raw === "canceled" ? "The text was canceled before it was sent." : "The text could not be delivered."))
      : undefined;
  return [
    {
      eventId: `${p.MessageSid}:${raw}`,
      channel: "twilio",
      ...(p.From ? { accountExternalId: p.From } : {}),
      ...(params.AccountSid ? { providerAccountId: params.AccountSid } : {}),
      status: { kind: "message", externalId: p.MessageSid, status, at: new Date(), ...(error ? { error } : {}) },
      payload: params,
    },
  ];
}

/** With the credentials of the account the text reached (a studio's own Twilio account, else the server's). */
async function download(
  env: ProviderEnv,
  att: { url: string; filename?: string; contentType?: string },
  account?: ProviderAccount,
) {
  const { content, contentType } = await downloadMedia(
    env,
    att.url,
    account ? accountCredentials(env, account) : undefined,
  );
  const type = contentType !== "application/octet-stream" ? contentType : (att.contentType ?? contentType);
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
