// Maps `square` SDK failures (SquareError with the v2 error list, SquareTimeoutError, fetch
// failures) to the four ProviderError classes. Messages are for the artist: plain words, no
// tokens and no Square error details (they can echo customer data).
import type { SquareError as SquareErrorType } from "square";
import { loadedSquareSdk } from "./sdk.ts";
import { ZodError } from "zod";
import { ProviderError, classifyHttpStatus, failureOf, parseRetryAfter } from "../kit/errors.ts";

/** Square's "version mismatch": CONFLICT on bookings (409), VERSION_MISMATCH on other APIs. */
const VERSION_CODES = new Set(["CONFLICT", "VERSION_MISMATCH"]);
const SCOPE_CODES = new Set([
  "INSUFFICIENT_SCOPES",
  "FORBIDDEN",
  "UNAUTHORIZED",
  "ACCESS_TOKEN_EXPIRED",
  "ACCESS_TOKEN_REVOKED",
]);

/** The SDK throws these only once loaded, so an unloaded SDK means "not a Square error". */
function isSquareError(err: unknown): err is SquareErrorType {
  const sdk = loadedSquareSdk();
  return sdk !== undefined && err instanceof sdk.SquareError;
}

export function squareCodes(err: unknown): string[] {
  return isSquareError(err) ? err.errors.map((e) => String(e.code)) : [];
}

export function isSquareNotFound(err: unknown): boolean {
  return isSquareError(err) && (err.statusCode === 404 || squareCodes(err).includes("NOT_FOUND"));
}

export function isVersionMismatch(err: unknown): boolean {
  return isSquareError(err) && (err.statusCode === 409 || squareCodes(err).some((c) => VERSION_CODES.has(c)));
}

export function classifySquareError(err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  const fail = failureOf(err);
  if (err instanceof ZodError)
    return fail("permanent", "Square answered in an unexpected shape.", "SQUARE_UNEXPECTED_RESPONSE");
  const sdk = loadedSquareSdk();
  if (sdk && err instanceof sdk.SquareTimeoutError)
    return fail("transient", "Square did not answer in time. Tatu will retry automatically.", "SQUARE_TIMEOUT");
  if (isSquareError(err)) {
    const status = err.statusCode;
    const codes = squareCodes(err);
    const categories = err.errors.map((e) => String(e.category));
    const answered = failureOf(err, status);
    if (status === 401)
      return answered(
        "auth",
        "Square no longer accepts Tatu's access token. Reconnect Square Appointments with a valid access token.",
        "SQUARE_AUTH_FAILED",
      );
    if (status === 403 && (categories.includes("AUTHENTICATION_ERROR") || codes.some((c) => SCOPE_CODES.has(c))))
      return answered(
        "auth",
        "The Square access token lacks permission for appointments. Reconnect with a token that can read and write appointments, customers and the catalog.",
        "SQUARE_FORBIDDEN",
      );
    if (status === 403)
      return answered(
        "permanent",
        "Square refused the change: writing appointments through the API needs a Square Appointments Plus or Premium subscription.",
        "SQUARE_SUBSCRIPTION_REQUIRED",
      );
    if (status === 429 || codes.includes("RATE_LIMITED")) {
      const ra = parseRetryAfter(err.rawResponse?.headers?.get?.("retry-after"));
      return answered("rate_limit", "Square asked Tatu to slow down.", "SQUARE_RATE_LIMITED", ra ?? 1000);
    }
    if (isVersionMismatch(err))
      return answered(
        "permanent",
        "The booking was changed in Square while Tatu was updating it. Tatu picks up the change on the next calendar sync; try again after that.",
        "SQUARE_VERSION_MISMATCH",
      );
    if (isSquareNotFound(err))
      return answered(
        "permanent",
        "Square does not know this booking or item (it may have been removed).",
        "SQUARE_NOT_FOUND",
      );
    if (codes.includes("IDEMPOTENCY_KEY_REUSED"))
      return answered(
        "permanent",
        "Square saw a different request with the same idempotency key.",
        "SQUARE_IDEMPOTENCY_KEY_REUSED",
      );
    const cls = classifyHttpStatus(status);
    const code = codes[0] && codes[0] !== "Unknown" ? `SQUARE_${codes[0]}` : `SQUARE_HTTP_${status ?? "ERROR"}`;
    const message =
      cls === "transient"
        ? "Square could not be reached. Tatu will retry automatically."
        : `Square refused the request (${codes[0] ?? `HTTP ${status}`}).`;
    return answered(cls, message, code);
  }
  return fail("transient", "Unexpected failure talking to Square.", "SQUARE_UNEXPECTED");
}
