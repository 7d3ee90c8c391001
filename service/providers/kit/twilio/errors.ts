// Maps twilio SDK failures (RestException with the Twilio error code, axios network errors)
// to the four ProviderError classes. Messages are for the studio: plain words, no internals.
import { ZodError } from "zod";
import { ProviderError, classifyHttpStatus, failureOf, parseRetryAfter } from "../errors.ts";
import { retryAfterOf } from "./session.ts";

interface RestLike {
  status: number;
  code?: number;
  message?: string;
}

function restLike(err: unknown): err is RestLike {
  return typeof err === "object" && err !== null && typeof (err as { status?: unknown }).status === "number";
}

const NETWORK_CODES = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EPIPE|ECONNABORTED|ERR_SOCKET|UND_ERR)/;

/** Send refusals that retrying cannot fix, with what the artist should know. */
const PERMANENT_SEND: Record<number, [string, string]> = {
  21211: [
    "TWILIO_INVALID_NUMBER",
    "This phone number is not valid. Check the number and include the country code (e.g. +1 555 123 4567).",
  ],
  21610: [
    "TWILIO_UNSUBSCRIBED",
    "This person texted STOP to your number, so messages to them are blocked until they text START.",
  ],
  21614: ["TWILIO_NOT_MOBILE", "This number cannot receive text messages (it looks like a landline)."],
  21408: ["TWILIO_REGION_BLOCKED", "Texting this country is not enabled on the server's Twilio account."],
  21612: ["TWILIO_UNROUTABLE", "Twilio cannot deliver texts from your number to this number."],
  21608: ["TWILIO_UNVERIFIED_NUMBER", "The server's Twilio trial account can only text verified numbers."],
  21606: [
    "TWILIO_FROM_NOT_CAPABLE",
    "Your studio number cannot send text messages. Reconnect it or pick another number.",
  ],
  21602: ["TWILIO_EMPTY_MESSAGE", "A text message needs some text."],
};

export function classifyTwilioError(err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  const fail = failureOf(err);
  if (err instanceof ZodError)
    return fail("permanent", "Twilio answered in an unexpected shape.", "TWILIO_UNEXPECTED_RESPONSE");
  if (restLike(err)) {
    const { status } = err;
    const code = err.code ?? 0;
    const answered = failureOf(err, status);
    if (code === 20003 || status === 401)
      return answered(
        "auth",
        "The server's Twilio setup is wrong: Twilio rejected its account credentials (TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN). Ask the administrator to fix them.",
        "TWILIO_AUTH_FAILED",
      );
    if (code === 20429 || status === 429) {
      const ra = typeof err === "object" ? parseRetryAfter(retryAfterOf.get(err as object)) : undefined;
      return answered("rate_limit", "Twilio asked Tatu to slow down.", "TWILIO_RATE_LIMITED", ra ?? 1000);
    }
    const known = PERMANENT_SEND[code];
    if (known) return answered("permanent", known[1], known[0]);
    if (code === 20404 || status === 404)
      return answered("permanent", "Twilio does not know this item (it may have been deleted).", "TWILIO_NOT_FOUND");
    const cls = classifyHttpStatus(status);
    return answered(
      cls,
      cls === "transient"
        ? "Twilio could not be reached. Tatu will retry automatically."
        : `Twilio refused the request${code ? ` (error ${code})` : ""}.`,
      code ? `TWILIO_${code}` : `TWILIO_HTTP_${status}`,
    );
  }
  const netCode = typeof err === "object" && err !== null ? String((err as { code?: unknown }).code ?? "") : "";
  if (NETWORK_CODES.test(netCode) || (err instanceof TypeError && /fetch failed/i.test(err.message)))
    return fail("transient", "Twilio could not be reached. Tatu will retry automatically.", "TWILIO_UNREACHABLE");
  return fail("transient", "Unexpected failure talking to Twilio.", "TWILIO_UNEXPECTED");
}

/** Delivery failures reported by status callbacks (ErrorCode), in plain words. */
const DELIVERY_ERRORS: Record<string, string> = {
  "30001": "Twilio's queue overflowed; the text was not sent.",
  "30002": "The server's Twilio account is suspended.",
  "30003": "The phone is switched off or out of reach.",
  "30004": "The recipient or their carrier blocked the text.",
  "30005": "This number does not exist or is no longer in service.",
  "30006": "This number is a landline or cannot receive texts.",
  "30007": "The carrier filtered the text as possible spam.",
  "30008": "The carrier could not deliver the text (unknown error).",
  "30010": "The text exceeded the price limit set on the Twilio account.",
  "30034": "The studio number is not registered for US texting (A2P 10DLC).",
  "21610": "This person texted STOP to your number; texts to them are blocked until they text START.",
  "21211": "This phone number is not valid.",
  "21614": "This number cannot receive text messages.",
};

export function deliveryErrorWords(code: string | undefined): string | undefined {
  if (!code) return undefined;
  return DELIVERY_ERRORS[code] ?? `The text could not be delivered (Twilio error ${code}).`;
}
