// The HTTP transport under the twilio SDK, through its documented custom-httpClient hook:
// undici connection pools (one per origin, keep-alive) instead of the SDK's bundled axios or
// Node's http client. A reminder run sends tens of thousands of texts, and per request axios
// (config merging, header normalisation, interceptors) and node:http's ClientRequest/Agent
// bookkeeping were the largest CPU costs of sending one; undici parses with llhttp and keeps no
// per-request agent state. Same contract as the SDK's RequestClient.request: form bodies with
// repeated keys for arrays, Basic auth, a timeout, no redirects, and
// { statusCode, body (text), headers } for every status (the SDK itself turns ≥ 400 into a
// RestException). Network failures keep their error codes (ECONNREFUSED…, undici's UND_ERR_*);
// a timeout is ECONNABORTED, as axios reported it.
//
// No pipelining: a POST (a text) is never queued behind another request on one connection, so a
// dropped connection can never make the pool re-send it — one request, one answer or one error.
import { Pool } from "undici";

export interface TransportRequest {
  method: string;
  uri: string;
  username?: string;
  password?: string;
  headers?: Record<string, string>;
  params?: Record<string, unknown>;
  data?: Record<string, unknown>;
  timeout?: number;
}
export interface TransportResponse {
  statusCode: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** Connections per origin: above the reminders' texts in flight per process (48 per batch job). */
const CONNECTIONS = 128;
/** Idle keep-alive connections are closed after this (the server may close them sooner). */
const KEEP_ALIVE_MS = 30_000;

const pools = new Map<string, Pool>();

function poolFor(origin: string): Pool {
  let p = pools.get(origin);
  if (!p) {
    p = new Pool(origin, {
      connections: CONNECTIONS,
      pipelining: 1,
      keepAliveTimeout: KEEP_ALIVE_MS,
      keepAliveMaxTimeout: 10 * 60_000,
      connectTimeout: 10_000,
    });
    pools.set(origin, p);
  }
  return p;
}

/** Closes every pooled connection (tests; graceful shutdown need not wait for idle sockets). */
export async function closeTransport(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => p.close().catch(() => undefined)));
}

/** application/x-www-form-urlencoded as the SDK's qs.stringify(…, { arrayFormat: "repeat" }). */
export function formEncode(data: Record<string, unknown>): string {
  const out = new URLSearchParams();
  for (const [key, value] of Object.entries(data)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value])
      out.append(key, v === null || v === undefined ? "" : String(v));
  }
  return out.toString();
}

const TIMEOUT_CODES = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT"]);

export async function send(req: TransportRequest, defaultTimeoutMs: number): Promise<TransportResponse> {
  const url = new URL(req.uri);
  if (req.params) {
    const query = formEncode(req.params);
    if (query) url.search = url.search ? `${url.search}&${query}` : `?${query}`;
  }
  const headers: Record<string, string> = { ...(req.headers ?? {}) };
  if (req.username && req.password)
    headers.Authorization = `Basic ${Buffer.from(`${req.username}:${req.password}`).toString("base64")}`;
  let body: string | undefined;
  if (req.data) {
    body = headers["Content-Type"] === "application/json" ? JSON.stringify(req.data) : formEncode(req.data);
    headers["Content-Type"] ??= "application/x-www-form-urlencoded";
  }
  const timeout = req.timeout ?? defaultTimeoutMs;
  try {
    const res = await poolFor(url.origin).request({
      method: req.method as "GET",
      path: url.pathname + url.search,
      headers,
      body,
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    return { statusCode: res.statusCode, body: await res.body.text(), headers: res.headers };
  } catch (err) {
    const code = (err as { code?: unknown })?.code;
    if (typeof code === "string" && TIMEOUT_CODES.has(code))
      throw Object.assign(new Error(`timeout of ${timeout}ms exceeded`), { code: "ECONNABORTED", cause: err });
    throw err;
  }
}
