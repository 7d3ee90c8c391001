// CalDAV failures → the four classes the calendar sync acts on. Messages are for people and
// never carry server bodies, URLs with ids, or credentials.
import { ProviderError, failureOf } from "../kit/errors.ts";
import { CalDavHttpError, CalDavNetworkError } from "./dav.ts";

/** iCloud throttles with 429/503 and usually says for how long; a minute when it does not. */
export const RATE_LIMIT_BACKOFF_MS = 60_000;

export const authHelp =
  "Apple did not accept the Apple ID and app-specific password. Create an app-specific password at account.apple.com (Sign-In and Security → App-Specific Passwords) and use it instead of your Apple ID password.";

export function classifyCalDavError(err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  const fail = failureOf(err);
  if (err instanceof CalDavHttpError) {
    const { status } = err;
    const answered = failureOf(err, status);
    // 403 with a DAV precondition is about this resource (a read-only calendar), not the login.
    if (status === 403 && err.condition === "need-privileges")
      return answered("permanent", "Apple Calendar does not allow Tatu to change this calendar.", "CALDAV_FORBIDDEN");
    if (status === 401 || status === 403) return answered("auth", authHelp, "CALDAV_AUTH_FAILED");
    if (status === 429 || (status === 503 && err.retryAfterMs !== undefined))
      return answered(
        "rate_limit",
        "Apple Calendar asked Tatu to slow down.",
        "CALDAV_RATE_LIMITED",
        err.retryAfterMs ?? RATE_LIMIT_BACKOFF_MS,
      );
    if (status >= 500 || status === 408)
      return answered("transient", "The Apple Calendar server could not be reached.", "CALDAV_UNREACHABLE");
    if (status === 404 || status === 410)
      return answered("permanent", "The calendar or event no longer exists at Apple Calendar.", "CALDAV_NOT_FOUND");
    if (status === 412)
      return answered("transient", "The event changed at Apple Calendar while Tatu was saving it.", "CALDAV_CONFLICT");
    return answered("permanent", "Apple Calendar rejected the request.", "CALDAV_REJECTED");
  }
  if (err instanceof CalDavNetworkError)
    return fail("transient", "The Apple Calendar server could not be reached.", "CALDAV_UNREACHABLE");
  const message = err instanceof Error ? err.message : String(err);
  // tsdav's own discovery errors (it reports a 401 during discovery in words).
  if (/Invalid credentials|401 Unauthorized/i.test(message))
    return failureOf(err, 401)("auth", authHelp, "CALDAV_AUTH_FAILED");
  if (/cannot find (principalUrl|homeUrl)/i.test(message))
    return fail("permanent", "This server did not answer like a CalDAV calendar server.", "CALDAV_DISCOVERY_FAILED");
  return fail("permanent", "Apple Calendar rejected the request.", "CALDAV_REJECTED");
}
