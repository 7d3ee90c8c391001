// "Pay the deposit" again: a customer who left Stripe's checkout before paying gets the same
// checkout back while Stripe still takes payment on it. Once it expired the slot is released
// (the checkout.session.expired webhook cancels the appointment) and the answer says why.
import type { AppContext } from "../context.ts";
import { HttpError, notFound } from "../http/errors.ts";
import { openCheckoutUrl } from "../payments/stripe.ts";

export async function resumeCheckout(
  ctx: AppContext,
  customerId: string,
  appointmentId: string,
): Promise<{ checkoutUrl: string }> {
  // Only the customer pays: to anyone else the appointment does not exist here.
  const a = await ctx.db.appointment.findFirst({ where: { id: appointmentId, customerId } });
  if (!a) throw notFound("Appointment not found.");
  if (a.status === "cancelled")
    throw new HttpError(
      409,
      "SLOT_RELEASED",
      `This booking was cancelled${a.cancelReason ? `: ${a.cancelReason}` : "."} Ask the artist for a new time.`,
    );
  if (a.status !== "pending_deposit")
    throw new HttpError(
      409,
      "DEPOSIT_NOT_DUE",
      "There is no deposit to pay for this booking: it is already confirmed.",
    );
  const payment = await ctx.db.payment.findFirst({
    where: { appointmentId: a.id, status: "open" },
    orderBy: { createdAt: "desc" },
  });
  const url = payment ? await openCheckoutUrl(ctx, payment.stripeCheckoutSessionId) : undefined;
  if (!url)
    throw new HttpError(
      409,
      "CHECKOUT_EXPIRED",
      "The checkout for this deposit has expired, so the time is being released. Ask the artist for a new time.",
    );
  return { checkoutUrl: url };
}
