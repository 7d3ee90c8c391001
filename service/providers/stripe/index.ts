// Stripe: deposits are paid through Checkout (service/payments/stripe.ts); the signed webhook
// is the only thing that confirms them.
import type { ProviderDefinition } from "../kit/provider.ts";
import meta from "./meta.ts";
import { stripeWebhook } from "./webhook.ts";

const stripeProvider: ProviderDefinition = { ...meta, webhooks: [stripeWebhook] };

export default stripeProvider;
