// Wire helpers for the Twilio stand-in: form bodies (repeated keys), JSON answers, the
// legacy 2010-04-01 error envelope, RFC 2822 dates and SIDs.
import { randomBytes } from "node:crypto";
import { sendJson as sendAnyJson, type Req, type Res } from "../shared/http.ts";

export { PayloadTooLarge, readBody, type Req, type Res } from "../shared/http.ts";

/** A form body as name → values (the SDK repeats keys for lists, e.g. MediaUrl=a&MediaUrl=b). */
export function parseForm(body: Buffer): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [k, v] of new URLSearchParams(body.toString("utf8"))) out.set(k, [...(out.get(k) ?? []), v]);
  return out;
}

export function sendJson(res: Res, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendAnyJson(res, status, body, { "Twilio-Request-Id": sid("RQ"), ...headers });
}

/** {"code","message","more_info","status"} as api.twilio.com/2010-04-01 answers every error. */
export function twilioError(
  res: Res,
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
  extra: Record<string, unknown> = {},
): void {
  sendJson(
    res,
    status,
    { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status, ...extra },
    headers,
  );
}

export function authenticateError(res: Res): void {
  twilioError(
    res,
    401,
    20003,
    "Authenticate",
    { "WWW-Authenticate": 'Basic realm="Twilio API"' },
    { detail: "Your AccountSid or AuthToken was incorrect." },
  );
}

/** "Thu, 24 Aug 2023 05:01:45 +0000", the format of every date_* field. */
export function rfc2822(d: Date): string {
  return d.toUTCString().replace(/GMT$/, "+0000");
}

/** A 34-character SID: two-letter prefix + 32 hex digits. */
export function sid(prefix: string): string {
  return prefix + randomBytes(16).toString("hex");
}

/** Basic credentials of a request, if any. */
export function basicAuth(req: Req): { user: string; pass: string } | undefined {
  const h = req.headers.authorization;
  if (!h?.startsWith("Basic ")) return undefined;
  const decoded = Buffer.from(h.slice(6), "base64").toString("utf8");
  const at = decoded.indexOf(":");
  return at === -1 ? undefined : { user: decoded.slice(0, at), pass: decoded.slice(at + 1) };
}
