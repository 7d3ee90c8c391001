// HTTP for every client of the CLI: timeouts, a cookie jar + CSRF for signed-in calls, and one
// error type for "could not reach the target" so commands exit 3 instead of 1.
import { CliExit, EXIT } from "../output/exit-codes.ts";

export class Unreachable extends CliExit {
  constructor(
    readonly target: string,
    cause: unknown,
  ) {
    super(EXIT.unreachable, `${target} is unreachable: ${describeNetworkError(cause)}`);
  }
}

function describeNetworkError(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === "TimeoutError" || e?.name === "AbortError") return "no answer in time";
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

export interface HttpResponse<T = any> {
  status: number;
  headers: Headers;
  text: string;
  body: T;
}

export interface RequestOptions {
  json?: unknown;
  body?: string | Buffer;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export class HttpSession {
  private readonly cookies = new Map<string, string>();
  constructor(
    readonly base: string,
    private readonly defaults: Record<string, string> = {},
  ) {
    if (!/^https?:\/\/[^/]/.test(base))
      throw new Error(`no target URL (got "${base}"): pass --url <base> or set NEXTAUTH_URL`);
  }

  async request<T = any>(method: string, path: string, opts: RequestOptions = {}): Promise<HttpResponse<T>> {
    const headers: Record<string, string> = { accept: "application/json", ...this.defaults, ...opts.headers };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const csrf = this.cookies.get("tatu_csrf");
    if (csrf && method !== "GET" && method !== "HEAD") headers["x-csrf-token"] ??= csrf;
    if (opts.json !== undefined) headers["content-type"] ??= "application/json";
    const url = /^https?:\/\//.test(path) ? path : this.base.replace(/\/+$/, "") + path;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        redirect: "manual",
        body:
          opts.json !== undefined
            ? JSON.stringify(opts.json)
            : typeof opts.body === "string" || opts.body === undefined
              ? opts.body
              : new Uint8Array(opts.body),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
      });
    } catch (err) {
      throw new Unreachable(new URL(url).origin, err);
    }
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const [k, ...v] = pair!.split("=");
      const value = v.join("=");
      if (!value || /max-age=0/i.test(c)) this.cookies.delete(k!.trim());
      else this.cookies.set(k!.trim(), value);
    }
    const text = await res.text();
    let body: any = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, headers: res.headers, text, body };
  }

  get<T = any>(path: string, headers?: Record<string, string>) {
    return this.request<T>("GET", path, { headers });
  }
  post<T = any>(path: string, json?: unknown, headers?: Record<string, string>) {
    return this.request<T>("POST", path, { json, headers });
  }
  put<T = any>(path: string, json?: unknown, headers?: Record<string, string>) {
    return this.request<T>("PUT", path, { json, headers });
  }
  delete<T = any>(path: string, headers?: Record<string, string>) {
    return this.request<T>("DELETE", path, { headers });
  }
}

/** "409 SYNC_IN_PROGRESS: A sync … is already running." from the service's error shape. */
export function describeResponse(res: HttpResponse): string {
  const err = res.body?.error;
  if (err && typeof err === "object")
    return `${res.status} ${err.code ?? ""}${err.message ? `: ${err.message}` : ""}`.trim();
  return `${res.status} ${res.text.slice(0, 120)}`.trim();
}
