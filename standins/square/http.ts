// Wire helpers for the Square stand-in: JSON bodies, the v2 error envelope
// {"errors":[{category, code, detail, field?}]} and bearer tokens.
import { sendJson as sendAnyJson, type Req, type Res } from "../shared/http.ts";

export { PayloadTooLarge, readBody, type Req, type Res } from "../shared/http.ts";

export type ErrorCategory =
  | "API_ERROR"
  | "AUTHENTICATION_ERROR"
  | "INVALID_REQUEST_ERROR"
  | "RATE_LIMIT_ERROR"
  | "MERCHANT_SUBSCRIPTION_ERROR";

/** A Square v2 error, thrown by route handlers and answered by the server loop. */
export class SquareApiError extends Error {
  constructor(
    readonly status: number,
    readonly category: ErrorCategory,
    readonly code: string,
    readonly detail: string,
    readonly field?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

export const badRequest = (code: string, detail: string, field?: string) =>
  new SquareApiError(400, "INVALID_REQUEST_ERROR", code, detail, field);
export const notFound = (detail: string) => new SquareApiError(404, "INVALID_REQUEST_ERROR", "NOT_FOUND", detail);

export const UNAUTHORIZED_DETAIL =
  'The `Authorization` http header of your request was incorrect or expired. The header value is expected to be of the format "Bearer TOKEN" (without quotation marks), where TOKEN is a valid access token (e.g. "Bearer ABC123def456GHI789jkl0"). For more information, see https://developer.squareup.com/docs/build-basics/using-rest-api#__set-the-headers__ .';

/** The JSON object of a POST/PUT body; Square answers EXPECTED_JSON_BODY otherwise. */
export function jsonBody(raw: Buffer): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(raw.toString("utf8") || "null");
    if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    /* answered below */
  }
  throw badRequest("EXPECTED_JSON_BODY", "The request body must be a JSON object.");
}

export function sendJson(res: Res, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendAnyJson(res, status, body, { "Content-Type": "application/json", ...headers });
}

export function sendError(res: Res, e: SquareApiError): void {
  const error: Record<string, string> = { category: e.category, code: e.code, detail: e.detail };
  if (e.field) error.field = e.field;
  sendJson(res, e.status, { errors: [error] }, e.headers);
}

export function bearer(req: Req): string | undefined {
  const h = req.headers.authorization;
  return h?.startsWith("Bearer ") ? h.slice(7).trim() : undefined;
}

// Small typed readers for snake_case request fields (the stand-in validates what Square would).
export const str = (o: Record<string, unknown> | undefined, k: string): string | undefined =>
  typeof o?.[k] === "string" ? (o[k] as string) : undefined;
export const num = (o: Record<string, unknown> | undefined, k: string): number | undefined =>
  typeof o?.[k] === "number" ? (o[k] as number) : undefined;
export const obj = (o: Record<string, unknown> | undefined, k: string): Record<string, unknown> | undefined => {
  const v = o?.[k];
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
};
export const arr = (o: Record<string, unknown> | undefined, k: string): unknown[] | undefined =>
  Array.isArray(o?.[k]) ? (o[k] as unknown[]) : undefined;

/** Keyset page cursors: opaque base64url JSON bound to the query they page through. */
export function encodeCursor(c: { after: string; q: string }): string {
  return Buffer.from(JSON.stringify(c)).toString("base64url");
}

export function decodeCursor(cursor: string | undefined | null, q: string): string | undefined {
  if (!cursor) return undefined;
  try {
    const c = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { after?: unknown; q?: unknown };
    if (typeof c.after === "string" && c.q === q) return c.after;
  } catch {
    /* answered below */
  }
  throw badRequest("INVALID_CURSOR", "The pagination cursor is invalid or does not belong to this query.", "cursor");
}
