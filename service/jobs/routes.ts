// Cron routes (Vercel calls them with GET and `Authorization: Bearer $CRON_SECRET`).
import { Router } from "express";
import type { AppContext } from "../context.ts";
import { requireCronSecret } from "../http/auth-middleware.ts";
import { crons } from "./cron-table.ts";
import { runCron } from "./crons.ts";

export function cronRoutes(ctx: AppContext): Router {
  const r = Router();
  for (const cron of crons) {
    const handler = async (_req: unknown, res: import("express").Response) => {
      const result = await runCron(ctx, cron.name);
      res.json({ cron: cron.name, mode: ctx.queue.mode, ...result });
    };
    // GET is Vercel's call; POST lets operators trigger a run by hand.
    r.get(cron.path, requireCronSecret(ctx), handler);
    r.post(cron.path, requireCronSecret(ctx), handler);
  }
  return r;
}
