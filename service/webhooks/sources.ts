// Every webhook source Tatu accepts, by the URL segment of POST /api/webhooks/<source>.
import { stripeWebhook } from "./stripe.ts";
import type { WebhookSource, WebhookSourceHandler } from "./types.ts";

export const webhookHandlers: Partial<Record<WebhookSource, WebhookSourceHandler>> = {
  stripe: stripeWebhook,
};

export function webhookHandler(source: string): WebhookSourceHandler | undefined {
  return Object.hasOwn(webhookHandlers, source) ? webhookHandlers[source as WebhookSource] : undefined;
}

/** The provider a source's events count under in the metrics. */
export function providerOfSource(source: string): string {
  return source === "twilio-status" ? "twilio" : source;
}
