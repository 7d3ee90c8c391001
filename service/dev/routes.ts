// Development-only: the dev outbox (mail stored instead of sent when SMTP_URL is unset).
import { Router } from "express";
import type { AppContext } from "../context.ts";

export function devRoutes(ctx: AppContext): Router {
  const r = Router();
  r.get("/outbox", async (req, res) => {
    const to = typeof req.query.to === "string" ? req.query.to.trim().toLowerCase() : undefined;
    const emails = await ctx.db.devEmail.findMany({ where: to ? { to } : {}, orderBy: { createdAt: "desc" }, take: 50 });
    res.json({ emails: emails.map((e) => ({ ...e, links: e.text.match(/https?:\/\/\S+/g) ?? [] })) });
  });
  return r;
}
