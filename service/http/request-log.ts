// One log line per request, as pino-http wrote it ({ req: { id, method, url }, res: { statusCode },
// responseTime }, "request completed"), without its per-request cost: the line is built only when
// its level is enabled (2xx/3xx debug, 4xx info, 5xx error), and the request's
// child logger (`req.log`, used on error paths) only on first use. A busy webhook route at the
// default level pays for an id and a header, nothing more.
import { randomUUID } from "node:crypto";
import type { NextFunction, Request, Response } from "express";
import type { Logger } from "../observability/logger.ts";

declare module "http" {
  interface IncomingMessage { id?: string; log?: Logger }
}

const VALID_ID = /^[\w-]{1,64}$/;

function levelOf(res: Response): "error" | "info" | "debug" {
  return res.statusCode >= 500 ? "error" : res.statusCode >= 400 ? "info" : "debug";
}

export function requestLogger(log: Logger, opts: { ignore?: (req: Request) => boolean } = {}) {
  return (req: Request, res: Response, next: NextFunction) => {
    const incoming = req.headers["x-request-id"];
    const id = typeof incoming === "string" && VALID_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader("X-Request-Id", id);
    req.id = id;
    const describe = () => ({ id, method: req.method, url: String(req.originalUrl ?? req.url).split("?")[0] });
    let child: Logger | undefined;
    Object.defineProperty(req, "log", { configurable: true, enumerable: false, get: () => (child ??= log.child({ req: describe() })) });
    if (opts.ignore?.(req)) return next();
    const started = performance.now();
    const done = (aborted: boolean) => {
      const level = aborted ? "info" : levelOf(res);
      if (!log.isLevelEnabled(level)) return;
      log[level]({ req: describe(), res: { statusCode: res.statusCode }, responseTime: Math.round(performance.now() - started) }, aborted ? "request aborted" : "request completed");
    };
    res.once("finish", () => done(false));
    res.once("close", () => { if (!res.writableFinished) done(true); });
    next();
  };
}
