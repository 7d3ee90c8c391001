// Boundary validation: parse input with a zod schema or answer 400 with field errors.
import type { RequestHandler } from "express";
import type { z } from "zod";
import { HttpError, validationError } from "./errors.ts";

export function parse<S extends z.ZodType>(schema: S, data: unknown): z.output<S> {
  const result = schema.safeParse(data ?? {});
  if (!result.success) throw validationError(result.error);
  return result.data;
}

/** State-changing JSON endpoints only accept JSON bodies: anything else is a clear 415. */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  const hasBody = Number(req.get("content-length") ?? 0) > 0 || req.get("transfer-encoding") !== undefined;
  if (hasBody && !req.is("application/json"))
    return next(new HttpError(415, "UNSUPPORTED_MEDIA_TYPE", "Send the request body as application/json."));
  next();
};
