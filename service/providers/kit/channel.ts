// The one interface every inbox channel implements (gmail/, outlook/, yahoo/ now; the
// social and SMS channels later). Providers only speak to their API and return normalised
// data; storing, threading, dedup, realtime and retries live in service/inbox and jobs.
import type { z } from "zod";
import type { Config } from "../../config/load.ts";
import type { Logger } from "../../observability/logger.ts";
import { classified, classifiedPages, type ErrorClass, type ProviderError } from "./errors.ts";
import type { ProviderMeta } from "./meta.ts";

/** A channel provider's stored id; the exact union of ids is `ChannelId` in ../catalog.ts. */
export type ChannelId = string;

export interface Address {
  name?: string;
  handle: string;
}

/** A provider cursor is opaque JSON to everyone but its provider (historyId, deltaLink, UIDs…). */
export type SyncCursor = Record<string, unknown>;

export interface InboundAttachment {
  filename: string;
  contentType: string;
  /** Bytes, fetched by the provider during sync (Gmail attachments.get, Graph $value, IMAP part). */
  content: Buffer;
  contentId?: string;
}

export interface InboundMessage {
  /** Provider message id, unique within the account (idempotency key). */
  externalId: string;
  /** Provider thread id (Gmail threadId, Graph conversationId). Omit for IMAP: the inbox
   *  threads by In-Reply-To/References, starting a new thread keyed by the Message-ID. */
  threadKey?: string;
  direction: "inbound" | "outbound";
  from: Address;
  to: Address[];
  cc: Address[];
  subject?: string;
  text: string;
  /** Raw HTML as received; the inbox sanitises it before storing. */
  html?: string;
  sentAt: Date;
  /** The provider already marks it read (Gmail no UNREAD label, IMAP \Seen, Graph isRead). */
  seen: boolean;
  rfc822MessageId?: string;
  inReplyTo?: string;
  references?: string[];
  attachments: InboundAttachment[];
}

/** One unit of progress: the inbox stores `messages` and `cursor` in one transaction, so a
 *  crash between pages resumes from the last committed page and never skips mail. */
export interface SyncPage {
  messages: InboundMessage[];
  cursor: SyncCursor;
}

export interface SyncOptions {
  /** Back-fill from this date ("re-sync since"); also the window of the first sync. */
  since?: Date;
  /** Ignore the stored cursor and walk the window again (dedup keeps it idempotent). */
  full?: boolean;
  /** Upper bound of messages fetched by a back-fill. */
  maxMessages?: number;
}

export interface OutboundAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface Draft {
  /** The conversation being answered. */
  threadKey: string;
  subject?: string;
  to: Address[];
  cc: Address[];
  text: string;
  html?: string;
  /** The message replied to (for Gmail/Graph reply endpoints and mail threading headers). */
  replyTo?: { externalId: string; rfc822MessageId?: string; references?: string[] };
  attachments: OutboundAttachment[];
}

export interface SentMessage {
  externalId: string;
  threadKey?: string;
  rfc822MessageId?: string;
  inReplyTo?: string;
  references?: string[];
  status: "sent" | "pending";
  sentAt: Date;
}

/** What a connect produces; the inbox encrypts `credentials` and upserts the account. */
export interface NewAccount {
  /** Another channel than the connecting provider's (a Facebook connect also yields Instagram accounts). */
  provider?: ChannelId;
  externalId: string;
  address: string;
  displayName?: string;
  /** "Hotmail", "MSN", "Live" for Outlook personal-account aliases. */
  aliasLabel?: string;
  credentials: Record<string, unknown>;
  /** The provider-side account the credentials belong to when a studio brought its own (a
   *  Twilio AccountSid); stored in the clear to pick the key of that account's webhooks. */
  providerAccountId?: string;
  scopes: string[];
  /** Accounts connected by the same grant (a Facebook login yields one per Page and per linked
   *  Instagram account; the first Page is the primary, the rest come here). */
  linked?: NewAccount[];
}

/** A connected account as a provider sees it (credentials already decrypted). */
export interface ProviderAccount {
  id: string;
  userId: string;
  externalId: string;
  address: string;
  credentials: Record<string, unknown>;
  /** Persist refreshed tokens (encrypted) right away, before the next API call. */
  saveCredentials(next: Record<string, unknown>): Promise<void>;
}

/** Stored accounts as a provider may look them up (the service sets it; unit tests may not). */
export interface AccountDirectory {
  /** Decrypted credentials of the live accounts connected through the provider-side account
   *  `providerAccountId` (a Twilio AccountSid a studio brought). */
  credentialsOf(provider: ChannelId, providerAccountId: string): Promise<Record<string, unknown>[]>;
}

export interface ProviderEnv {
  config: Config;
  log: Logger;
  accounts?: AccountDirectory;
}

export interface OAuthConnect {
  kind: "oauth";
  /** URL segment: /api/integrations/<route>/auth and /callback ("google", "outlook"). */
  route: string;
  authorizationUrl(env: ProviderEnv, p: { state: string; redirectUri: string; codeChallenge: string }): string;
  exchangeCode(env: ProviderEnv, p: { code: string; redirectUri: string; codeVerifier: string }): Promise<NewAccount>;
  /** Default redirect URI when no env var names one. */
  redirectUri(env: ProviderEnv): string;
}

/** OAuth 1.0a (X/Twitter): a request token whose secret stays on the server until the callback. */
export interface OAuth1Connect {
  kind: "oauth1";
  route: string;
  callbackUrl(env: ProviderEnv): string;
  requestToken(
    env: ProviderEnv,
    p: { callbackUrl: string },
  ): Promise<{ url: string; token: string; tokenSecret: string }>;
  exchange(env: ProviderEnv, p: { token: string; tokenSecret: string; verifier: string }): Promise<NewAccount>;
}

export interface CredentialsConnect<S extends z.ZodType = z.ZodType> {
  kind: "credentials";
  route: string;
  schema: S;
  /** Verifies the credentials against the provider; throws ProviderError(code e.g. IMAP_AUTH_FAILED). */
  connect(env: ProviderEnv, input: z.output<S>): Promise<NewAccount>;
}

export interface SmokeResult {
  ok: boolean;
  checks: { name: string; ok: boolean; detail?: string }[];
}

/** id, label and the rest of the provider's meta.ts are spread in (`{ ...meta, ... }`). */
export interface ChannelProvider extends ProviderMeta {
  readonly kind: "channel";
  /** Contact identity kind of this channel's handles ("email" for all mail providers). */
  identityKind: "email" | "facebook" | "instagram" | "twitter" | "sms";
  /** replyWindowHours: replies are only allowed this long after the contact's last message
   *  (Meta's 24-hour messaging window); the inbox refuses later replies with REPLY_WINDOW_CLOSED. */
  capabilities: { attachments: boolean; webhooks: boolean; replyWindowHours?: number };
  connect: OAuthConnect | OAuth1Connect | CredentialsConnect;
  /** Pages of new messages since `cursor` (null = first sync: back-fill `since`). */
  sync(
    env: ProviderEnv,
    account: ProviderAccount,
    cursor: SyncCursor | null,
    opts: SyncOptions,
  ): AsyncIterable<SyncPage>;
  send(env: ProviderEnv, account: ProviderAccount, draft: Draft): Promise<SentMessage>;
  /** Revoke the grant where the provider allows it; never throws for an already-dead grant. */
  disconnect?(env: ProviderEnv, account: ProviderAccount): Promise<void>;
  /** Maps any error thrown by this provider's SDK to a ProviderError. */
  classifyError(err: unknown): ProviderError;
  /** A cheap authenticated round trip (`tatu smoke <provider>`). */
  smoke(env: ProviderEnv, account: ProviderAccount): Promise<SmokeResult>;
  /** Push (IMAP IDLE): one live connection that calls onNewMail when mail arrives; absent → polling only. */
  watch?(env: ProviderEnv, account: ProviderAccount, opts: WatchOptions): Promise<MailboxWatch>;
}

export interface WatchOptions {
  /** New mail arrived (or may have, e.g. after a reconnect): the caller syncs the account. */
  onNewMail(): void;
  /** Break and re-issue IDLE (with a NOOP) at least this often; servers may drop a session idle for 29 min. */
  refreshMs: number;
}

export interface MailboxWatch {
  /** Resolves when the connection ends for any reason (with the error when it failed). */
  readonly closed: Promise<Error | undefined>;
  /** The connection is up and waiting in IDLE. */
  healthy(): boolean;
  close(): Promise<void>;
}

/** `ops` with every failure rethrown through the provider's classifier (which passes ProviderErrors
 *  through), so the inbox's sync and send jobs only ever see ProviderErrors. */
export function classifyChannelFailures(
  ops: Pick<ChannelProvider, "sync" | "send">,
  classify: (err: unknown) => ProviderError,
): Pick<ChannelProvider, "sync" | "send"> {
  return {
    sync: (...args) => classifiedPages(classify, () => ops.sync(...args)),
    send: (...args) => classified(classify, () => ops.send(...args)),
  };
}

export type { ErrorClass };
