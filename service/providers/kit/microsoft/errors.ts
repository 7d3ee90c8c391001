// Maps Graph SDK failures (GraphError with statusCode/code/headers, network errors) to the
// four ProviderError classes the sync orchestrator acts on.
import type { GraphError } from "@microsoft/microsoft-graph-client";
import { ZodError } from "zod";
import { ProviderError, classifyHttpStatus, failureOf, parseRetryAfter } from "../errors.ts";
import { graphSdk } from "./sdk.ts";

/** Graph's answers to an expired or unknown delta/skip token (410 Gone on Outlook). */
const lostSyncState = /^(syncStateNotFound|resyncRequired|syncStateInvalid)$/i;

export const DELTA_EXPIRED = "OUTLOOK_DELTA_EXPIRED";

function graphErrorLike(err: unknown): err is Pick<GraphError, "statusCode" | "code" | "headers"> {
  return (
    err instanceof graphSdk().GraphError ||
    (typeof err === "object" &&
      err !== null &&
      "statusCode" in err &&
      typeof (err as { statusCode: unknown }).statusCode === "number")
  );
}

export function classifyOutlookError(err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  const fail = failureOf(err);
  if (err instanceof ZodError)
    return fail("permanent", "Microsoft Graph answered in an unexpected shape.", "OUTLOOK_UNEXPECTED_RESPONSE");
  if (graphErrorLike(err)) {
    const status = err.statusCode;
    const code = err.code ?? "";
    const retryAfterMs = parseRetryAfter(err.headers?.get?.("retry-after"));
    if (status === -1 || status === 0)
      return fail("transient", "Microsoft Graph could not be reached.", "OUTLOOK_UNREACHABLE");
    const answered = failureOf(err, status);
    if (status === 410 || lostSyncState.test(code))
      return answered("permanent", "The Outlook sync position expired.", DELTA_EXPIRED);
    if (status === 401) return answered("auth", "Microsoft Graph rejected the access token.", "OUTLOOK_AUTH");
    if (status === 403 && /^(ErrorAccessDenied|Authorization_RequestDenied)$/.test(code))
      return answered(
        "auth",
        "Tatu lacks permission for this mailbox. Reconnect the account.",
        "OUTLOOK_ACCESS_DENIED",
      );
    // Graph throttles with 429, and sometimes with 503/504 plus Retry-After.
    if (status === 429 || ((status === 503 || status === 504) && retryAfterMs !== undefined))
      return answered("rate_limit", "Microsoft Graph asked Tatu to slow down.", "OUTLOOK_RATE_LIMITED", retryAfterMs);
    if (status === 404) return answered("permanent", "The Outlook item no longer exists.", "OUTLOOK_NOT_FOUND");
    return answered(
      classifyHttpStatus(status),
      `Microsoft Graph answered ${status}${code ? ` (${code})` : ""}.`,
      `OUTLOOK_HTTP_${status}`,
      retryAfterMs,
    );
  }
  return fail("transient", "Unexpected failure talking to Outlook.", "OUTLOOK_UNEXPECTED");
}
