// The HTTP transport under the twilio SDK, through its documented custom-httpClient hook: Node's
// own http/https with shared keep-alive agents instead of the SDK's bundled axios, whose
// per-request work (config merging, header normalisation, interceptors) was the largest CPU cost
// of sending a text — a reminder run sends tens of thousands. Same contract as the SDK's
// RequestClient.request: form bodies with repeated keys for arrays, Basic auth, a timeout, no
// redirects, and { statusCode, body (text), headers } for every status (the SDK itself turns
// ≥ 400 into a RestException). Network failures keep Node's error codes (ECONNREFUSED…); a
// timeout is ECONNABORTED, as axios reported it.
import http from "node:http";
import https from "node:https";

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

const agents = {
  "http:": new http.Agent({ keepAlive: true, maxSockets: 64 }),
  "https:": new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

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

export function send(req: TransportRequest, defaultTimeoutMs: number): Promise<TransportResponse> {
  const url = new URL(req.uri);
  if (req.params) {
    const query = formEncode(req.params);
    if (query) url.search = url.search ? `${url.search}&${query}` : `?${query}`;
  }
  const headers: Record<string, string> = { Connection: "keep-alive", ...(req.headers ?? {}) };
  if (req.username && req.password)
    headers.Authorization = `Basic ${Buffer.from(`${req.username}:${req.password}`).toString("base64")}`;
  let body: string | undefined;
  if (req.data) {
    body = headers["Content-Type"] === "application/json" ? JSON.stringify(req.data) : formEncode(req.data);
    headers["Content-Type"] ??= "application/x-www-form-urlencoded";
    headers["Content-Length"] = String(Buffer.byteLength(body));
  }
  const timeout = req.timeout ?? defaultTimeoutMs;
  const lib = url.protocol === "https:" ? https : http;
  return new Promise<TransportResponse>((resolve, reject) => {
    const r = lib.request(
      url,
      { method: req.method, headers, agent: agents[url.protocol as "http:" | "https:"] },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            statusCode: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString("utf8"),
            headers: res.headers,
          }),
        );
        res.on("error", reject);
      },
    );
    r.setTimeout(timeout, () =>
      r.destroy(Object.assign(new Error(`timeout of ${timeout}ms exceeded`), { code: "ECONNABORTED" })),
    );
    r.on("error", reject);
    r.end(body);
  });
}
