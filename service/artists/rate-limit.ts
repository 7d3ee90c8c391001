// The public directory's one rate limit (RATE_LIMIT_SEARCH), per client IP: search, profiles,
// portfolio images and availability share the same budget, so a scraper cannot switch routes
// to get a fresh one.
import type { RequestHandler } from "express";
import type { AppContext } from "../context.ts";

export function publicDirectoryLimit(ctx: AppContext): RequestHandler {
  return async (req, _res, next) => {
    await ctx.limits.search.hit(
      req.ip ?? "unknown",
      "Too many artist searches from this network. Try again in a minute.",
    );
    next();
  };
}
