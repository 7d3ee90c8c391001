// Maps twitter-api-v2 failures to the four ProviderError classes. X sends no Retry-After:
// a 429 carries x-rate-limit-reset (epoch seconds, end of the 15-minute window).
import { ApiPartialResponseError, ApiRequestError, ApiResponseError } from "twitter-api-v2";
import { ZodError } from "zod";
import { ProviderError, classifyHttpStatus, parseRetryAfter } from "../kit/errors.ts";

/** Milliseconds until an x-rate-limit-reset instant, at least one second. */
export function untilReset(resetEpochSec: number | undefined, now = Date.now()): number | undefined {
  if (resetEpochSec === undefined || !Number.isFinite(resetEpochSec) || resetEpochSec <= 0) return undefined;
  return Math.max(1000, resetEpochSec * 1000 - now);
}

function header(headers: Record<string, string | string[] | undefined> | undefined, name: string): string | undefined {
  const v = headers?.[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Text of X's error bodies (v2 problem or v1.1 errors[]), for recognising DM-permission refusals. */
function errorText(data: unknown): string {
  if (typeof data === "string") return data;
  if (typeof data !== "object" || data === null) return "";
  const d = data as {
    detail?: unknown;
    title?: unknown;
    type?: unknown;
    errors?: { message?: unknown; detail?: unknown; code?: unknown }[];
  };
  const parts = [
    d.detail,
    d.title,
    d.type,
    ...(Array.isArray(d.errors) ? d.errors.flatMap((e) => [e?.message, e?.detail, e?.code]) : []),
  ];
  return parts.filter((p) => p !== undefined && p !== null).join(" ");
}

export function classifyTwitterError(err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  if (err instanceof ZodError)
    return new ProviderError("permanent", "X answered in an unexpected shape.", {
      code: "TWITTER_UNEXPECTED_RESPONSE",
      cause: err,
    });
  if (err instanceof ApiResponseError) {
    const status = err.code;
    if (status === 429 || status === 420) {
      const reset = err.rateLimit?.reset ?? Number(header(err.headers, "x-rate-limit-reset"));
      const retryAfterMs = untilReset(reset) ?? parseRetryAfter(header(err.headers, "retry-after"));
      return new ProviderError("rate_limit", "X asked Tatu to slow down.", {
        code: "TWITTER_RATE_LIMITED",
        status,
        retryAfterMs,
        cause: err,
      });
    }
    if (status === 401)
      return new ProviderError("auth", "X no longer accepts this account's access token.", {
        code: "TWITTER_AUTH",
        status,
        cause: err,
      });
    if (status === 403 && /callback url not approved/i.test(errorText(err.data)))
      return new ProviderError("permanent", "X refused the callback URL: add it to the X app's callback URLs.", {
        code: "TWITTER_CALLBACK_NOT_APPROVED",
        status,
        cause: err,
      });
    if (status === 403) {
      // The app lacks the Direct Messages permission (v1 code 93), the recipient does not
      // accept DMs, or a plain v2 "Forbidden": reconnecting changes none of them, no retry.
      const dm = /direct message|\b93\b|not permitted|cannot send|not allowed/i.test(errorText(err.data));
      return new ProviderError(
        "permanent",
        dm ? "X refused access to these Direct Messages." : "X refused the request.",
        { code: dm ? "TWITTER_DM_FORBIDDEN" : "TWITTER_FORBIDDEN", status, cause: err },
      );
    }
    if (status === 404)
      return new ProviderError("permanent", "The X conversation or message no longer exists.", {
        code: "TWITTER_NOT_FOUND",
        status,
        cause: err,
      });
    if (status === 400)
      return new ProviderError("permanent", "X rejected the request as invalid.", {
        code: "TWITTER_INVALID_REQUEST",
        status,
        cause: err,
      });
    return new ProviderError(classifyHttpStatus(status), `X answered ${status}.`, {
      code: `TWITTER_HTTP_${status}`,
      status,
      cause: err,
    });
  }
  if (err instanceof ApiRequestError || err instanceof ApiPartialResponseError)
    return new ProviderError("transient", "X could not be reached.", { code: "TWITTER_UNREACHABLE", cause: err });
  return new ProviderError("transient", "Unexpected failure talking to X.", { code: "TWITTER_UNEXPECTED", cause: err });
}
