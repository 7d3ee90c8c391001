// imapflow and nodemailer errors → the four classes the sync orchestrator acts on.
// Messages are written for people and never carry server transcripts or credentials.
import { ProviderError } from "../kit/errors.ts";

/** Yahoo asks clients to back off without saying for how long; a minute is what it tolerates. */
export const RATE_LIMIT_BACKOFF_MS = 60_000;

const transientCodes = new Set([
  // Node socket / DNS layer (both SDKs pass these through)
  "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "ECONNABORTED",
  // imapflow
  "NoConnection", "EConnectionClosed", "ClosedAfterConnectText", "ClosedAfterConnectTLS",
  "CONNECT_TIMEOUT", "GREETING_TIMEOUT", "UPGRADE_TIMEOUT", "ETIMEOUT", "LockTimeout",
  // nodemailer
  "ECONNECTION", "ESOCKET", "EDNS", "ETLS", "EPROXY",
]);

/** IMAP response codes Yahoo (and others) use for "too much, come back later". */
const throttleCodes = new Set(["UNAVAILABLE", "LIMIT", "THROTTLED"]);

interface SdkError {
  code?: string;
  authenticationFailed?: boolean;
  serverResponseCode?: string;
  responseText?: string;
  reason?: string;
  response?: unknown;
  responseCode?: number;
  throttleReset?: number;
  message?: string;
}

export const authHelp =
  "The mail server did not accept the email and app password. Create an app password at your mail service (Yahoo: Account info → Account security → Generate app password) and use it instead of your normal password.";

/** `auth` code differs by protocol so support can tell a sign-in from a sending problem. */
export function classifyYahooError(err: unknown, protocol: "imap" | "smtp" = "imap"): ProviderError {
  if (err instanceof ProviderError) return err;
  const e = (typeof err === "object" && err !== null ? err : { message: String(err) }) as SdkError;
  const serverText = [e.serverResponseCode, e.responseText, e.reason, typeof e.response === "string" ? e.response : ""].filter(Boolean).join(" ");

  // Checked before auth: Yahoo refuses LOGIN with "NO [UNAVAILABLE] … try again later" when
  // throttling, which imapflow also flags as authenticationFailed.
  if (e.code === "ETHROTTLE" || throttleCodes.has(e.serverResponseCode ?? "") || /\[(UNAVAILABLE|LIMIT|THROTTLED|TSS0\d)\]|temporarily deferred/i.test(serverText)) {
    const retryAfterMs = typeof e.throttleReset === "number" && e.throttleReset > 0 ? e.throttleReset : RATE_LIMIT_BACKOFF_MS;
    return new ProviderError("rate_limit", "The mail server asked Tatu to slow down.", { code: protocol === "imap" ? "IMAP_THROTTLED" : "SMTP_THROTTLED", retryAfterMs, cause: err });
  }
  if (e.authenticationFailed || e.serverResponseCode === "AUTHENTICATIONFAILED" || e.serverResponseCode === "AUTHORIZATIONFAILED" || e.code === "EAUTH" || e.responseCode === 535) {
    return new ProviderError("auth", authHelp, { code: protocol === "imap" ? "IMAP_AUTH_FAILED" : "SMTP_AUTH_FAILED", cause: err });
  }
  if ((e.code && transientCodes.has(e.code)) || (typeof e.responseCode === "number" && e.responseCode >= 400 && e.responseCode < 500)) {
    return new ProviderError("transient", "The mail server could not be reached.", { code: protocol === "imap" ? "IMAP_UNREACHABLE" : "SMTP_UNREACHABLE", cause: err });
  }
  if (e.code === "EENVELOPE") {
    return new ProviderError("permanent", "The mail server refused one of the recipients.", { code: "SMTP_RECIPIENT_REJECTED", cause: err });
  }
  return new ProviderError("permanent", "The mail server rejected the request.", { code: protocol === "imap" ? "IMAP_REJECTED" : "SMTP_REJECTED", cause: err });
}
