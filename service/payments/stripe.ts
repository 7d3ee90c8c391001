// Deposits through Stripe Checkout (official SDK). A deposit is confirmed only by the verified
// `checkout.session.completed` webhook — never by the browser coming back to success_url.
import type Stripe from "stripe";
import type { AppContext } from "../context.ts";
import { HttpError } from "../http/errors.ts";
import { stripeSdk } from "../providers/stripe/sdk.ts";

export function stripeClient(ctx: AppContext): Stripe | undefined {
  const key = ctx.config.env.STRIPE_SECRET_KEY;
  if (!key) return undefined;
  const base = ctx.config.env.STRIPE_API_BASE_URL ? new URL(ctx.config.env.STRIPE_API_BASE_URL) : undefined;
  return new (stripeSdk())(key, {
    maxNetworkRetries: 2,
    timeout: 20_000,
    ...(base
      ? {
          host: base.hostname,
          port: Number(base.port || (base.protocol === "https:" ? 443 : 80)),
          protocol: base.protocol.replace(":", "") as "http" | "https",
        }
      : {}),
  });
}

export interface DepositCheckout {
  sessionId: string;
  url: string;
}

export async function createDepositCheckout(
  ctx: AppContext,
  p: {
    projectId: string;
    appointmentId: string;
    amountCents: number;
    currency: string;
    title: string;
    customerEmail: string;
  },
): Promise<DepositCheckout> {
  const stripe = stripeClient(ctx);
  if (!stripe)
    throw new HttpError(
      503,
      "PAYMENTS_UNAVAILABLE",
      "Deposits are not set up on this server (STRIPE_SECRET_KEY is missing).",
    );
  const base = ctx.config.publicUrl;
  const session = await stripe.checkout.sessions.create(
    {
      mode: "payment",
      customer_email: p.customerEmail,
      client_reference_id: p.appointmentId,
      metadata: { projectId: p.projectId, appointmentId: p.appointmentId },
      payment_intent_data: { metadata: { projectId: p.projectId, appointmentId: p.appointmentId } },
      line_items: [
        {
          quantity: 1,
          price_data: {
            currency: p.currency,
            unit_amount: p.amountCents,
            product_data: { name: `Deposit — ${p.title}` },
          },
        },
      ],
      success_url: `${base}/bookings/${p.appointmentId}?deposit=success&session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${base}/bookings/${p.appointmentId}?deposit=cancelled`,
      // Unpaid sessions free the slot again when they expire (checkout.session.expired).
      expires_at: Math.floor(Date.now() / 1000) + 60 * 60,
    },
    { idempotencyKey: `deposit-${p.appointmentId}` },
  );
  await ctx.db.payment.create({
    data: {
      projectId: p.projectId,
      appointmentId: p.appointmentId,
      stripeCheckoutSessionId: session.id,
      amountCents: p.amountCents,
      currency: p.currency,
    },
  });
  return { sessionId: session.id, url: session.url ?? "" };
}

export async function refundDeposit(ctx: AppContext, paymentIntentId: string, reason: string): Promise<string> {
  const stripe = stripeClient(ctx);
  if (!stripe) throw new HttpError(503, "PAYMENTS_UNAVAILABLE", "Refunds need STRIPE_SECRET_KEY.");
  const refund = await stripe.refunds.create(
    { payment_intent: paymentIntentId, metadata: { reason: reason.slice(0, 200) } },
    { idempotencyKey: `refund-${paymentIntentId}` },
  );
  return refund.id;
}

/** The checkout a customer left before paying, if Stripe still takes payment on it (it expires
 *  an hour after the accept; then the slot is released by the `checkout.session.expired` webhook). */
export async function openCheckoutUrl(ctx: AppContext, checkoutSessionId: string): Promise<string | undefined> {
  const stripe = stripeClient(ctx);
  if (!stripe) throw new HttpError(503, "PAYMENTS_UNAVAILABLE", "Deposits are not set up on this server.");
  const session = await stripe.checkout.sessions.retrieve(checkoutSessionId);
  const open = session.status === "open" && (session.expires_at ?? 0) * 1000 > Date.now();
  return open ? (session.url ?? undefined) : undefined;
}
