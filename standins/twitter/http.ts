// Wire helpers for the X stand-in: body reading, JSON / form answers, the v2 problem and
// v1.1 error envelopes, and per-endpoint, per-user rate-limit windows (x-rate-limit-* headers).
import { sendJson, sendText, type Res } from "../shared/http.ts";

export { PayloadTooLarge, readBody, sendJson, sendText, type Req, type Res } from "../shared/http.ts";

/** The OAuth 1.0a token endpoints answer form-encoded bodies (not JSON). */
export function sendForm(res: Res, fields: Record<string, string>): void {
  sendText(res, 200, new URLSearchParams(fields).toString(), "text/html; charset=utf-8");
}

const TITLES: Record<number, string> = {
  400: "Invalid Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** v2 problem shape, e.g. {"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}. */
export function sendProblem(
  res: Res,
  status: number,
  headers: Record<string, string> = {},
  extra: { detail?: string; type?: string; [k: string]: unknown } = {},
): void {
  const title = TITLES[status] ?? "Error";
  const { detail = title, type = "about:blank", ...rest } = extra;
  sendJson(res, status, { title, detail, type, status, ...rest }, headers);
}

/** v2 400 for a bad query parameter (type …/problems/invalid-request). */
export function sendInvalidRequest(
  res: Res,
  parameter: string,
  value: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(
    res,
    400,
    {
      errors: [{ parameters: { [parameter]: [value] }, message }],
      title: "Invalid Request",
      detail: "One or more parameters to your request was invalid.",
      type: "https://api.twitter.com/2/problems/invalid-request",
    },
    headers,
  );
}

/** v1.1 / OAuth endpoints: {"errors":[{"code":32,"message":"Could not authenticate you."}]}. */
export function sendV1Error(res: Res, status: number, code: number, message: string): void {
  sendJson(res, status, { errors: [{ code, message }] });
}

export interface WindowSpec {
  limit: number;
  remaining: number;
  resetInSec: number;
}
interface Window {
  limit: number;
  remaining: number;
  reset: number;
}

const WINDOW_SEC = 15 * 60;

/**
 * X counts requests per endpoint and user in 15-minute windows. A request consumes one unit;
 * with none left it is answered 429. Headers go on every answer of a counted endpoint.
 */
export class RateLimits {
  private readonly defaults = new Map<string, number>();
  private readonly windows = new Map<string, Window>();

  constructor(private readonly defaultLimit: number) {}

  set(endpoint: string, spec: WindowSpec, userId?: string): void {
    const now = Math.floor(Date.now() / 1000);
    const w = { limit: spec.limit, remaining: Math.min(spec.remaining, spec.limit), reset: now + spec.resetInSec };
    if (userId) return void this.windows.set(`${endpoint}|${userId}`, w);
    this.defaults.set(endpoint, spec.limit);
    for (const key of this.windows.keys()) if (key.startsWith(`${endpoint}|`)) this.windows.set(key, { ...w });
    this.windows.set(`${endpoint}|*`, w);
  }

  /** Consumes one request; `ok: false` means the window is exhausted (answer 429). */
  take(endpoint: string, userId: string): { ok: boolean; headers: Record<string, string> } {
    const now = Math.floor(Date.now() / 1000);
    const key = `${endpoint}|${userId}`;
    let w = this.windows.get(key);
    if (!w) {
      const template = this.windows.get(`${endpoint}|*`);
      w = template && template.reset > now ? { ...template } : this.fresh(endpoint, now);
      this.windows.set(key, w);
    }
    if (w.reset <= now) {
      w = this.fresh(endpoint, now);
      this.windows.set(key, w);
    }
    const ok = w.remaining > 0;
    if (ok) w.remaining--;
    return {
      ok,
      headers: {
        "x-rate-limit-limit": String(w.limit),
        "x-rate-limit-remaining": String(w.remaining),
        "x-rate-limit-reset": String(w.reset),
      },
    };
  }

  private fresh(endpoint: string, now: number): Window {
    const limit = this.defaults.get(endpoint) ?? this.defaultLimit;
    return { limit, remaining: limit, reset: now + WINDOW_SEC };
  }
}
