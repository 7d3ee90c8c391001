// POST /api/webhooks/<source>: raw bytes → content type → signature → parse → store once →
// acknowledge → process from the queue. GET /api/webhooks/{facebook,instagram}: Meta's
// verification handshake. Every rejection is counted (aggregated per minute, never a row per
// request: rejections.ts) and counts against the sender's address (rejection-limit.ts).
import express, { Router, type Request, type Response, type NextFunction } from "express";
import type { AppContext } from "../context.ts";
import { HttpError, notFound } from "../http/errors.ts";
import { providerEnv } from "../integrations/accounts.ts";
import { enqueueProcessing } from "./jobs.ts";
import { processAfterAck } from "./inline.ts";
import { allWebhookHandlers, webhookHandler } from "../providers/registry.ts";
import { rejectionLimiter } from "./rejection-limit.ts";
import { recordRejected, rememberSender, type RejectReason } from "./rejections.ts";
import { storeItems } from "./store.ts";
import { WebhookParseError, type WebhookSource, type WebhookSourceHandler } from "../providers/kit/webhook.ts";

/** Node already lower-cases header names and joins repeated ones; only set-cookie stays an array. */
function headersOf(req: Request): Record<string, string | undefined> {
  const h = req.headers;
  if (h["set-cookie"] === undefined) return h as Record<string, string | undefined>;
  return { ...h, "set-cookie": h["set-cookie"].join(",") };
}

export function webhookRoutes(ctx: AppContext): Router {
  const r = Router();
  const limit = (ctx.config.env.WEBHOOK_BODY_LIMIT_KB ?? 512) * 1024;
  const rawParser = express.raw({ type: () => true, limit });
  const limiter = rejectionLimiter(ctx);

  /** Counts the rejection; unsigned ones also count against the sender's address. */
  const reject = async (req: Request, source: WebhookSource, reason: RejectReason, detail: string) => {
    const ip = req.ip ?? "unknown";
    await Promise.all([
      recordRejected(ctx, source, reason, detail, ip),
      reason === "malformed" ? undefined : limiter.penalize(ip),
    ]);
  };

  /** An address over its rejection limit gets the 429 before its body is read or verified. */
  const gate = (source: WebhookSource) => async (req: Request, _res: Response, next: NextFunction) => {
    try {
      await limiter.check(req.ip ?? "unknown");
      next();
    } catch (err) {
      if (err instanceof HttpError && err.status === 429)
        await recordRejected(ctx, source, "rate_limited", "too many rejected deliveries", req.ip);
      next(err);
    }
  };

  /** Raw body, with oversized/aborted bodies recorded as rejections before the 413/400. */
  const rawBody = (source: WebhookSource) => (req: Request, res: Response, next: NextFunction) =>
    rawParser(req, res, (err?: unknown) => {
      if (!err) return next();
      void reject(
        req,
        source,
        (err as { type?: string }).type === "entity.too.large" ? "too_large" : "unreadable",
        String((err as Error).message),
      ).finally(() => next(err));
    });

  // Subscription handshakes (GET on the same path), for the sources whose provider has one.
  for (const handler of allWebhookHandlers()) {
    const { challenge } = handler;
    if (!challenge) continue;
    r.get(`/api/webhooks/${handler.source}`, (req, res) => {
      const answer = challenge(providerEnv(ctx), new URL(req.originalUrl, "http://local").searchParams);
      if (answer !== undefined) return res.status(200).type("text/plain").send(answer);
      res.status(403).json({
        error: {
          code: "WEBHOOK_VERIFY_FAILED",
          message: `The ${handler.source} subscription handshake did not verify (check the verify token).`,
        },
      });
    });
  }

  const receive = (handler: WebhookSourceHandler) => async (req: Request, res: Response) => {
    const source = handler.source;
    const type = (req.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    if (!handler.contentTypes.includes(type)) {
      await reject(req, source, "content_type", type || "none");
      throw new HttpError(
        415,
        "UNSUPPORTED_MEDIA_TYPE",
        `${source} webhooks must be sent as ${handler.contentTypes.join(" or ")}.`,
      );
    }
    const raw = {
      rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
      headers: headersOf(req),
      publicUrl: `${ctx.config.publicUrl}${req.originalUrl}`,
    };
    const env = providerEnv(ctx);
    const verified = await handler.verify(env, raw);
    if (verified.ok) void rememberSender(ctx, source, req.ip);
    else {
      await reject(req, source, "signature", verified.reason);
      throw new HttpError(
        handler.rejectStatus,
        "WEBHOOK_SIGNATURE_INVALID",
        `The ${source} webhook signature is missing or wrong.`,
      );
    }
    let items;
    try {
      items = handler.parse(env, raw);
    } catch (err) {
      if (!(err instanceof WebhookParseError)) throw err;
      await reject(req, source, "malformed", err.message);
      throw new HttpError(400, "WEBHOOK_MALFORMED", err.message);
    }
    // Once the row is in PostgreSQL the event is durable: acknowledge, then queue it. A crash
    // or a Redis outage between the two delays processing (the sweep queues what is still
    // "received" after WEBHOOK_SWEEP_AFTER_SECONDS) but never loses or holds up the event.
    const fresh = await storeItems(ctx, source, items);
    res.status(200).type(handler.ack.contentType).send(handler.ack.body);
    if (ctx.queue.mode === "bullmq") void enqueueProcessing(ctx, source, fresh);
    // No queue: processed after answering (the provider is not kept waiting), in batches.
    if (ctx.queue.mode === "inline") processAfterAck(ctx, fresh);
  };

  r.post("/api/webhooks/twilio/status", (req, res, next) => {
    const handler = webhookHandler("twilio-status");
    if (!handler) return next(notFound("Unknown webhook."));
    const run = (err?: unknown) =>
      err
        ? next(err)
        : rawBody("twilio-status")(req, res, (err2?: unknown) =>
            err2 ? next(err2) : receive(handler)(req, res).catch(next),
          );
    void gate("twilio-status")(req, res, run);
  });
  r.post("/api/webhooks/:source", (req, res, next) => {
    const handler = webhookHandler(String(req.params.source));
    if (!handler) return next(notFound("Unknown webhook."));
    const run = (err?: unknown) =>
      err
        ? next(err)
        : rawBody(handler.source)(req, res, (err2?: unknown) =>
            err2 ? next(err2) : receive(handler)(req, res).catch(next),
          );
    void gate(handler.source)(req, res, run);
  });
  return r;
}
