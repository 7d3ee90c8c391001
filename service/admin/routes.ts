// Admin API (bearer CRON_SECRET or an admin session): the crons' last runs, switches for crons and providers, their
// append-only change history, the hypercare metrics, and which artist may connect which of the
// server's Twilio numbers.
import { Router } from "express";
import { z } from "zod";
import type { AppContext } from "../context.ts";
import { requireAdmin } from "../http/auth-middleware.ts";
import { notFound } from "../http/errors.ts";
import { parse, requireJsonBody } from "../http/validate.ts";
import { cronOverview } from "./crons.ts";
import { collectMetrics } from "./metrics.ts";
import { twilioNumberRoutes } from "./twilio-numbers.ts";
import { switchNames } from "../jobs/switches.ts";

const historyQuery = z
  .object({
    name: z.string().optional(),
    kind: z.enum(["cron", "provider"], { message: "kind must be cron or provider." }).optional(),
    limit: z.coerce
      .number({ message: "limit must be a number." })
      .int()
      .min(1, "limit must be 1 to 500.")
      .max(500, "limit must be 1 to 500.")
      .default(50),
  })
  .strict();

const switchBody = z.object({
  enabled: z.boolean({ message: "enabled must be true or false." }),
  reason: z.string().trim().max(500, "Keep the reason under 500 characters.").optional(),
});

/** ?minutes=N: the per-minute series covers the last N minutes (current one included). */
const metricsQuery = z.object({ minutes: z.coerce.number().int().min(1).max(1440).default(30) });

export function adminRoutes(ctx: AppContext): Router {
  const r = Router();
  r.use(requireAdmin(ctx));

  r.get("/metrics", async (req, res) => {
    res.json(await collectMetrics(ctx, parse(metricsQuery, req.query)));
  });

  // Each cron's schedule, switch, last run and last success (tatu cron status judges staleness).
  r.get("/crons", async (_req, res) => {
    res.json(await cronOverview(ctx));
  });

  r.get("/switches", async (_req, res) => {
    res.json({ switches: await ctx.switches.list() });
  });

  // Read-only: the history has no update or delete route (and the table refuses both).
  r.get("/switches/history", async (req, res) => {
    const q = parse(historyQuery, req.query);
    if (q.name !== undefined && !ctx.switches.isKnown(q.name))
      throw notFound(`Unknown switch "${q.name}". GET /api/admin/switches lists them.`);
    const names =
      q.name !== undefined ? [q.name] : q.kind ? switchNames.filter((n) => n.startsWith(`${q.kind}.`)) : undefined;
    res.json({ changes: await ctx.switches.history({ names, limit: q.limit }) });
  });

  r.put("/switches/:name", requireJsonBody, async (req, res) => {
    const name = String(req.params.name);
    if (!ctx.switches.isKnown(name)) throw notFound(`Unknown switch "${name}". GET /api/admin/switches lists them.`);
    const body = parse(switchBody, req.body);
    const by = req.viaCronSecret ? req.get("x-tatu-operator")?.slice(0, 100) || "cron-secret" : req.user!.email;
    const state = await ctx.switches.set(name, body.enabled, body.reason ?? null, by);
    ctx.log.warn({ switch: name, enabled: body.enabled, reason: body.reason, by }, "switch changed");
    res.json(state);
  });

  r.use("/twilio-numbers", twilioNumberRoutes(ctx));

  return r;
}
