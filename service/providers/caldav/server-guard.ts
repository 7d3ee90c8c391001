// Which CalDAV server a user may point Tatu at. The connect form takes any server URL (iCloud
// is the default), and Tatu then sends the user's credentials and its own requests there: left
// open, that lets anyone make the server probe addresses only it can reach (metadata services,
// the database, the LAN). The rule itself is Tatu's outbound policy (service/security/outbound):
// the operator's configured server (CALDAV_SERVER_URL) is always fine; any other must be https
// on public addresses — checked when each connection is opened, so a name that changes its
// answer between a check and the connect (DNS rebinding) gets nowhere — unless the operator
// set CALDAV_ALLOW_PRIVATE_SERVERS=true (a self-hosted install whose studio runs its own
// CalDAV server on the LAN).
import { ProviderError } from "../kit/errors.ts";
import type { ProviderEnv } from "../kit/channel.ts";
import { refusalOf, type OutboundGuard, type OutboundRefusedError } from "../../security/outbound/guard.ts";
import { outboundGuardFor } from "../../security/outbound/policy.ts";

export const ICLOUD_CALDAV_URL = "https://caldav.icloud.com";

/** The operator's CalDAV server: CALDAV_SERVER_URL, or iCloud. */
export function defaultServerUrl(env: ProviderEnv): string {
  return env.config.env.CALDAV_SERVER_URL ?? ICLOUD_CALDAV_URL;
}

/** Every CalDAV request goes through this guard: the server the user named, the collection
 *  URLs it hands out (iCloud serves them from other hosts), every redirect hop. */
export function caldavGuard(env: ProviderEnv): OutboundGuard {
  return outboundGuardFor(env, "caldav");
}

/** A refusal as the user sees it: a mistake in the form (CALDAV_SERVER_NOT_ALLOWED), never retried. */
export function serverRefusal(refused: OutboundRefusedError): ProviderError {
  const why =
    refused.reason === "scheme"
      ? "it is not an https address"
      : refused.reason === "unresolvable"
        ? `the name ${refused.host} does not resolve`
        : "its address is not on the public internet";
  return new ProviderError(
    "permanent",
    `Tatu cannot connect to this CalDAV server: ${why}. Use your calendar provider's public https address (for iCloud, leave the server empty).`,
    { code: "CALDAV_SERVER_NOT_ALLOWED", cause: refused },
  );
}

/** Throws CALDAV_SERVER_NOT_ALLOWED for a server a user may not use, before anything is sent
 *  (a clear answer to the form); the connect-time check still guards every request after it. */
export async function assertServerAllowed(env: ProviderEnv, serverUrl: string): Promise<void> {
  try {
    await caldavGuard(env).check(new URL(serverUrl));
  } catch (err) {
    const refused = refusalOf(err);
    throw refused ? serverRefusal(refused) : err;
  }
}
