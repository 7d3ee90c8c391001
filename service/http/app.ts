// The Express application: middleware order is security headers → request logging →
// body parsing → session → routes → 404 → one error handler.
import express from "express";
import cookieParser from "cookie-parser";
import type { AppContext } from "../context.ts";
import { adminRoutes } from "../admin/routes.ts";
import { authRoutes } from "../auth/routes.ts";
import { devOutboxEnabled, devRoutes } from "../dev/routes.ts";
import { healthRoutes } from "../health/routes.ts";
import { attachmentRoutes } from "../inbox/attachment-routes.ts";
import { inboxRoutes } from "../inbox/routes.ts";
import { integrationRoutes } from "../integrations/routes.ts";
import { providersRoute } from "../integrations/providers-route.ts";
import { calendarConnectRoutes } from "../integrations/calendar-connect.ts";
import { availabilityRoutes, bookingRoutes } from "../booking/routes.ts";
import { threadRoutes } from "../threads/routes.ts";
import { notificationRoutes } from "../notifications/routes.ts";
import { calendarRoutes } from "../calendars/routes.ts";
import { artistProfileRoutes, artistRoutes } from "../artists/index.ts";
import { homeRoutes } from "../home/routes.ts";
import { clientRoutes } from "../clients/routes.ts";
import { cronRoutes } from "../jobs/routes.ts";
import { realtimeRoutes } from "../realtime/routes.ts";
import { webRoutes } from "../web/static.ts";
import { webhookRoutes } from "../webhooks/routes.ts";
import { serverErrorRecorder } from "./server-errors.ts";
import { sessionMiddleware } from "./auth-middleware.ts";
import { errorHandler, notFoundHandler } from "./errors.ts";
import { requestLogger } from "./request-log.ts";
import { securityHeaders } from "./security-headers.ts";

export const JSON_BODY_LIMIT = "1mb";

export function createApp(ctx: AppContext): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", ctx.config.trustProxy);

  // helmet: strict CSP on pages, `default-src 'none'` on API answers, nosniff, no framing, HSTS on https.
  app.use(securityHeaders({ tileUrl: ctx.config.env.VITE_TILE_URL, https: ctx.config.publicUrl.startsWith("https:") }));
  app.use(requestLogger(ctx.log, { ignore: (req) => req.url === "/api/health" }));

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
  api.use("/providers", providersRoute()); // public: what each provider is called
  api.use("/integrations", integrationRoutes(ctx));
  api.use("/attachments", attachmentRoutes(ctx));
  api.use("/bookings", bookingRoutes(ctx));
  api.use("/bookings", threadRoutes(ctx)); // /requests/:id/messages: the customer's side of the thread
  api.use("/notifications", notificationRoutes(ctx));
  api.use("/calendars", calendarConnectRoutes(ctx)); // connect + remove (integrations own every kind)
  api.use("/calendars", calendarRoutes(ctx));
  api.use("/artists", availabilityRoutes(ctx)); // GET /api/artists/:id/availability
  api.use("/artists", artistRoutes(ctx)); // public search + profiles
  api.use("/me/artist-profile", artistProfileRoutes(ctx));
  api.use("/me/home", homeRoutes(ctx));
  api.use("/clients", clientRoutes(ctx)); // the artist's client records and private notes
  if (devOutboxEnabled(ctx)) api.use("/dev", devRoutes(ctx)); // DEV_OUTBOX=true, never in production
  api.use(notFoundHandler);

  app.use(webhookRoutes(ctx)); // /api/webhooks/*: raw bodies, before any JSON parsing (first: the busiest)
  app.use(cronRoutes(ctx)); // full paths: /api/cron/* and /api/worker/sync
  app.use("/api", api);
  app.use(webRoutes());
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
