// The Express application: middleware order is security headers → request logging →
// body parsing → session → routes → 404 → one error handler.
import { randomUUID } from "node:crypto";
import express from "express";
import cookieParser from "cookie-parser";
import { pinoHttp } from "pino-http";
import type { AppContext } from "../context.ts";
import { adminRoutes } from "../admin/routes.ts";
import { authRoutes } from "../auth/routes.ts";
import { devRoutes } from "../dev/routes.ts";
import { healthRoutes } from "../health/routes.ts";
import { attachmentRoutes } from "../inbox/attachment-routes.ts";
import { inboxRoutes } from "../inbox/routes.ts";
import { integrationRoutes } from "../integrations/routes.ts";
import { availabilityRoutes, bookingRoutes } from "../booking/routes.ts";
import { calendarRoutes } from "../calendars/routes.ts";
import { artistProfileRoutes, artistRoutes } from "../artists/index.ts";
import { cronRoutes } from "../jobs/routes.ts";
import { realtimeRoutes } from "../realtime/routes.ts";
import { webRoutes } from "../web/static.ts";
import { webhookRoutes } from "../webhooks/routes.ts";
import { serverErrorRecorder } from "../observability/server-errors.ts";
import { sessionMiddleware } from "./auth-middleware.ts";
import { errorHandler, notFoundHandler } from "./errors.ts";

export const JSON_BODY_LIMIT = "1mb";

export function createApp(ctx: AppContext): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", ctx.config.trustProxy);

  app.use((_req, res, next) => {
    res.set({ "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "strict-origin-when-cross-origin" });
    next();
  });
  app.use(
    pinoHttp({
      logger: ctx.log,
      genReqId: (req, res) => {
        const incoming = req.headers["x-request-id"];
        const id = typeof incoming === "string" && /^[\w-]{1,64}$/.test(incoming) ? incoming : randomUUID();
        res.setHeader("X-Request-Id", id);
        return id;
      },
      autoLogging: { ignore: (req) => req.url === "/api/health" },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? "error" : res.statusCode >= 400 ? "info" : "debug"),
      serializers: { req: (req) => ({ id: req.id, method: req.method, url: String(req.url).split("?")[0] }) },
    }),
  );

  app.use(serverErrorRecorder(ctx));

  const api = express.Router();
  api.use(express.json({ limit: JSON_BODY_LIMIT, strict: false }));
  api.use(cookieParser());
  api.use("/health", healthRoutes(ctx));
  api.use(sessionMiddleware(ctx));
  api.use("/auth", authRoutes(ctx));
  api.use("/realtime", realtimeRoutes(ctx));
  api.use("/admin", adminRoutes(ctx));
  api.use("/inbox", inboxRoutes(ctx));
  api.use("/integrations", integrationRoutes(ctx));
  api.use("/attachments", attachmentRoutes(ctx));
  api.use("/bookings", bookingRoutes(ctx));
  api.use("/calendars", calendarRoutes(ctx));
  api.use("/artists", availabilityRoutes(ctx)); // GET /api/artists/:id/availability
  api.use("/artists", artistRoutes(ctx)); // public search + profiles
  api.use("/me/artist-profile", artistProfileRoutes(ctx));
  if (!ctx.config.isProduction) api.use("/dev", devRoutes(ctx));
  api.use(notFoundHandler);

  app.use(cronRoutes(ctx)); // full paths: /api/cron/* and /api/worker/sync
  app.use(webhookRoutes(ctx)); // /api/webhooks/*: raw bodies, before any JSON parsing
  app.use("/api", api);
  app.use(webRoutes());
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
