// Google's wire conventions shared by the stand-in's API routes: the v1 error envelope,
// bearer-token checks, injected faults (429 with Retry-After, 5xx, 401…).
import type { NextFunction, Request, Response } from "express";
import type { AccessToken, Fault, GoogleState } from "./state.ts";

const statusNames: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  409: "ABORTED",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
};

/** `{error:{code,message,errors:[{message,domain,reason}],status}}` as gmail.googleapis.com sends it. */
export function googleError(
  res: Response,
  code: number,
  message: string,
  reason: string,
  opts: { domain?: string; errorMessage?: string; extra?: Record<string, string> } = {},
): void {
  res.status(code).json({
    error: {
      code,
      message,
      errors: [{ message: opts.errorMessage ?? message, domain: opts.domain ?? "global", reason, ...opts.extra }],
      status: statusNames[code] ?? "UNKNOWN",
    },
  });
}

/** A googleError about one query parameter, named in the error item as Google does. */
export function parameterError(
  res: Response,
  code: number,
  message: string,
  reason: string,
  parameter: string,
  domain?: string,
): void {
  googleError(res, code, message, reason, { domain, extra: { location: parameter, locationType: "parameter" } });
}

export const notFound = (res: Response) => googleError(res, 404, "Requested entity was not found.", "notFound");

export function unauthenticated(res: Response): void {
  res.setHeader("WWW-Authenticate", 'Bearer realm="https://accounts.google.com/", error="invalid_token"');
  googleError(
    res,
    401,
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
    "authError",
    { errorMessage: "Invalid Credentials", extra: { location: "Authorization", locationType: "header" } },
  );
}

/** Answers an injected fault the way Google would for that status. */
export function sendFault(res: Response, f: Fault): void {
  if (f.retryAfter !== undefined) res.setHeader("Retry-After", String(f.retryAfter));
  switch (f.status) {
    case 429: {
      const at = new Date(Date.now() + retryAfterMs(f.retryAfter)).toISOString();
      // Two spaces before "Retry after" is what Gmail sends.
      const msg = f.message ?? `User-rate limit exceeded.  Retry after ${at}`;
      return googleError(res, 429, msg, "rateLimitExceeded", { domain: "usageLimits" });
    }
    case 401:
      return unauthenticated(res);
    case 403:
      return googleError(res, 403, f.message ?? "User Rate Limit Exceeded", "userRateLimitExceeded", {
        domain: "usageLimits",
      });
    case 404:
      return notFound(res);
    case 500:
      return googleError(res, 500, f.message ?? "Internal error encountered.", "backendError");
    case 503:
      return googleError(res, 503, f.message ?? "The service is currently unavailable.", "backendError");
    default:
      return googleError(res, f.status, f.message ?? "Injected failure.", "failedPrecondition");
  }
}

function retryAfterMs(v: Fault["retryAfter"]): number {
  if (v === undefined) return 1000;
  if (typeof v === "number" || /^\d+$/.test(v)) return Number(v) * 1000;
  return Math.max(0, Date.parse(v) - Date.now());
}

/** Logs every request with its final status and serves injected faults first. */
export function faultsAndLog(state: GoogleState, target: Fault["target"]) {
  return (req: Request, res: Response, next: NextFunction) => {
    res.on("finish", () => state.requests.push({ method: req.method, path: req.originalUrl, status: res.statusCode }));
    const f = state.takeFault(target, req.originalUrl);
    const delayMs = (f?.delayMs ?? 0) + (target === "api" ? state.apiDelayMs : 0);
    if (delayMs > 0) {
      setTimeout(() => (res.destroyed ? undefined : answer(target, f, res, next)), delayMs);
      return;
    }
    answer(target, f, res, next);
  };
}

/** A truncated Gmail list body: valid JSON up to where the provider's answer got cut off. */
const MALFORMED_BODY = '{"messages":[{"id":"18c0ffee","threadId":"18c0ffee"},{"id":"18c0';

function answer(target: Fault["target"], f: Fault | undefined, res: Response, next: NextFunction): void {
  if (!f || f.mode === "delay") return next(); // slow but correct
  if (f.mode === "hang") return; // keep the connection open, say nothing
  if (f.mode === "malformed") {
    res.status(200).type("application/json").send(MALFORMED_BODY);
    return;
  }
  if (target === "oauth") {
    if (f.retryAfter !== undefined) res.setHeader("Retry-After", String(f.retryAfter));
    res.status(f.status).json({
      error: f.status === 429 ? "rate_limit_exceeded" : "internal_failure",
      error_description: f.message ?? "Injected failure.",
    });
    return;
  }
  sendFault(res, f);
}

export interface Authed extends Request {
  token?: AccessToken;
}

export function requireBearer(state: GoogleState) {
  return (req: Authed, res: Response, next: NextFunction) => {
    const m = /^Bearer\s+(.+)$/i.exec(req.get("authorization") ?? "");
    const at = state.bearer(m?.[1]);
    if (!at) return unauthenticated(res);
    req.token = at;
    next();
  };
}

export function hasScope(at: AccessToken, any: string[]): boolean {
  return at.grant.scopes.some((s) => any.includes(s));
}

export function insufficientScope(res: Response): void {
  res.setHeader("WWW-Authenticate", 'Bearer realm="https://accounts.google.com/", error="insufficient_scope"');
  googleError(res, 403, "Request had insufficient authentication scopes.", "insufficientPermissions", {
    errorMessage: "Insufficient Permission",
  });
}
