// A tiny cookie-keeping HTTP client, so tests talk to the service the way a browser does.
import { recordResponse } from "./capture.ts";
export interface Res<T = any> {
  status: number;
  body: T;
  headers: Headers;
  text: string;
}

export class HttpClient {
  constructor(
    readonly base: string,
    private readonly cookies = new Map<string, string>(),
  ) {}

  /** The same browser talking to another address (e.g. another replica behind a load balancer). */
  at(base: string): HttpClient {
    return new HttpClient(base, this.cookies);
  }

  get csrf(): string | undefined {
    return this.cookie("tatu_csrf");
  }

  /** The value of a cookie this client holds (as a browser would). */
  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  async request<T = any>(
    method: string,
    path: string,
    opts: { json?: unknown; body?: string | FormData; headers?: Record<string, string> } = {},
  ): Promise<Res<T>> {
    const res = await this.raw(method, path, opts);
    const text = await res.text();
    let body: any = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body, headers: res.headers, text };
  }

  /** The fetch Response itself (for bytes, streams, redirects). */
  async raw(
    method: string,
    path: string,
    opts: { json?: unknown; body?: string | FormData; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { ...opts.headers };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    if (opts.json !== undefined) headers["content-type"] ??= "application/json";
    if (this.csrf && !["GET", "HEAD"].includes(method)) headers["x-csrf-token"] ??= this.csrf;
    const res = await fetch(this.base + path, {
      method,
      headers,
      redirect: "manual",
      body: opts.json !== undefined ? JSON.stringify(opts.json) : opts.body,
    });
    await recordResponse(method, this.base + path, res);
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const [k, ...v] = pair!.split("=");
      const value = v.join("=");
      if (!value || /max-age=0|expires=thu, 01 jan 1970/i.test(c)) this.cookies.delete(k!.trim());
      else this.cookies.set(k!.trim(), value);
    }
    return res;
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
  /** multipart/form-data (fetch sets the boundary). */
  form<T = any>(path: string, form: FormData, headers?: Record<string, string>) {
    return this.request<T>("POST", path, { body: form, headers });
  }
  async bytes(path: string): Promise<{ status: number; headers: Headers; body: Buffer }> {
    const res = await this.raw("GET", path);
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
  }
}
