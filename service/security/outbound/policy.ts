// Tatu's outbound policy, in one place: URLs that users or payloads control may only reach
// public addresses, checked at connect time (guard.ts). The exceptions are explicit settings:
//   - the provider origins the operator configured (CALDAV_SERVER_URL and the *_BASE_URL of
//     the providers whose media Tatu downloads; the stand-ins in tests and rehearsals live
//     there, on loopback — trusted because they are configured, not because they are loopback);
//   - CALDAV_ALLOW_PRIVATE_SERVERS=true opens CalDAV (only) to the LAN and plain http.
import type { Config } from "../../config/load.ts";
import { outboundGuard, type OutboundGuard, type Resolve } from "./guard.ts";

export type OutboundPurpose =
  /** A CalDAV server a user named, the calendar URLs it hands out, its redirects (credentials go there: https). */
  | "caldav"
  /** Attachment links from Meta/Twilio/X payloads and the redirects they lead to. */
  | "media";

/** Origins the operator configured for the providers reached through the guard. */
export function configuredOrigins(config: Config): string[] {
  const e = config.env;
  const urls = [e.CALDAV_SERVER_URL, e.META_GRAPH_BASE_URL, e.TWILIO_API_BASE_URL, e.TWITTER_API_BASE_URL];
  return urls.filter((u): u is string => Boolean(u)).map((u) => new URL(u).origin);
}

export function outboundGuardFor(env: { config: Config }, purpose: OutboundPurpose, resolve?: Resolve): OutboundGuard {
  const caldav = purpose === "caldav";
  return outboundGuard({
    trustedOrigins: configuredOrigins(env.config),
    allowPrivate: caldav && Boolean(env.config.env.CALDAV_ALLOW_PRIVATE_SERVERS),
    httpsOnly: caldav,
    ...(resolve ? { resolve } : {}),
  });
}
