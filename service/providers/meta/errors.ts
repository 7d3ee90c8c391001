// Maps Graph answers (and network failures) to the four ProviderError classes. Meta signals
// most failures with HTTP 400 and a numeric `code`, so the code decides, not the status.
import { ZodError } from "zod";
import { ProviderError, classifyHttpStatus, failureOf, parseRetryAfter } from "../kit/errors.ts";
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
  const fail = failureOf(err);
  if (err instanceof ZodError)
    return fail("permanent", "Meta answered in an unexpected shape.", "META_UNEXPECTED_RESPONSE");
  if (err instanceof MetaApiError) {
    const { status, code, subcode } = err;
    const retryAfterMs = parseRetryAfter(err.headers.get("retry-after")) ?? regainAccessMs(err.headers);
    const answered = failureOf(err, status);
    if (
      code === 10 &&
      (subcode === undefined ? /outside of allowed window/i.test(err.message) : WINDOW_SUBCODES.has(subcode))
    )
      return answered(
        "permanent",
        "The 24-hour reply window has closed: Meta only allows replies within 24 hours of the person's last message.",
        "REPLY_WINDOW_CLOSED",
      );
    // The token endpoint's answers to a wrong FACEBOOK_APP_SECRET / FACEBOOK_APP_ID: retrying won't help.
    if ((code === 1 && /client secret/i.test(err.message)) || code === 101)
      return answered(
        "permanent",
        "Meta rejected Tatu's app credentials: check FACEBOOK_APP_ID and FACEBOOK_APP_SECRET.",
        "META_NOT_CONFIGURED",
      );
    if (code === 190 || code === 102 || (code === undefined && status === 401))
      return answered("auth", "Meta no longer accepts Tatu's access token. Reconnect the account.", "META_AUTH");
    if (code !== undefined && PERMISSION_CODES.has(code))
      return answered(
        "auth",
        "Tatu lacks a Meta permission for this account. Reconnect it and allow every requested permission.",
        "META_PERMISSION",
      );
    if (status === 429 || (code !== undefined && RATE_LIMIT_CODES.has(code)))
      return answered("rate_limit", "Meta asked Tatu to slow down.", "META_RATE_LIMITED", retryAfterMs);
    if (code === 1 || code === 2 || status >= 500 || err.extra.isTransient)
      return answered("transient", "Meta had a temporary problem.", "META_TEMPORARY", retryAfterMs);
    if (code === 551)
      return answered("permanent", "This person isn't available on Messenger right now.", "META_RECIPIENT_UNAVAILABLE");
    if (code === 100 && subcode === 2018001)
      return answered("permanent", "Meta does not know this recipient for the Page.", "META_UNKNOWN_RECIPIENT");
    return answered(
      classifyHttpStatus(status),
      `Meta answered HTTP ${status}${code !== undefined ? ` (code ${code})` : ""}.`,
      code !== undefined ? `META_ERROR_${code}` : `META_HTTP_${status}`,
      retryAfterMs,
    );
  }
  if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError" || err instanceof TypeError))
    return fail("transient", "Meta could not be reached.", "META_UNREACHABLE");
  return fail("transient", "Unexpected failure talking to Meta.", "META_UNEXPECTED");
}
