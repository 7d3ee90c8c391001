// One log line per request, as pino-http wrote it ({ req: { id, method, url }, res: { statusCode },
// responseTime }, "request completed"), without its per-request cost: the line is built only when
// its level is enabled (2xx/3xx debug, 4xx info, 5xx error), and the request's
// child logger (`req.log`, used on error paths) only on first use. A busy webhook route at the
// default level pays for an id and a header, nothing more.
import { randomUUID } from "node:crypto";
import { IncomingMessage } from "node:http";
import type { NextFunction, Request, Response } from "express";
import type { Logger } from "../observability/logger.ts";

declare module "http" {
  interface IncomingMessage {
    id?: string;
    log?: Logger;
  }
}

const VALID_ID = /^[\w-]{1,64}$/;

function levelOf(res: Response): "error" | "info" | "debug" {
  return res.statusCode >= 500 ? "error" : res.statusCode >= 400 ? "info" : "debug";
}

/** Per request: what `req.log` needs to make its child logger on first use. */
const kLogState = Symbol("tatu.requestLog");
interface LogState {
  root: Logger;
  describe: () => object;
  child?: Logger;
}
type WithState = IncomingMessage & { [kLogState]?: LogState };

// `req.log` as one getter on the prototype: defining it on every request cost an accessor
// property (and a hidden-class change) per request on the busiest routes.
Object.defineProperty(IncomingMessage.prototype, "log", {
  configurable: true,
  get(this: WithState) {
    const s = this[kLogState];
    return s ? (s.child ??= s.root.child({ req: s.describe() })) : undefined;
  },
  set(this: WithState, value: Logger) {
    Object.defineProperty(this, "log", { configurable: true, writable: true, value });
  },
});

export function requestLogger(log: Logger, opts: { ignore?: (req: Request) => boolean } = {}) {
  return (req: Request, res: Response, next: NextFunction) => {
    const incoming = req.headers["x-request-id"];
    const id = typeof incoming === "string" && VALID_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader("X-Request-Id", id);
    req.id = id;
    const describe = () => ({ id, method: req.method, url: String(req.originalUrl ?? req.url).split("?")[0] });
    (req as WithState)[kLogState] = { root: log, describe };
    if (opts.ignore?.(req)) return next();
    const started = performance.now();
    // One listener: "close" follows "finish" for a completed response, and comes alone for an aborted one.
    res.once("close", () => {
      const aborted = !res.writableFinished;
      const level = aborted ? "info" : levelOf(res);
      if (!log.isLevelEnabled(level)) return;
      log[level](
        { req: describe(), res: { statusCode: res.statusCode }, responseTime: Math.round(performance.now() - started) },
        aborted ? "request aborted" : "request completed",
      );
    });
    next();
  };
}
