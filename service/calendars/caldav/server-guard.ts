// Which CalDAV server a user may point Tatu at. The connect form takes any server URL (iCloud
// is the default), and Tatu then sends the user's credentials and its own requests there: left
// open, that lets anyone make the server probe addresses only it can reach (metadata services,
// the database, the LAN). The operator's configured server (CALDAV_SERVER_URL, or iCloud) is
// always fine; any other must be https with every address of its name public, unless the
// operator set CALDAV_ALLOW_PRIVATE_SERVERS=true (a self-hosted install whose studio runs its
// own CalDAV server on the LAN).
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { ProviderError } from "../../channels/errors.ts";
import type { ProviderEnv } from "../../channels/types.ts";

export const ICLOUD_CALDAV_URL = "https://caldav.icloud.com";

/** The operator's CalDAV server: CALDAV_SERVER_URL, or iCloud. */
export function defaultServerUrl(env: ProviderEnv): string {
  return env.config.env.CALDAV_SERVER_URL ?? ICLOUD_CALDAV_URL;
}

/** Addresses that are not the public internet (RFC 6890 special-purpose ranges). */
const nonPublic = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12],
  ["192.0.0.0", 24], ["192.0.2.0", 24], ["192.168.0.0", 16], ["198.18.0.0", 15], ["198.51.100.0", 24], ["203.0.113.0", 24],
  ["224.0.0.0", 4], ["240.0.0.0", 4],
] as const) nonPublic.addSubnet(net, bits, "ipv4");
for (const [net, bits] of [["::", 128], ["::1", 128], ["fc00::", 7], ["fe80::", 10], ["ff00::", 8], ["2001:db8::", 32], ["64:ff9b::", 96]] as const)
  nonPublic.addSubnet(net, bits, "ipv6");

/** True for an address on the public internet (IPv4-mapped IPv6 is judged by its IPv4 part). */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (!family) return false;
  return !nonPublic.check(address, family === 4 ? "ipv4" : "ipv6");
}

const refusal = (why: string) =>
  new ProviderError("permanent", `Tatu cannot connect to this CalDAV server: ${why}. Use your calendar provider's public https address (for iCloud, leave the server empty).`, { code: "CALDAV_SERVER_NOT_ALLOWED" });

/** Decides, before each request, whether a URL may be contacted: the server the user named,
 *  the collection URLs it hands out (iCloud serves them from other hosts), every redirect hop. */
export interface ServerPolicy { check(url: URL): Promise<void> }

/** Public https origins that passed recently: one DNS lookup a minute per host, not per request. */
const passed = new Map<string, number>();
const PASSED_TTL_MS = 60_000;

export function serverPolicy(env: ProviderEnv): ServerPolicy {
  const trusted = new URL(defaultServerUrl(env)).origin;
  const open = Boolean(env.config.env.CALDAV_ALLOW_PRIVATE_SERVERS);
  return {
    async check(url) {
      if (open || url.origin === trusted || (passed.get(url.origin) ?? 0) > Date.now()) return;
      await assertPublicHttps(url);
      if (passed.size > 1000) passed.clear();
      passed.set(url.origin, Date.now() + PASSED_TTL_MS);
    },
  };
}

/** Throws CALDAV_SERVER_NOT_ALLOWED (a mistake in the form, never retried) for a server a user
 *  may not use; resolves for the configured server, or a public https one. */
export function assertServerAllowed(env: ProviderEnv, serverUrl: string): Promise<void> {
  return serverPolicy(env).check(new URL(serverUrl));
}

async function assertPublicHttps(url: URL): Promise<void> {
  if (url.protocol !== "https:") throw refusal("it is not an https address");
  const host = url.hostname.replace(/^\[|\]$/g, "");
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  } catch {
    throw refusal(`the name ${host} does not resolve`);
  }
  if (!addresses.length || !addresses.every(isPublicAddress)) throw refusal("its address is not on the public internet");
}
