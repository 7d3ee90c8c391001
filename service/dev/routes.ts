// The dev outbox (mail stored instead of sent when SMTP_URL is unset), listed with its links.
// It hands out every verification and reset link, so it is an explicit opt-in: DEV_OUTBOX=true
// (the embedded default `npm start` without config sets it through the registry's dev default),
// and never with NODE_ENV=production, even when set there.
import { Router } from "express";
import type { AppContext } from "../context.ts";

export function devOutboxEnabled(ctx: AppContext): boolean {
  if (ctx.config.isProduction) {
    if (ctx.config.env.DEV_OUTBOX)
      ctx.log.warn("DEV_OUTBOX=true is ignored in production: the dev outbox is never served there");
    return false;
  }
  return ctx.config.env.DEV_OUTBOX === true;
}

export function devRoutes(ctx: AppContext): Router {
  const r = Router();
  r.get("/outbox", async (req, res) => {
    const to = typeof req.query.to === "string" ? req.query.to.trim().toLowerCase() : undefined;
    const emails = await ctx.db.devEmail.findMany({
      where: to ? { to } : {},
      orderBy: { createdAt: "desc" },
      take: 50,
    });
    res.json({ emails: emails.map((e) => ({ ...e, links: e.text.match(/https?:\/\/\S+/g) ?? [] })) });
  });
  return r;
}
