// The Stripe SDK, required at its first use (a webhook to verify, a Checkout to create) rather
// than when the registry loads. Its CommonJS build: one copy for verification and payments.
import type Stripe from "stripe";
import { requireOnFirstUse } from "../kit/lazy-sdk.ts";

export const stripeSdk = requireOnFirstUse<typeof Stripe>("stripe");
