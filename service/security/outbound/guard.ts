// The one way Tatu connects to a URL that a user or a webhook payload chose (a CalDAV server
// and the addresses it hands out or redirects to, Meta/Twilio/X media links). The address is
// checked when the socket is opened, not before: the name is resolved once, inside the
// connect, every answer must be public (addresses.ts), and the socket goes to exactly the
// address that was checked. A resolve-then-fetch check can be beaten by DNS rebinding (a name
// that answers a public address to the check and 127.0.0.1 to the connect a moment later);
// this cannot, because there is no second lookup.
//
// Origins the operator configured (CALDAV_SERVER_URL, the stand-ins' *_BASE_URL) are trusted
// by name, whatever they resolve to; a LAN install can open private addresses for a purpose
// (CALDAV_ALLOW_PRIVATE_SERVERS). Both are explicit configuration, never "loopback is fine".
import dns from "node:dns";
import http from "node:http";
import https from "node:https";
import { createRequire } from "node:module";
import { isIP, type LookupFunction } from "node:net";
import type * as Undici from "undici";
import type { Dispatcher } from "undici";
import { isPublicAddress } from "./addresses.ts";

// undici (a CommonJS package of ~110 modules) is required by a guard's first request, not
// when the modules that hold a guard are imported at boot.
const requireHere = createRequire(import.meta.url);
let undiciModule: typeof Undici | undefined;
const undici = () => (undiciModule ??= requireHere("undici") as typeof Undici);

export interface ResolvedAddress {
  address: string;
  family: number;
}
/** Every address of a name. Tests pass their own (one that answers differently on each call). */
export type Resolve = (hostname: string) => Promise<ResolvedAddress[]>;

/** The system resolver, read through the module at call time (as Node's own sockets do). */
export const systemResolve: Resolve = (hostname) =>
  new Promise((ok, fail) =>
    dns.lookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? fail(err) : ok(addresses))),
  );

export interface OutboundRules {
  /** Origins reached whatever they resolve to: provider base URLs the operator configured. */
  trustedOrigins?: Iterable<string>;
  /** Any address and plain http (a self-hosted install talking to its own LAN). */
  allowPrivate?: boolean;
  /** Untrusted origins must be https (credentials go there). */
  httpsOnly?: boolean;
  resolve?: Resolve;
}

export type RefusalReason = "scheme" | "address" | "unresolvable";

/** A URL the rules do not let Tatu contact; nothing was sent (no socket was even opened). */
export class OutboundRefusedError extends Error {
  readonly code = "OUTBOUND_ADDRESS_REFUSED";
  constructor(
    readonly host: string,
    readonly reason: RefusalReason,
  ) {
    super(
      reason === "scheme"
        ? `${host}: only https addresses are allowed`
        : reason === "unresolvable"
          ? `${host}: the name does not resolve`
          : `${host}: the address is not on the public internet`,
    );
    this.name = "OutboundRefusedError";
  }
}

/** The refusal behind a failed request (fetch wraps connect errors in TypeError causes). */
export function refusalOf(err: unknown): OutboundRefusedError | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++)
    if (e instanceof OutboundRefusedError) return e;
  return undefined;
}

/** A chain of redirects longer than the caller allows (`status` is the last 3xx). */
export class RedirectLimitError extends Error {
  constructor(
    readonly url: string,
    readonly status: number,
  ) {
    super(`${new URL(url).origin} redirected too many times`);
    this.name = "RedirectLimitError";
  }
}

type GuardedInit = RequestInit & { maxRedirects?: number };

export interface OutboundGuard {
  /** Before a request: scheme and literal addresses (names are checked when connecting). */
  checkUrl(url: URL): void;
  /** checkUrl plus a lookup now, for a clear answer to a form before anything is sent.
   *  Only a courtesy: the connect-time check is what protects. */
  check(url: URL): Promise<void>;
  /** fetch through the guarded dispatcher; redirects are followed here hop by hop (each one
   *  checked, credentials dropped when the origin changes) unless `redirect: "manual"`. */
  fetch(input: string | URL, init?: GuardedInit): Promise<Response>;
  /** For libraries that take an undici dispatcher. */
  readonly dispatcher: Dispatcher;
  /** For libraries on node:http(s) (twitter-api-v2): an agent with the same connect-time check. */
  agentFor(protocol: string): http.Agent;
  close(): Promise<void>;
}

const DEFAULT_MAX_REDIRECTS = 5;
const stripBrackets = (host: string) => host.replace(/^\[|\]$/g, "");

function originOf(protocol: string, hostname: string, port: string | number | null | undefined): string {
  const host = isIP(stripBrackets(hostname)) === 6 ? `[${stripBrackets(hostname)}]` : hostname;
  try {
    return new URL(`${protocol}//${host}${port ? `:${port}` : ""}`).origin;
  } catch {
    return "null";
  }
}

/** Node's lookup hook, answering only with addresses that were just checked. */
function guardedLookup(resolve: Resolve): LookupFunction {
  return (hostname, options, callback) => {
    const want =
      options.family === 4 || options.family === "IPv4" ? 4 : options.family === 6 || options.family === "IPv6" ? 6 : 0;
    resolve(hostname)
      .then((all) => {
        if (!all.length) throw new OutboundRefusedError(hostname, "unresolvable");
        // One private answer refuses the name: a public name has no business pointing inside.
        if (!all.every((a) => isPublicAddress(a.address))) throw new OutboundRefusedError(hostname, "address");
        const usable = want ? all.filter((a) => a.family === want) : all;
        if (!usable.length)
          throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND", hostname });
        return usable;
      })
      .then(
        (usable) =>
          options.all
            ? (callback as (e: null, a: ResolvedAddress[]) => void)(null, usable)
            : callback(null, usable[0]!.address, usable[0]!.family),
        (err: NodeJS.ErrnoException) => callback(err, "", 0),
      );
  };
}

/** Every address of a name, all of them public, or an OutboundRefusedError. For clients that
 *  open their own sockets (IMAP, SMTP): they connect to one of these, naming the host for TLS. */
export async function publicAddressesOf(host: string, resolve: Resolve = systemResolve): Promise<ResolvedAddress[]> {
  let all: ResolvedAddress[];
  try {
    all = await resolve(host);
  } catch {
    throw new OutboundRefusedError(host, "unresolvable");
  }
  if (!all.length) throw new OutboundRefusedError(host, "unresolvable");
  if (!all.every((a) => isPublicAddress(a.address))) throw new OutboundRefusedError(host, "address");
  return all;
}

const cache = new Map<string, OutboundGuard>();

/** The guard for a set of rules. Guards with the system resolver are shared (one connection
 *  pool per rule set); a guard with an injected resolver is the caller's to close. */
export function outboundGuard(rules: OutboundRules = {}): OutboundGuard {
  if (rules.resolve) return createGuard(rules);
  const trusted = [...new Set([...(rules.trustedOrigins ?? [])].map((o) => new URL(o).origin))].sort();
  const key = JSON.stringify([trusted, Boolean(rules.allowPrivate), Boolean(rules.httpsOnly)]);
  let guard = cache.get(key);
  if (!guard) {
    // One rule set per configuration in production; tests make many (idle sockets are unref'd).
    if (cache.size >= 64) cache.delete(cache.keys().next().value!);
    cache.set(key, (guard = createGuard({ ...rules, trustedOrigins: trusted })));
  }
  return guard;
}

function createGuard(rules: OutboundRules): OutboundGuard {
  const trusted = new Set([...(rules.trustedOrigins ?? [])].map((o) => new URL(o).origin));
  const resolve = rules.resolve ?? systemResolve;
  const lookup = guardedLookup(resolve);

  /** What a connection to this origin needs: nothing (trusted, or a public literal address),
   *  the checking lookup (a name), or a refusal. */
  function decide(
    protocol: string,
    hostname: string,
    port: string | number | null | undefined,
  ): { lookup?: LookupFunction } | OutboundRefusedError {
    const host = stripBrackets(hostname);
    if (protocol !== "http:" && protocol !== "https:") return new OutboundRefusedError(host, "scheme");
    if (rules.allowPrivate || trusted.has(originOf(protocol, hostname, port))) return {};
    if (rules.httpsOnly && protocol !== "https:") return new OutboundRefusedError(host, "scheme");
    if (isIP(host)) return isPublicAddress(host) ? {} : new OutboundRefusedError(host, "address");
    return { lookup };
  }

  let dispatcher: Dispatcher | undefined;
  const dispatcherOf = (): Dispatcher => {
    if (dispatcher) return dispatcher;
    const { Agent, buildConnector } = undici();
    const plainConnect = buildConnector({});
    const checkedConnect = buildConnector({ lookup });
    const connect: Undici.buildConnector.connector = (opts, callback) => {
      const verdict = decide(opts.protocol, opts.hostname, opts.port);
      if (verdict instanceof OutboundRefusedError) return void queueMicrotask(() => callback(verdict, null));
      return (verdict.lookup ? checkedConnect : plainConnect)(opts, callback);
    };
    return (dispatcher = new Agent({ connect }));
  };

  // node:http(s) agents that open their sockets through the same decision and lookup.
  type Socket = ReturnType<http.Agent["createConnection"]>;
  const withGuard = (Base: typeof http.Agent, protocol: "http:" | "https:") =>
    class extends Base {
      override createConnection(
        options: http.ClientRequestArgs,
        callback?: (err: Error | null, stream: NonNullable<Socket>) => void,
      ): Socket {
        const verdict = decide(protocol, options.host ?? options.hostname ?? "localhost", options.port);
        if (verdict instanceof OutboundRefusedError)
          return void process.nextTick(() => callback?.(verdict, undefined as never));
        return super.createConnection(verdict.lookup ? { ...options, lookup: verdict.lookup } : options, callback);
      }
    };
  const agents = {
    "http:": new (withGuard(http.Agent, "http:"))({ keepAlive: true }),
    "https:": new (withGuard(https.Agent as typeof http.Agent, "https:"))({ keepAlive: true }),
  };

  function checkUrl(url: URL): void {
    const verdict = decide(url.protocol, url.hostname, url.port);
    if (verdict instanceof OutboundRefusedError) throw verdict;
  }

  async function go(url: URL, init: GuardedInit, hops: number, max: number): Promise<Response> {
    checkUrl(url);
    const { maxRedirects: _, ...rest } = init;
    let res: Response;
    try {
      res = (await undici().fetch(url, {
        ...(rest as object),
        redirect: "manual",
        dispatcher: dispatcherOf(),
      })) as unknown as Response;
    } catch (err) {
      throw refusalOf(err) ?? err;
    }
    const location = res.status >= 300 && res.status < 400 ? res.headers.get("location") : null;
    if (!location || init.redirect === "manual") return res;
    await res.body?.cancel().catch(() => undefined);
    if (init.redirect === "error" || hops >= max) throw new RedirectLimitError(url.href, res.status);
    const next = new URL(location, url);
    const headers = new Headers(init.headers);
    // Credentials stay with the origin they were meant for (what fetch itself does).
    if (next.origin !== url.origin)
      for (const h of ["authorization", "cookie", "proxy-authorization"]) headers.delete(h);
    const method = (init.method ?? "GET").toUpperCase();
    // 303 turns into a GET, and so does a redirected POST (fetch's rule); DAV methods keep theirs.
    const toGet =
      res.status === 303 ? method !== "HEAD" : (res.status === 301 || res.status === 302) && method === "POST";
    if (toGet)
      for (const h of ["content-type", "content-length", "content-encoding", "content-language", "content-location"])
        headers.delete(h);
    return go(next, { ...init, headers, ...(toGet ? { method: "GET", body: undefined } : {}) }, hops + 1, max);
  }

  return {
    checkUrl,
    async check(url) {
      const verdict = decide(url.protocol, url.hostname, url.port);
      if (verdict instanceof OutboundRefusedError) throw verdict;
      if (!verdict.lookup) return;
      await publicAddressesOf(stripBrackets(url.hostname), resolve);
    },
    fetch: (input, init = {}) => go(new URL(input), init, 0, init.maxRedirects ?? DEFAULT_MAX_REDIRECTS),
    get dispatcher() {
      return dispatcherOf();
    },
    agentFor: (protocol) => (protocol === "http:" ? agents["http:"] : agents["https:"]),
    async close() {
      agents["http:"].destroy();
      agents["https:"].destroy();
      await dispatcher?.close();
    },
  };
}
