// Where the Meta providers talk to (Graph API and the Facebook Login dialog, or the stand-in
// that replaces both in tests and `tatu launch --rehearse`) and with which app.
import type { ProviderEnv } from "../kit/channel.ts";
import { ProviderError } from "../kit/errors.ts";

/** Pinned Graph version: paths without one would follow the app's default version. */
export const GRAPH_VERSION = "v21.0";

export const FACEBOOK_ROUTE = "facebook";
/** Instagram accounts come out of the Facebook login (Page-linked IG professional accounts);
 *  this route only exists for a connect that wants an Instagram account as the primary. */
export const INSTAGRAM_ROUTE = "facebook-instagram";

/** Pages the user manages, messaging them, subscribing them to webhooks, and their linked IG accounts. */
/** What Messenger needs of a Page (connect refuses without them). */
export const PAGE_SCOPES = ["pages_show_list", "pages_messaging", "pages_manage_metadata"];
export const SCOPES = [
  "pages_show_list",
  "pages_messaging",
  "pages_manage_metadata",
  "instagram_basic",
  "instagram_manage_messages",
];

/** Page webhook fields the app subscribes each Page to (IG fields are set on the app itself). */
export const SUBSCRIBED_FIELDS = [
  "messages",
  "message_deliveries",
  "message_reads",
  "message_echoes",
  "messaging_postbacks",
];

export type MetaChannel = "facebook" | "instagram";

type LooseEnv = Record<string, string | number | boolean | undefined>;
const raw = (env: ProviderEnv) => env.config.env as unknown as LooseEnv;

function stripSlash(v: unknown, fallback: string): string {
  return (typeof v === "string" && v ? v : fallback).replace(/\/+$/, "");
}

export function graphBase(env: ProviderEnv): string {
  return stripSlash(raw(env).META_GRAPH_BASE_URL, "https://graph.facebook.com");
}

export function dialogBase(env: ProviderEnv): string {
  return stripSlash(raw(env).META_DIALOG_BASE_URL, "https://www.facebook.com");
}

export function appCredentials(env: ProviderEnv): { appId: string; appSecret: string } {
  const appId = raw(env).FACEBOOK_APP_ID;
  const appSecret = raw(env).FACEBOOK_APP_SECRET;
  if (typeof appId !== "string" || !appId || typeof appSecret !== "string" || !appSecret)
    throw new ProviderError("permanent", "Facebook is not configured: set FACEBOOK_APP_ID and FACEBOOK_APP_SECRET.", {
      code: "META_NOT_CONFIGURED",
    });
  return { appId, appSecret };
}

/** The app secret, or undefined when unset (webhook verification then refuses everything). */
export function appSecret(env: ProviderEnv): string | undefined {
  const v = raw(env).FACEBOOK_APP_SECRET;
  return typeof v === "string" && v ? v : undefined;
}

export function maxAttachmentBytes(env: ProviderEnv): number {
  const mb = Number(raw(env).ATTACHMENT_MAX_MB ?? 25);
  return (Number.isFinite(mb) && mb > 0 ? mb : 25) * 1024 * 1024;
}

export function redirectUriFor(route: string) {
  return (env: ProviderEnv) => `${env.config.publicUrl}/api/integrations/${route}/callback`;
}
