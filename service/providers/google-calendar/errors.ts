// Google Calendar failures → the four ProviderError classes. API errors ({error:{code,errors:
// [{reason}]}}) are mapped here with calendar meanings (404 calendar gone, 410 sync token
// gone / event deleted, 403 read-only calendar); token-endpoint errors (invalid_grant…),
// network failures and a missing refresh token go through the Gmail classifier, because
// both ride on the same Google grant. The raw GaxiosError is never attached (its config
// may carry tokens).
import { z } from "zod";
import { classifyGmailError } from "../kit/google/errors.ts";
import { classifyHttpStatus, parseRetryAfter, ProviderError } from "../kit/errors.ts";

const ApiError = z.object({
  error: z.object({
    code: z.number().optional(),
    message: z.string().optional(),
    errors: z.array(z.object({ reason: z.string().optional() }).passthrough()).optional(),
  }),
});

const RATE_REASONS = new Set(["rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded", "dailyLimitExceeded"]);

interface GaxiosLike {
  message?: string;
  status?: number;
  response?: { status?: number; data?: unknown; headers?: Headers | Record<string, string> };
}

function header(h: Headers | Record<string, string> | undefined, name: string): string | undefined {
  if (!h) return undefined;
  if (typeof (h as Headers).get === "function") return (h as Headers).get(name) ?? undefined;
  const rec = h as Record<string, string>;
  return rec[name] ?? rec[name.toLowerCase()];
}

/** Codes the sync and write paths act on. */
export const CODES = {
  syncTokenGone: "GOOGLE_CALENDAR_SYNC_TOKEN_GONE",
  eventGone: "GOOGLE_CALENDAR_EVENT_GONE",
  notFound: "GOOGLE_CALENDAR_NOT_FOUND",
  duplicate: "GOOGLE_CALENDAR_DUPLICATE",
  badPageToken: "GOOGLE_CALENDAR_BAD_PAGE_TOKEN",
} as const;

export function classifyCalendarError(err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  const e = (err ?? {}) as GaxiosLike;
  const status = e.response?.status ?? (typeof e.status === "number" ? e.status : undefined);
  const data = e.response?.data;
  // Flat OAuth errors ({error:"invalid_grant"}), network errors, no refresh token: shared grant logic.
  if (status === undefined || (data && typeof (data as { error?: unknown }).error === "string"))
    return classifyGmailError(err);

  const api = ApiError.safeParse(data);
  const detail = api.success ? api.data.error.errors?.[0] : undefined;
  const reason = detail?.reason;
  const location = typeof detail?.location === "string" ? detail.location : undefined;
  const short = ((api.success ? api.data.error.message : undefined) ?? e.message ?? "").slice(0, 200);
  const opts = { status };

  if (status === 401)
    return new ProviderError("auth", "Google Calendar rejected the access token", {
      code: "GOOGLE_CALENDAR_UNAUTHENTICATED",
      ...opts,
    });
  if (status === 429 || (status === 403 && reason && RATE_REASONS.has(reason))) {
    // Google documents no Retry-After for Calendar; honour one when a proxy or Google sends it.
    const retryAfterMs = parseRetryAfter(header(e.response?.headers, "retry-after"));
    return new ProviderError("rate_limit", `Google Calendar rate limit: ${short}`, {
      code: "GOOGLE_CALENDAR_RATE_LIMIT",
      retryAfterMs,
      ...opts,
    });
  }
  if (status === 403 && reason === "insufficientPermissions")
    return new ProviderError(
      "auth",
      "The Google grant lacks calendar permission: reconnect Google and allow calendar access",
      { code: "GOOGLE_CALENDAR_SCOPE_MISSING", ...opts },
    );
  if (
    status === 403 &&
    (reason === "requiredAccessLevel" || reason === "forbidden" || reason === "forbiddenForNonOrganizer")
  )
    return new ProviderError("permanent", "Tatu may not write to this Google calendar", {
      code: "GOOGLE_CALENDAR_READ_ONLY",
      ...opts,
    });
  if (status === 404)
    return new ProviderError("permanent", "Google Calendar: calendar or event not found", {
      code: CODES.notFound,
      ...opts,
    });
  if (status === 410)
    return reason === "deleted"
      ? new ProviderError("permanent", "Google Calendar: the event was already deleted", {
          code: CODES.eventGone,
          ...opts,
        })
      : new ProviderError("permanent", "Google Calendar: the sync token is no longer valid", {
          code: CODES.syncTokenGone,
          ...opts,
        });
  if (status === 409)
    return new ProviderError("permanent", `Google Calendar: ${short || "duplicate"}`, {
      code: CODES.duplicate,
      ...opts,
    });
  if (status === 400 && location === "pageToken")
    return new ProviderError("permanent", "Google Calendar: page token no longer valid", {
      code: CODES.badPageToken,
      ...opts,
    });
  const cls = classifyHttpStatus(status);
  return new ProviderError(cls, `Google Calendar answered ${status}${short ? `: ${short}` : ""}`, {
    code: `GOOGLE_CALENDAR_HTTP_${status}`,
    ...opts,
  });
}
