// Wire helpers for the Microsoft stand-in: JSON/empty answers, the two error envelopes
// (identity platform and Graph), and request body reading.
import { randomUUID } from "node:crypto";
import { readBody as readCapped, sendHtmlPage, sendJson, type Req, type Res } from "../shared/http.ts";

// 202/204 answers (sendMail, send) go out through sendEmpty: no body, no Content-Type.
export { PayloadTooLarge, sendEmpty, sendJson, type Req, type Res } from "../shared/http.ts";

/** Graph's request cap for JSON bodies with inline attachments (larger files use upload sessions). */
export const readBody = (req: Req) => readCapped(req, 8 * 1024 * 1024);

function graphDate(d = new Date()): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "");
}

/** Graph's error envelope: {"error":{"code","message","innerError":{date,request-id,client-request-id}}}. */
export function sendGraphError(
  res: Res,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  const requestId = randomUUID();
  sendJson(
    res,
    status,
    {
      error: {
        code,
        message,
        innerError: { date: graphDate(), "request-id": requestId, "client-request-id": requestId },
      },
    },
    { "request-id": requestId, "client-request-id": requestId, ...headers },
  );
}

/** AAD's token-endpoint error: AADSTS code prefix and the Trace/Correlation/Timestamp trailer. */
export function sendAadError(res: Res, status: number, error: string, aadsts: number, text: string): void {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date()
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d{3}Z$/, "Z");
  sendJson(
    res,
    status,
    {
      error,
      error_description: `AADSTS${aadsts}: ${text}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
      error_codes: [aadsts],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${aadsts}`,
    },
    { "Cache-Control": "no-store", Pragma: "no-cache" },
  );
}

/** The login host renders errors it cannot redirect (bad client, bad redirect URI) as a page. */
export function sendLoginErrorPage(res: Res, aadsts: number, text: string): void {
  sendHtmlPage(
    res,
    400,
    "Sign in to your account",
    "Sorry, but we're having trouble signing you in.",
    `AADSTS${aadsts}: ${text}`,
  );
}

/** `Prefer` may arrive as one comma-separated header or several headers. */
export function preferences(req: Req): Map<string, string> {
  const raw = req.headers.prefer;
  return parsePrefer(Array.isArray(raw) ? raw : raw ? [raw] : []);
}

/** The `Prefer` header values (of a request or of a $batch entry) as lower-cased name → value. */
export function parsePrefer(headers: string[]): Map<string, string> {
  const all = headers.flatMap((v) => v.split(","));
  const out = new Map<string, string>();
  for (const item of all) {
    const eq = item.indexOf("=");
    const key = (eq === -1 ? item : item.slice(0, eq)).trim().toLowerCase();
    const value =
      eq === -1
        ? ""
        : item
            .slice(eq + 1)
            .trim()
            .replace(/^"|"$/g, "");
    if (key) out.set(key, value);
  }
  return out;
}
