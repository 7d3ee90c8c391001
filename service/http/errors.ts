// One error path for the whole API: every error becomes JSON {error:{code,message,…}}.
// Expected failures are HttpErrors; anything else is a 500 with an error id that is
// logged and sent to Sentry, never leaking internals.
import { randomUUID } from "node:crypto";
import type { ErrorRequestHandler, RequestHandler } from "express";
import { z } from "zod";
import { isDbUnavailable } from "../db/client.ts";
import { reportError } from "../observability/sentry.ts";

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string, code = "BAD_REQUEST", extra?: Record<string, unknown>) =>
  new HttpError(400, code, message, extra);
export const unauthorized = (message = "Sign in to continue.", code = "UNAUTHORIZED") =>
  new HttpError(401, code, message);
export const forbidden = (message = "You do not have access to this.", code = "FORBIDDEN") =>
  new HttpError(403, code, message);
export const notFound = (message = "Not found.") => new HttpError(404, "NOT_FOUND", message);
export const conflict = (message: string, code = "CONFLICT", extra?: Record<string, unknown>) =>
  new HttpError(409, code, message, extra);
export const tooManyRequests = (retryAfterSec: number, message = "Too many attempts. Try again later.") =>
  new HttpError(429, "RATE_LIMITED", message, { retryAfter: retryAfterSec }, { "Retry-After": String(retryAfterSec) });
export const serviceUnavailable = (message = "The service is temporarily unavailable. Try again shortly.") =>
  new HttpError(503, "UNAVAILABLE", message, {}, { "Retry-After": "5" });

/** zod issues → {field: message}, first message per field. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? issue.path.join(".") : "_";
    fields[key] ??= issue.message;
  }
  return fields;
}

export function validationError(error: z.ZodError): HttpError {
  return new HttpError(400, "VALIDATION_FAILED", "Some fields need attention.", { fields: fieldErrors(error) });
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, "NOT_FOUND", `No route for ${req.method} ${req.originalUrl.split("?")[0]}.`));
};

/** Errors raised by body parsers (express.json etc.), mapped to the status they deserve. */
function fromBodyParser(err: { type?: string; status?: number; limit?: number }): HttpError | undefined {
  switch (err.type) {
    case "entity.parse.failed":
      return new HttpError(400, "MALFORMED_JSON", "The request body is not valid JSON.");
    case "entity.too.large":
      return new HttpError(
        413,
        "PAYLOAD_TOO_LARGE",
        `The request body is larger than the ${err.limit ?? ""} byte limit.`.replace("  ", " "),
      );
    case "encoding.unsupported":
    case "charset.unsupported":
      return new HttpError(415, "UNSUPPORTED_ENCODING", "The request body's encoding or charset is not supported.");
    case "request.aborted":
      return new HttpError(400, "REQUEST_ABORTED", "The request was aborted.");
    default:
      if (err.status && err.status >= 400 && err.status < 500)
        return new HttpError(err.status, "BAD_REQUEST", "The request could not be read.");
      return undefined;
  }
}

/** PostgreSQL refuses text it cannot store (a NUL character: SQLSTATE 22021/22P05) in whatever
 *  value reached a query; that is the client's input, so a 400, on every route at once. */
function isUnstorableText(err: unknown): boolean {
  for (
    let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 4;
    e = e.cause as typeof e, depth++
  )
    if (
      e.code === "22021" ||
      e.code === "22P05" ||
      /invalid byte sequence for encoding|unsupported Unicode escape sequence/.test(String(e.message ?? ""))
    )
      return true;
  return false;
}

/** Prisma's "record to update/delete does not exist" (P2025): the row vanished between a route's
 *  lookup and its write — a concurrent delete of the same item. For the caller it is gone: 404. */
function isRecordGone(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === "P2025";
}

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const known = err instanceof HttpError ? err : err instanceof z.ZodError ? validationError(err) : fromBodyParser(err);
  const http =
    known ??
    (isDbUnavailable(err) ? serviceUnavailable() : undefined) ??
    (isUnstorableText(err)
      ? new HttpError(
          400,
          "INVALID_TEXT",
          "The request contains characters that cannot be stored (e.g. a NUL character).",
        )
      : undefined) ??
    (isRecordGone(err) ? new HttpError(404, "NOT_FOUND", "Not found: it was deleted a moment ago.") : undefined);
  if (http) {
    if (http.status >= 500) req.log?.warn({ err, code: http.code }, "request failed: dependency unavailable");
    res
      .status(http.status)
      .set(http.headers)
      .json({ error: { code: http.code, message: http.message, ...http.extra } });
    return;
  }
  const errorId = randomUUID();
  req.log?.error({ err, errorId }, "unhandled error");
  reportError(err, { errorId, path: req.path, userId: (req as { user?: { id: string } }).user?.id });
  if (res.headersSent) return;
  res.status(500).json({
    error: { code: "INTERNAL", message: "Something went wrong on our side. We have been notified.", errorId },
  });
};
