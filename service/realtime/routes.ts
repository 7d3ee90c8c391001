import { Router } from "express";
import type { AppContext } from "../context.ts";
import { requireUser } from "../http/auth-middleware.ts";
import { signRealtimeToken, WS_TOKEN_TTL_SEC } from "./token.ts";

export function realtimeRoutes(ctx: AppContext): Router {
  const r = Router();
  r.get("/token", requireUser, async (req, res) => {
    res.set("Cache-Control", "no-store");
    res.json({
      token: await signRealtimeToken(ctx.config.jwtSecret, req.user!.id, req.sessionId!),
      expiresIn: WS_TOKEN_TTL_SEC,
      path: "/ws",
    });
  });
  return r;
}
