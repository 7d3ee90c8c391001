import { defineMeta } from "../kit/meta.ts";

/** Deposits: Checkout sessions and the verified webhook that confirms them. */
export default defineMeta({
  id: "stripe",
  order: 210,
  label: "Stripe",
  kind: "payments",
  requiredEnv: ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"],
  webhookSources: ["stripe"],
});
