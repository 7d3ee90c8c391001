// Stripe webhooks: `Stripe-Signature` verified by the official SDK (5-minute tolerance) over
// the raw bytes; each event is stored once by its `evt_…` id. Features (deposits, in the
// booking issue) subscribe to event types with onStripeEvent.
import type Stripe from "stripe";
import type { AppContext } from "../../context.ts";
import { type WebhookSourceHandler, WebhookParseError } from "../kit/webhook.ts";
import { stripeSdk } from "./sdk.ts";

export const STRIPE_TOLERANCE_SEC = 300;

type StripeHandler = (ctx: AppContext, event: Stripe.Event) => Promise<void>;
const handlers = new Map<string, StripeHandler[]>();

export function onStripeEvent(type: string, handler: StripeHandler): void {
  handlers.set(type, [...(handlers.get(type) ?? []), handler]);
}

export function stripeHandlers(type: string): StripeHandler[] {
  return handlers.get(type) ?? [];
}

export const stripeWebhook: WebhookSourceHandler = {
  source: "stripe",
  contentTypes: ["application/json"],
  rejectStatus: 400,
  ack: { contentType: "application/json", body: JSON.stringify({ received: true }) },
  verify(env, req) {
    const secret = env.config.env.STRIPE_WEBHOOK_SECRET;
    if (!secret) return { ok: false, reason: "STRIPE_WEBHOOK_SECRET is not configured" };
    const header = req.headers["stripe-signature"];
    if (!header) return { ok: false, reason: "missing Stripe-Signature" };
    try {
      // The signature alone (constructEvent would also parse, and a malformed body is a 400 of its own).
      stripeSdk().webhooks.signature!.verifyHeader(req.rawBody, header, secret, STRIPE_TOLERANCE_SEC);
      return { ok: true };
    } catch (err) {
      // The SDK says whether the timestamp is outside the tolerance or the signature is wrong.
      return {
        ok: false,
        reason: /timestamp/i.test((err as Error).message)
          ? "stale Stripe-Signature timestamp"
          : "Stripe-Signature does not match",
      };
    }
  },
  parse(_env, req) {
    let event: { id?: unknown; type?: unknown; object?: unknown };
    try {
      event = JSON.parse(req.rawBody.toString("utf8"));
    } catch {
      throw new WebhookParseError("The body is not valid JSON.");
    }
    if (typeof event?.id !== "string" || typeof event.type !== "string" || event.object !== "event")
      throw new WebhookParseError('Not a Stripe event (id, type and object:"event" are required).');
    return [{ eventId: event.id, eventType: event.type, payload: event }];
  },
};
