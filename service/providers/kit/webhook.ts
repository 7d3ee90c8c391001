// The webhook layer's contract with the channels. A source (facebook, instagram, twilio,
// twilio-status, stripe) verifies the signature over the raw bytes, then splits the body into
// items, each with a provider event id: the layer stores each item once (unique per source +
// event id), acknowledges, and processes it from the queue.
import type { ChannelId, InboundMessage, ProviderAccount, ProviderEnv } from "./channel.ts";

/** A source's URL segment; the exact union is `WebhookSource` in ../catalog.ts (from each meta.ts). */
export type WebhookSource = string;

export interface RawWebhook {
  rawBody: Buffer;
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
  /** The public URL the provider sent the request to (NEXTAUTH_URL + path + query): Twilio signs it. */
  publicUrl: string;
}

export type Verification = { ok: true } | { ok: false; reason: string };

/** Delivery/read news about messages. Meta read receipts are watermarks ("everything up to"). */
export type StatusUpdate =
  | { kind: "message"; externalId: string; status: "sent" | "delivered" | "read" | "failed"; at: Date; error?: string }
  | { kind: "watermark"; counterpartHandle: string; status: "delivered" | "read"; upTo: Date };

export interface RemoteAttachment {
  url: string;
  filename?: string;
  contentType?: string;
}

export interface WebhookItem {
  /** Unique within the source: Meta `mid` (or "read:<psid>:<watermark>"), Twilio `MessageSid`
   *  (status callbacks: "<MessageSid>:<status>"), Stripe `evt_…`. Replays collapse on it. */
  eventId: string;
  /** The accounts it belongs to: provider + the account's externalId (Page id, IG account id, Twilio number). */
  channel?: ChannelId;
  accountExternalId?: string;
  /** The provider-side account the event came from (Twilio AccountSid): it reaches only the
   *  account connected through that same provider account. */
  providerAccountId?: string;
  /** A new message (inbound, or an echo of the account's own send). Attachments that are only
   *  links (Meta CDN, Twilio media) are listed in `remoteAttachments` and downloaded while processing. */
  message?: InboundMessage;
  remoteAttachments?: RemoteAttachment[];
  status?: StatusUpdate;
  /** Stripe and other non-inbox events: the type, for handlers registered by features. */
  eventType?: string;
  /** The item as received (stored for audit and re-processing). */
  payload: unknown;
}

export class WebhookParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebhookParseError";
  }
}

export interface WebhookSourceHandler {
  source: WebhookSource;
  /** Content types this source posts (anything else is a 415). */
  contentTypes: string[];
  /** HTTP status for a bad or missing signature (Meta 401, Twilio 403, Stripe 400). */
  rejectStatus: number;
  /** May look up the key (Twilio: the auth token of the request's AccountSid). */
  verify(env: ProviderEnv, req: RawWebhook): Verification | Promise<Verification>;
  /** A subscription handshake the provider sends as a GET to the same path (Meta's
   *  hub.challenge): the text to echo back, or undefined to refuse it (403). */
  challenge?(env: ProviderEnv, query: URLSearchParams): string | undefined;
  /** Throws WebhookParseError for a body that is signed but malformed (→ 400). */
  parse(env: ProviderEnv, req: RawWebhook): WebhookItem[];
  /** The acknowledgement body (Twilio wants empty TwiML, Meta any 200). */
  ack: { contentType: string; body: string };
  /** Downloads a remote attachment (Twilio media needs the account's basic auth). */
  download?(
    env: ProviderEnv,
    att: RemoteAttachment,
    account?: ProviderAccount,
  ): Promise<{ content: Buffer; contentType: string; filename: string }>;
}
