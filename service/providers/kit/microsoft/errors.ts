// Maps Graph SDK failures (GraphError with statusCode/code/headers, network errors) to the
// four ProviderError classes the sync orchestrator acts on.
import { GraphError } from "@microsoft/microsoft-graph-client";
import { ZodError } from "zod";
import { ProviderError, classifyHttpStatus, parseRetryAfter } from "../errors.ts";

/** Graph's answers to an expired or unknown delta/skip token (410 Gone on Outlook). */
const lostSyncState = /^(syncStateNotFound|resyncRequired|syncStateInvalid)$/i;

export const DELTA_EXPIRED = "OUTLOOK_DELTA_EXPIRED";

function graphErrorLike(err: unknown): err is Pick<GraphError, "statusCode" | "code" | "headers"> {
  return (
    err instanceof GraphError ||
    (typeof err === "object" &&
      err !== null &&
      "statusCode" in err &&
      typeof (err as { statusCode: unknown }).statusCode === "number")
  );
}

export function classifyOutlookError(err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  if (err instanceof ZodError)
    return new ProviderError("permanent", "Microsoft Graph answered in an unexpected shape.", {
      code: "OUTLOOK_UNEXPECTED_RESPONSE",
      cause: err,
    });
  if (graphErrorLike(err)) {
    const status = err.statusCode;
    const code = err.code ?? "";
    const retryAfterMs = parseRetryAfter(err.headers?.get?.("retry-after"));
    if (status === -1 || status === 0)
      return new ProviderError("transient", "Microsoft Graph could not be reached.", {
        code: "OUTLOOK_UNREACHABLE",
        cause: err,
      });
    if (status === 410 || lostSyncState.test(code))
      return new ProviderError("permanent", "The Outlook sync position expired.", {
        code: DELTA_EXPIRED,
        status,
        cause: err,
      });
    if (status === 401)
      return new ProviderError("auth", "Microsoft Graph rejected the access token.", {
        code: "OUTLOOK_AUTH",
        status,
        cause: err,
      });
    if (status === 403 && /^(ErrorAccessDenied|Authorization_RequestDenied)$/.test(code))
      return new ProviderError("auth", "Tatu lacks permission for this mailbox. Reconnect the account.", {
        code: "OUTLOOK_ACCESS_DENIED",
        status,
        cause: err,
      });
    // Graph throttles with 429, and sometimes with 503/504 plus Retry-After.
    if (status === 429 || ((status === 503 || status === 504) && retryAfterMs !== undefined))
      return new ProviderError("rate_limit", "Microsoft Graph asked Tatu to slow down.", {
        code: "OUTLOOK_RATE_LIMITED",
        status,
        retryAfterMs,
        cause: err,
      });
    if (status === 404)
      return new ProviderError("permanent", "The Outlook item no longer exists.", {
        code: "OUTLOOK_NOT_FOUND",
        status,
        cause: err,
      });
    return new ProviderError(
      classifyHttpStatus(status),
      `Microsoft Graph answered ${status}${code ? ` (${code})` : ""}.`,
      { code: `OUTLOOK_HTTP_${status}`, status, retryAfterMs, cause: err },
    );
  }
  return new ProviderError("transient", "Unexpected failure talking to Outlook.", {
    code: "OUTLOOK_UNEXPECTED",
    cause: err,
  });
}
