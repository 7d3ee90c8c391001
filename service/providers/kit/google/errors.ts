// Maps what googleapis / google-auth-library throw (GaxiosError and friends) to the four
// ProviderError classes. Messages are built from Google's error text only: the raw
// GaxiosError is never attached because its config can carry tokens in the request body.
import { z } from "zod";
import { classifyHttpStatus, parseRetryAfter, ProviderError } from "../errors.ts";

const ApiError = z.object({
  error: z.object({
    code: z.number().optional(),
    message: z.string().optional(),
    status: z.string().optional(),
    errors: z
      .array(z.object({ reason: z.string().optional(), domain: z.string().optional() }).passthrough())
      .optional(),
  }),
});
const OAuthError = z.object({ error: z.string(), error_description: z.string().optional() });

const RATE_REASONS = new Set([
  "rateLimitExceeded",
  "userRateLimitExceeded",
  "quotaExceeded",
  "dailyLimitExceeded",
  "concurrentLimitExceeded",
]);
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "TimeoutError",
  "AbortError",
]);

interface GaxiosLike {
  message?: string;
  code?: string | number;
  status?: number;
  response?: { status?: number; data?: unknown; headers?: Headers | Record<string, string> };
  cause?: unknown;
}

function header(h: Headers | Record<string, string> | undefined, name: string): string | undefined {
  if (!h) return undefined;
  if (typeof (h as Headers).get === "function") return (h as Headers).get(name) ?? undefined;
  const rec = h as Record<string, string>;
  return rec[name] ?? rec[name.toLowerCase()];
}

/** Gmail puts the retry time in the message ("…  Retry after 2024-06-01T12:57:51.196Z"). */
function retryAfterFromMessage(message: string | undefined, now = Date.now()): number | undefined {
  const m = /Retry after (\d{4}-\d{2}-\d{2}T[0-9:.]+Z)/.exec(message ?? "");
  if (!m) return undefined;
  const at = Date.parse(m[1]!);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function networkCode(err: GaxiosLike): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as GaxiosLike).cause, depth++) {
    const c = (e as GaxiosLike).code;
    if (typeof c === "string" && NETWORK_CODES.has(c)) return c;
    if ((e as Error).name === "TimeoutError" || (e as Error).name === "AbortError") return (e as Error).name;
  }
  return /fetch failed|socket hang up|network/i.test(err.message ?? "") ? "NETWORK" : undefined;
}

export function classifyGmailError(err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  const e = (err ?? {}) as GaxiosLike;
  const status = e.response?.status ?? (typeof e.status === "number" ? e.status : undefined);
  const data = e.response?.data;

  // Token endpoint: flat RFC 6749 errors.
  const oauth = OAuthError.safeParse(data);
  if (oauth.success) {
    switch (oauth.data.error) {
      case "invalid_grant":
        return new ProviderError("auth", "Google no longer accepts this grant (expired or revoked)", {
          code: "GOOGLE_INVALID_GRANT",
          status,
        });
      case "unauthorized_client":
      case "invalid_token":
        return new ProviderError("auth", `Google rejected the token (${oauth.data.error})`, {
          code: "GOOGLE_UNAUTHORIZED_CLIENT",
          status,
        });
      case "invalid_client":
      case "redirect_uri_mismatch":
        // Our OAuth client configuration is wrong: reconnecting cannot fix it.
        return new ProviderError("permanent", `Google rejected Tatu's OAuth client (${oauth.data.error})`, {
          code: "GOOGLE_INVALID_CLIENT",
          status,
        });
    }
  }

  if (status !== undefined) {
    const api = ApiError.safeParse(data);
    const detail = api.success ? api.data.error.errors?.[0] : undefined;
    const reason = detail?.reason;
    const text = (api.success ? api.data.error.message : undefined) ?? e.message ?? "";
    const short = text.slice(0, 200);
    if (status === 401)
      return new ProviderError("auth", "Gmail rejected the access token", { code: "GMAIL_UNAUTHENTICATED", status });
    if (status === 429 || (status === 403 && reason && RATE_REASONS.has(reason))) {
      const retryAfterMs = parseRetryAfter(header(e.response?.headers, "retry-after")) ?? retryAfterFromMessage(text);
      return new ProviderError("rate_limit", `Gmail rate limit: ${short}`, {
        code: "GMAIL_RATE_LIMIT",
        status,
        retryAfterMs,
      });
    }
    if (status === 403 && reason === "insufficientPermissions")
      return new ProviderError("auth", "The Google grant lacks a Gmail permission Tatu needs", {
        code: "GMAIL_INSUFFICIENT_SCOPE",
        status,
      });
    if (status === 404)
      return new ProviderError("permanent", `Gmail: ${short || "not found"}`, { code: "GMAIL_NOT_FOUND", status });
    const cls = classifyHttpStatus(status);
    return new ProviderError(cls, `Gmail answered ${status}${short ? `: ${short}` : ""}`, {
      code: `GMAIL_HTTP_${status}`,
      status,
    });
  }

  const net = networkCode(e);
  if (net)
    return new ProviderError("transient", `Google could not be reached (${net})`, { code: "GOOGLE_UNREACHABLE" });
  if (/No refresh token/i.test(e.message ?? ""))
    return new ProviderError("auth", "No Google refresh token stored for this account", {
      code: "GOOGLE_NO_REFRESH_TOKEN",
    });
  return new ProviderError("permanent", `Unexpected Gmail failure: ${(e.message ?? String(err)).slice(0, 200)}`, {
    code: "GMAIL_UNEXPECTED",
  });
}
