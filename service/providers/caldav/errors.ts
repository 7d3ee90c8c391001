// CalDAV failures → the four classes the calendar sync acts on. Messages are for people and
// never carry server bodies, URLs with ids, or credentials.
import { ProviderError } from "../kit/errors.ts";
import { CalDavHttpError, CalDavNetworkError } from "./dav.ts";

/** iCloud throttles with 429/503 and usually says for how long; a minute when it does not. */
export const RATE_LIMIT_BACKOFF_MS = 60_000;

export const authHelp =
  "Apple did not accept the Apple ID and app-specific password. Create an app-specific password at account.apple.com (Sign-In and Security → App-Specific Passwords) and use it instead of your Apple ID password.";

export function classifyCalDavError(err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  if (err instanceof CalDavHttpError) {
    const { status } = err;
    // 403 with a DAV precondition is about this resource (a read-only calendar), not the login.
    if (status === 403 && err.condition === "need-privileges") {
      return new ProviderError("permanent", "Apple Calendar does not allow Tatu to change this calendar.", {
        code: "CALDAV_FORBIDDEN",
        status,
        cause: err,
      });
    }
    if (status === 401 || status === 403)
      return new ProviderError("auth", authHelp, { code: "CALDAV_AUTH_FAILED", status, cause: err });
    if (status === 429 || (status === 503 && err.retryAfterMs !== undefined)) {
      return new ProviderError("rate_limit", "Apple Calendar asked Tatu to slow down.", {
        code: "CALDAV_RATE_LIMITED",
        status,
        retryAfterMs: err.retryAfterMs ?? RATE_LIMIT_BACKOFF_MS,
        cause: err,
      });
    }
    if (status >= 500 || status === 408)
      return new ProviderError("transient", "The Apple Calendar server could not be reached.", {
        code: "CALDAV_UNREACHABLE",
        status,
        cause: err,
      });
    if (status === 404 || status === 410)
      return new ProviderError("permanent", "The calendar or event no longer exists at Apple Calendar.", {
        code: "CALDAV_NOT_FOUND",
        status,
        cause: err,
      });
    if (status === 412)
      return new ProviderError("transient", "The event changed at Apple Calendar while Tatu was saving it.", {
        code: "CALDAV_CONFLICT",
        status,
        cause: err,
      });
    return new ProviderError("permanent", "Apple Calendar rejected the request.", {
      code: "CALDAV_REJECTED",
      status,
      cause: err,
    });
  }
  if (err instanceof CalDavNetworkError)
    return new ProviderError("transient", "The Apple Calendar server could not be reached.", {
      code: "CALDAV_UNREACHABLE",
      cause: err,
    });
  const message = err instanceof Error ? err.message : String(err);
  // tsdav's own discovery errors (it reports a 401 during discovery in words).
  if (/Invalid credentials|401 Unauthorized/i.test(message))
    return new ProviderError("auth", authHelp, { code: "CALDAV_AUTH_FAILED", status: 401, cause: err });
  if (/cannot find (principalUrl|homeUrl)/i.test(message)) {
    return new ProviderError("permanent", "This server did not answer like a CalDAV calendar server.", {
      code: "CALDAV_DISCOVERY_FAILED",
      cause: err,
    });
  }
  return new ProviderError("permanent", "Apple Calendar rejected the request.", {
    code: "CALDAV_REJECTED",
    cause: err,
  });
}
