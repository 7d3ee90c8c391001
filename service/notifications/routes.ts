// /api/notifications/preferences — the signed-in user's own notification settings.
import { Router } from "express";
import type { AppContext } from "../context.ts";
import { requireUser } from "../http/auth-middleware.ts";
import { parse, requireJsonBody } from "../http/validate.ts";
import { loadPreferences, savePreferences } from "./preferences.ts";
import { preferencesBody } from "./schemas.ts";

export function notificationRoutes(ctx: AppContext): Router {
  const r = Router();
  r.use(requireUser);
  r.get("/preferences", async (req, res) => {
    res.json(await loadPreferences(ctx, req.user!));
  });
  r.put("/preferences", requireJsonBody, async (req, res) => {
    res.json(await savePreferences(ctx, req.user!, parse(preferencesBody, req.body)));
  });
  return r;
}
