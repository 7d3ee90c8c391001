// GET /api/me/home — the signed-in person's start page (service/home/summary.ts).
import { Router } from "express";
import type { AppContext } from "../context.ts";
import { requireUser } from "../http/auth-middleware.ts";
import { artistHome, customerHome } from "./summary.ts";

export function homeRoutes(ctx: AppContext): Router {
  const r = Router();
  r.use(requireUser);
  r.get("/", async (req, res) => {
    const user = req.user!;
    res.json(user.role === "artist" ? await artistHome(ctx, user.id) : await customerHome(ctx, user.id));
  });
  return r;
}
