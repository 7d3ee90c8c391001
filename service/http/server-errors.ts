// Records every 5xx the service answers (one row each; rare by design) so the metrics can
// count them per provider across all replicas. Best effort: a 503 because the database is
// down cannot be recorded in that database, and must not fail the response either. Every
// answered request is also counted per minute (request-counts.ts, buffered: no write per request).
import type { RequestHandler } from "express";
import type { AppContext } from "../context.ts";
import { channelByRoute, channelProvider } from "../providers/registry.ts";
import { providerOfSource } from "../providers/catalog.ts";
import { countRequest } from "./request-counts.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Which provider a failed request was about: from the path, or the account it names. */
export async function providerOfPath(ctx: AppContext, path: string): Promise<string | null> {
  const [, api, area, segment] = path.split("/");
  if (api !== "api" || !segment) return null;
  if (area === "webhooks") return providerOfSource(segment);
  if (area !== "integrations") return null;
  if (UUID.test(segment))
    return (
      (await ctx.db.connectedAccount.findUnique({ where: { id: segment }, select: { provider: true } }))?.provider ??
      null
    );
  return channelByRoute(segment)?.id ?? channelProvider(segment)?.id ?? null;
}

export function serverErrorRecorder(ctx: AppContext): RequestHandler {
  return (req, res, next) => {
    res.on("finish", () => {
      countRequest(ctx); // the denominator of the per-minute 5xx series
      if (res.statusCode < 500) return;
      const path = req.originalUrl.split("?")[0]!.slice(0, 200);
      providerOfPath(ctx, path)
        .then((provider) =>
          ctx.db.serverErrorEvent.create({ data: { method: req.method, path, status: res.statusCode, provider } }),
        )
        .catch(() => undefined);
    });
    next();
  };
}
