// Every webhook source Tatu accepts, by the URL segment of POST /api/webhooks/<source>.
import { facebookWebhook, instagramWebhook } from "../providers/meta/webhook.ts";
import { twilioInboundWebhook, twilioStatusWebhook } from "../providers/twilio/webhook.ts";
import { stripeWebhook } from "./stripe.ts";
import type { WebhookSource, WebhookSourceHandler } from "../providers/kit/webhook.ts";

export const webhookHandlers: Partial<Record<WebhookSource, WebhookSourceHandler>> = {
  facebook: facebookWebhook,
  instagram: instagramWebhook,
  twilio: twilioInboundWebhook,
  "twilio-status": twilioStatusWebhook,
  stripe: stripeWebhook,
};

export function webhookHandler(source: string): WebhookSourceHandler | undefined {
  return Object.hasOwn(webhookHandlers, source) ? webhookHandlers[source as WebhookSource] : undefined;
}

/** The provider a source's events count under in the metrics. */
export function providerOfSource(source: string): string {
  return source === "twilio-status" ? "twilio" : source;
}
