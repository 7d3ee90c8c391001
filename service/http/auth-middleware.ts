// Who is calling: a session cookie (people) or the CRON_SECRET bearer (Vercel Cron, the CLI).
import { timingSafeEqual } from "node:crypto";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { AppContext } from "../context.ts";
import { loadSession, type SessionUser } from "../auth/sessions.ts";
import { forbidden, HttpError, unauthorized } from "./errors.ts";

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      user?: SessionUser;
      sessionId?: string;
      csrfToken?: string;
      viaCronSecret?: boolean;
    }
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a),
    y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function hasCronSecret(ctx: AppContext, req: Request): boolean {
  const header = req.get("authorization") ?? "";
  return header.startsWith("Bearer ") && safeEqual(header.slice(7), ctx.config.cronSecret);
}

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** Loads the session (if any) and enforces CSRF on cookie-authenticated state changes. */
export function sessionMiddleware(ctx: AppContext): RequestHandler {
  return async (req, _res, next) => {
    const session = await loadSession(ctx, req);
    if (session) {
      req.user = session.user;
      req.sessionId = session.id;
      req.csrfToken = session.csrfToken;
      const header = req.get("x-csrf-token");
      if (UNSAFE.has(req.method) && !hasCronSecret(ctx, req) && !(header && safeEqual(header, session.csrfToken)))
        return next(
          new HttpError(
            403,
            "CSRF_FAILED",
            "This request is missing its security token. Reload the page and try again.",
          ),
        );
    }
    next();
  };
}

export const requireUser: RequestHandler = (req, _res, next) => next(req.user ? undefined : unauthorized());

/** Artist accounts only: anyone else gets a 403 ARTISTS_ONLY whose message says why the route is not theirs. */
export function artistsOnly(why: string): RequestHandler {
  return (req, _res, next) => next(req.user?.role === "artist" ? undefined : forbidden(why, "ARTISTS_ONLY"));
}

/** Bearer CRON_SECRET only (Vercel Cron's call). */
export function requireCronSecret(ctx: AppContext): RequestHandler {
  return (req, _res, next) =>
    next(
      hasCronSecret(ctx, req)
        ? undefined
        : unauthorized("A valid `Authorization: Bearer <CRON_SECRET>` header is required.", "CRON_UNAUTHORIZED"),
    );
}

/** Bearer CRON_SECRET or a signed-in admin (ADMIN_EMAILS). */
export function requireAdmin(ctx: AppContext): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (hasCronSecret(ctx, req)) {
      req.viaCronSecret = true;
      return next();
    }
    if (!req.user) return next(unauthorized("Sign in as an admin or send `Authorization: Bearer <CRON_SECRET>`."));
    next(req.user.isAdmin ? undefined : forbidden("Admins only."));
  };
}
