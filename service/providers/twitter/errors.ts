// Maps twitter-api-v2 failures to the four ProviderError classes. X sends no Retry-After:
// a 429 carries x-rate-limit-reset (epoch seconds, end of the 15-minute window).
import { ZodError } from "zod";
import { ProviderError, classifyHttpStatus, failureOf, parseRetryAfter } from "../kit/errors.ts";
import { twitterSdk } from "./client.ts";

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
  const fail = failureOf(err);
  if (err instanceof ZodError)
    return fail("permanent", "X answered in an unexpected shape.", "TWITTER_UNEXPECTED_RESPONSE");
  const { ApiPartialResponseError, ApiRequestError, ApiResponseError } = twitterSdk();
  if (err instanceof ApiResponseError) {
    const status = err.code;
    const answered = failureOf(err, status);
    if (status === 429 || status === 420) {
      const reset = err.rateLimit?.reset ?? Number(header(err.headers, "x-rate-limit-reset"));
      const retryAfterMs = untilReset(reset) ?? parseRetryAfter(header(err.headers, "retry-after"));
      return answered("rate_limit", "X asked Tatu to slow down.", "TWITTER_RATE_LIMITED", retryAfterMs);
    }
    if (status === 401) return answered("auth", "X no longer accepts this account's access token.", "TWITTER_AUTH");
    if (status === 403 && /callback url not approved/i.test(errorText(err.data)))
      return answered(
        "permanent",
        "X refused the callback URL: add it to the X app's callback URLs.",
        "TWITTER_CALLBACK_NOT_APPROVED",
      );
    if (status === 403) {
      // The app lacks the Direct Messages permission (v1 code 93), the recipient does not
      // accept DMs, or a plain v2 "Forbidden": reconnecting changes none of them, no retry.
      const dm = /direct message|\b93\b|not permitted|cannot send|not allowed/i.test(errorText(err.data));
      return dm
        ? answered("permanent", "X refused access to these Direct Messages.", "TWITTER_DM_FORBIDDEN")
        : answered("permanent", "X refused the request.", "TWITTER_FORBIDDEN");
    }
    if (status === 404)
      return answered("permanent", "The X conversation or message no longer exists.", "TWITTER_NOT_FOUND");
    if (status === 400) return answered("permanent", "X rejected the request as invalid.", "TWITTER_INVALID_REQUEST");
    return answered(classifyHttpStatus(status), `X answered ${status}.`, `TWITTER_HTTP_${status}`);
  }
  if (err instanceof ApiRequestError || err instanceof ApiPartialResponseError)
    return fail("transient", "X could not be reached.", "TWITTER_UNREACHABLE");
  return fail("transient", "Unexpected failure talking to X.", "TWITTER_UNEXPECTED");
}
