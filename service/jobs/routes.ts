// Cron routes (Vercel calls them with GET and `Authorization: Bearer $CRON_SECRET`).
// `?dryRun=1` authenticates and answers what a run would do, changing nothing (tatu cron status).
import { Router, type Request, type Response } from "express";
import { z } from "zod";
import type { AppContext } from "../context.ts";
import { requireCronSecret } from "../http/auth-middleware.ts";
import { parse } from "../http/validate.ts";
import { crons } from "./cron-table.ts";
import { dryRunCron, runCron } from "./crons.ts";

const cronQuery = z.object({
  dryRun: z.enum(["0", "1", "true", "false"], { message: "dryRun must be 1 or 0." }).optional(),
});

export function cronRoutes(ctx: AppContext): Router {
  const r = Router();
  for (const cron of crons) {
    const handler = async (req: Request, res: Response) => {
      const { dryRun } = parse(cronQuery, req.query);
      if (dryRun === "1" || dryRun === "true") {
        res.json({ cron: cron.name, mode: ctx.queue.mode, ...(await dryRunCron(ctx, cron.name)) });
        return;
      }
      const result = await runCron(ctx, cron.name);
      res.json({ cron: cron.name, mode: ctx.queue.mode, ...result });
    };
    // GET is Vercel's call; POST lets operators trigger a run by hand.
    r.get(cron.path, requireCronSecret(ctx), handler);
    r.post(cron.path, requireCronSecret(ctx), handler);
  }
  return r;
}
