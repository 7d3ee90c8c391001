// Wire helpers for the Twilio stand-in: form bodies (repeated keys), JSON answers, the
// legacy 2010-04-01 error envelope, RFC 2822 dates and SIDs.
import { randomFillSync } from "node:crypto";
import { PayloadTooLarge, sendJson as sendAnyJson, type Req, type Res } from "../shared/http.ts";

export { PayloadTooLarge, type Req, type Res };

/** The request body, at most `limit` bytes (else PayloadTooLarge). Plain 'data'/'end' events:
 *  the stand-in's hot path is a create per text, and the stream's async iterator cost more. */
export function readBody(req: Req, limit = 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners("data");
        req.resume();
        reject(new PayloadTooLarge());
      } else chunks.push(chunk);
    });
    req.on("end", () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** A form body as name → values (the SDK repeats keys for lists, e.g. MediaUrl=a&MediaUrl=b). */
export function parseForm(body: Buffer): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [k, v] of new URLSearchParams(body.toString("utf8"))) {
    const seen = out.get(k);
    if (seen) seen.push(v);
    else out.set(k, [v]);
  }
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

// The last second formatted: a busy stand-in stamps thousands of messages within one second.
let lastSecond = Number.NaN;
let lastText = "";

/** "Thu, 24 Aug 2023 05:01:45 +0000", the format of every date_* field. */
export function rfc2822(d: Date): string {
  const second = Math.floor(d.getTime() / 1000);
  if (second !== lastSecond) {
    lastText = d.toUTCString().replace(/GMT$/, "+0000");
    lastSecond = second;
  }
  return lastText;
}

// Random bytes for SIDs, drawn from the OS 4 KiB at a time (crypto.randomUUID does the same):
// one getrandom call per 256 SIDs instead of one per SID.
const pool = Buffer.alloc(4096);
let poolAt = pool.length;

/** A 34-character SID: two-letter prefix + 32 hex digits. */
export function sid(prefix: string): string {
  if (poolAt + 16 > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  poolAt += 16;
  return prefix + pool.toString("hex", poolAt - 16, poolAt);
}

/** Basic credentials of a request, if any. */
export function basicAuth(req: Req): { user: string; pass: string } | undefined {
  const h = req.headers.authorization;
  if (!h?.startsWith("Basic ")) return undefined;
  const decoded = Buffer.from(h.slice(6), "base64").toString("utf8");
  const at = decoded.indexOf(":");
  return at === -1 ? undefined : { user: decoded.slice(0, at), pass: decoded.slice(at + 1) };
}
