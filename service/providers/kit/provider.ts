// What a provider folder's index.ts exports by default: one provider (or several, as meta/ does
// for Facebook and Instagram), its kind-specific contract plus the webhook sources it handles.
import type { CalendarProvider } from "./calendar.ts";
import type { ChannelProvider } from "./channel.ts";
import type { ProviderMeta } from "./meta.ts";
import type { WebhookSourceHandler } from "./webhook.ts";

/** Payments have no account of their own here: the webhook is their whole integration. */
export interface PaymentsProvider extends ProviderMeta {
  readonly kind: "payments";
}

export type ProviderDefinition = (ChannelProvider | CalendarProvider | PaymentsProvider) & {
  /** Handlers of the sources its meta.ts lists in webhookSources. */
  readonly webhooks?: readonly WebhookSourceHandler[];
};
