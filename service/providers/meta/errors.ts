// Maps Graph answers (and network failures) to the four ProviderError classes. Meta signals
// most failures with HTTP 400 and a numeric `code`, so the code decides, not the status.
import { ZodError } from "zod";
import { ProviderError, classifyHttpStatus, parseRetryAfter } from "../kit/errors.ts";
import { MetaApiError } from "./graph.ts";

/** Outside the 24-hour messaging window: Messenger 10/2018278, Instagram 10/2534022. */
const WINDOW_SUBCODES = new Set([2018278, 2534022]);
/** (#4) app, (#17) user, (#32) page, (#613) api-specific request limits. */
const RATE_LIMIT_CODES = new Set([4, 17, 32, 613]);
/** Permission missing or revoked (pages_messaging removed, app de-authorised on the Page). */
const PERMISSION_CODES = new Set([200, 210, 230]);

/** Longest estimated_time_to_regain_access (minutes) in Meta's usage headers, as ms. */
export function regainAccessMs(headers: Headers): number | undefined {
  let minutes: number | undefined;
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      v.forEach(visit);
      return;
    }
    if (typeof v !== "object" || v === null) return;
    for (const [k, inner] of Object.entries(v)) {
      if (k === "estimated_time_to_regain_access" && typeof inner === "number" && inner > 0)
        minutes = Math.max(minutes ?? 0, inner);
      else visit(inner);
    }
  };
  for (const name of ["x-business-use-case-usage", "x-app-usage", "x-page-usage"]) {
    const value = headers.get(name);
    if (!value) continue;
    try {
      visit(JSON.parse(value));
    } catch {
      /* a malformed usage header is only advice */
    }
  }
  return minutes === undefined ? undefined : minutes * 60_000;
}

export function classifyMetaError(err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  if (err instanceof ZodError)
    return new ProviderError("permanent", "Meta answered in an unexpected shape.", {
      code: "META_UNEXPECTED_RESPONSE",
      cause: err,
    });
  if (err instanceof MetaApiError) {
    const { status, code, subcode } = err;
    const retryAfterMs = parseRetryAfter(err.headers.get("retry-after")) ?? regainAccessMs(err.headers);
    if (
      code === 10 &&
      (subcode === undefined ? /outside of allowed window/i.test(err.message) : WINDOW_SUBCODES.has(subcode))
    )
      return new ProviderError(
        "permanent",
        "The 24-hour reply window has closed: Meta only allows replies within 24 hours of the person's last message.",
        { code: "REPLY_WINDOW_CLOSED", status, cause: err },
      );
    // The token endpoint's answers to a wrong FACEBOOK_APP_SECRET / FACEBOOK_APP_ID: retrying won't help.
    if ((code === 1 && /client secret/i.test(err.message)) || code === 101)
      return new ProviderError(
        "permanent",
        "Meta rejected Tatu's app credentials: check FACEBOOK_APP_ID and FACEBOOK_APP_SECRET.",
        { code: "META_NOT_CONFIGURED", status, cause: err },
      );
    if (code === 190 || code === 102 || (code === undefined && status === 401))
      return new ProviderError("auth", "Meta no longer accepts Tatu's access token. Reconnect the account.", {
        code: "META_AUTH",
        status,
        cause: err,
      });
    if (code !== undefined && PERMISSION_CODES.has(code))
      return new ProviderError(
        "auth",
        "Tatu lacks a Meta permission for this account. Reconnect it and allow every requested permission.",
        { code: "META_PERMISSION", status, cause: err },
      );
    if (status === 429 || (code !== undefined && RATE_LIMIT_CODES.has(code)))
      return new ProviderError("rate_limit", "Meta asked Tatu to slow down.", {
        code: "META_RATE_LIMITED",
        status,
        retryAfterMs,
        cause: err,
      });
    if (code === 1 || code === 2 || status >= 500 || err.extra.isTransient)
      return new ProviderError("transient", "Meta had a temporary problem.", {
        code: "META_TEMPORARY",
        status,
        retryAfterMs,
        cause: err,
      });
    if (code === 551)
      return new ProviderError("permanent", "This person isn't available on Messenger right now.", {
        code: "META_RECIPIENT_UNAVAILABLE",
        status,
        cause: err,
      });
    if (code === 100 && subcode === 2018001)
      return new ProviderError("permanent", "Meta does not know this recipient for the Page.", {
        code: "META_UNKNOWN_RECIPIENT",
        status,
        cause: err,
      });
    return new ProviderError(
      classifyHttpStatus(status),
      `Meta answered HTTP ${status}${code !== undefined ? ` (code ${code})` : ""}.`,
      { code: code !== undefined ? `META_ERROR_${code}` : `META_HTTP_${status}`, status, retryAfterMs, cause: err },
    );
  }
  if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError" || err instanceof TypeError))
    return new ProviderError("transient", "Meta could not be reached.", { code: "META_UNREACHABLE", cause: err });
  return new ProviderError("transient", "Unexpected failure talking to Meta.", { code: "META_UNEXPECTED", cause: err });
}
