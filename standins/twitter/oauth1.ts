// OAuth 1.0a request verification (RFC 5849 §3.4 HMAC-SHA1), written from the RFC and
// independent of the SDK under test: the stand-in rebuilds the signature base string from
// what arrived on the wire (method, Host + path, query, form body, Authorization header).
import { createHmac, timingSafeEqual } from "node:crypto";
import type http from "node:http";

/** RFC 3986 percent-encoding: everything but ALPHA / DIGIT / "-" / "." / "_" / "~". */
export function pct(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `Authorization: OAuth k="v", …` → decoded map (undefined when it is not an OAuth header). */
export function parseOAuthHeader(value: string | undefined): Map<string, string> | undefined {
  if (!value || !/^OAuth\s/i.test(value)) return undefined;
  const out = new Map<string, string>();
  for (const m of value.slice(6).matchAll(/([A-Za-z0-9_.~%-]+)\s*=\s*"([^"]*)"/g)) {
    try {
      out.set(decodeURIComponent(m[1]!), decodeURIComponent(m[2]!));
    } catch {
      return undefined;
    }
  }
  return out;
}

/** §3.4.1: METHOD & base-URI & normalised parameters (encoded, sorted by name then value). */
export function signatureBaseString(method: string, baseUri: string, params: [string, string][]): string {
  const normalised = params
    .map(([k, v]) => [pct(k), pct(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  return `${method.toUpperCase()}&${pct(baseUri)}&${pct(normalised)}`;
}

export function hmacSha1(base: string, consumerSecret: string, tokenSecret = ""): string {
  return createHmac("sha1", `${pct(consumerSecret)}&${pct(tokenSecret)}`)
    .update(base)
    .digest("base64");
}

/** §3.4.1.2: scheme and host lowercased, default ports dropped, no query or fragment. */
export function baseUri(req: http.IncomingMessage, url: URL): string {
  const host = (req.headers.host ?? url.host).toLowerCase().replace(/:80$/, "");
  return `http://${host}${url.pathname}`;
}

export interface SignedRequest {
  consumerKey: string;
  token?: string;
  /** oauth_* protocol parameters from the header, query or body (oauth_callback, oauth_verifier…). */
  oauth: Map<string, string>;
}

export type VerifyResult = { ok: true; request: SignedRequest } | { ok: false; reason: string };

const MAX_SKEW_SEC = 300;

/**
 * Checks the signature of a request: the caller supplies the secrets for the consumer key and
 * the token it names (undefined = unknown). Nonces are remembered for the skew window.
 */
export class OAuth1Verifier {
  private readonly seen = new Map<string, number>();

  verify(
    req: http.IncomingMessage,
    url: URL,
    body: Buffer,
    secrets: { consumer(key: string): string | undefined; token(token: string): string | undefined },
    now = Date.now(),
  ): VerifyResult {
    const header = parseOAuthHeader(req.headers.authorization);
    if (!header) return { ok: false, reason: "no OAuth Authorization header" };
    const params: [string, string][] = [];
    for (const [k, v] of header) if (k !== "realm" && k !== "oauth_signature") params.push([k, v]);
    const form = /application\/x-www-form-urlencoded/i.test(req.headers["content-type"] ?? "")
      ? [...new URLSearchParams(body.toString("utf8"))]
      : [];
    // X counts a protocol parameter repeated in the query/body with the header's value once
    // (twitter-api-v2 sends oauth_token both in the header and in the access_token body).
    for (const [k, v] of [...url.searchParams, ...form])
      if (!(k.startsWith("oauth_") && header.get(k) === v)) params.push([k, v]);

    const oauth = new Map(params.filter(([k]) => k.startsWith("oauth_")));
    const signature = header.get("oauth_signature");
    const consumerKey = oauth.get("oauth_consumer_key");
    if (!signature || !consumerKey) return { ok: false, reason: "missing oauth_signature or oauth_consumer_key" };
    if (oauth.get("oauth_signature_method") !== "HMAC-SHA1")
      return { ok: false, reason: "unsupported signature method" };
    const version = oauth.get("oauth_version");
    if (version !== undefined && version !== "1.0") return { ok: false, reason: "unsupported oauth_version" };
    const consumerSecret = secrets.consumer(consumerKey);
    if (consumerSecret === undefined) return { ok: false, reason: "unknown consumer key" };
    const token = oauth.get("oauth_token");
    const tokenSecret = token ? secrets.token(token) : "";
    if (tokenSecret === undefined) return { ok: false, reason: "unknown or revoked token" };

    const timestamp = Number(oauth.get("oauth_timestamp"));
    const nonce = oauth.get("oauth_nonce");
    if (!Number.isInteger(timestamp) || Math.abs(now / 1000 - timestamp) > MAX_SKEW_SEC)
      return { ok: false, reason: "timestamp out of bounds" };
    if (!nonce) return { ok: false, reason: "missing nonce" };

    const expected = hmacSha1(
      signatureBaseString(req.method ?? "GET", baseUri(req, url), params),
      consumerSecret,
      tokenSecret,
    );
    const a = Buffer.from(expected);
    const b = Buffer.from(signature);
    if (a.length !== b.length || !timingSafeEqual(a, b)) return { ok: false, reason: "signature mismatch" };

    // A replayed (timestamp, nonce, key) is refused even with a valid signature.
    const nonceKey = `${consumerKey}\u0000${token ?? ""}\u0000${timestamp}\u0000${nonce}`;
    if (this.seen.has(nonceKey)) return { ok: false, reason: "nonce already used" };
    this.seen.set(nonceKey, timestamp);
    if (this.seen.size > 10_000) for (const [k, t] of this.seen) if (now / 1000 - t > MAX_SKEW_SEC) this.seen.delete(k);

    return { ok: true, request: { consumerKey, ...(token ? { token } : {}), oauth } };
  }
}
