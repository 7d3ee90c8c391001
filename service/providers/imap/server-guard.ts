// Which mail server Tatu may open a socket to. A preset's servers (and the operator's
// YAHOO_IMAP_*/YAHOO_SMTP_*) are trusted; "Other IMAP" lets a user name any host, and Tatu
// would then send the user's password there and talk to whatever answers — left open, anyone
// could make the server probe addresses only it can reach (metadata services, the database,
// the LAN). So such a host must resolve to public addresses only (Tatu's outbound policy,
// service/security/outbound), and the socket goes to the very address that was checked, with
// the name kept for TLS (SNI and certificate check): a name that answers differently a moment
// later (DNS rebinding) gets nowhere. IMAP_ALLOW_PRIVATE_SERVERS=true opens this for a
// self-hosted install whose mail server is on its LAN.
import { isIP } from "node:net";
import type { ProviderEnv } from "../kit/channel.ts";
import { ProviderError } from "../kit/errors.ts";
import { publicAddressesOf, refusalOf, type OutboundRefusedError, type Resolve } from "../../security/outbound/guard.ts";
import type { Endpoint } from "./settings.ts";

/** Where to open the socket: an address, and the name TLS must verify when it differs. */
export interface Dial { host: string; servername?: string }

/** A refusal as the user sees it. A private address is `auth` class: the sign-in details must
 *  change (a connect answers 400, a stored account asks for a reconnect) and retrying cannot
 *  help; a name that does not resolve (now) is like a server that does not answer. */
export function serverRefusal(refused: OutboundRefusedError): ProviderError {
  if (refused.reason === "unresolvable") return new ProviderError("transient", `The mail server ${refused.host} could not be found.`, { code: "IMAP_UNREACHABLE", cause: refused });
  return new ProviderError("auth", "Tatu cannot connect to this mail server: its address is not on the public internet. Use your mail provider's public IMAP and SMTP server names.", { code: "IMAP_SERVER_NOT_ALLOWED", cause: refused });
}

/** The checked target for one connection (or IMAP_SERVER_NOT_ALLOWED, before anything is sent). */
export async function dialTarget(env: ProviderEnv, ep: Endpoint, resolve?: Resolve): Promise<Dial> {
  if (ep.trusted || env.config.env.IMAP_ALLOW_PRIVATE_SERVERS) return { host: ep.host };
  const host = ep.host.replace(/^\[|\]$/g, "");
  try {
    const [first] = await publicAddressesOf(host, resolve);
    return isIP(host) ? { host } : { host: first!.address, servername: host };
  } catch (err) {
    const refused = refusalOf(err);
    throw refused ? serverRefusal(refused) : err;
  }
}
