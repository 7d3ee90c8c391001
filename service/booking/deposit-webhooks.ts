// Deposits, confirmed only by Stripe's verified webhook: a paid checkout confirms its
// appointment, an expired one releases the held time. Listed in jobs/catalog.ts with the rest of
// what the queue runs, so every process that processes webhooks — the API host, `npm run
// worker`, the Vercel function — has them (nothing registers itself by being imported: a worker
// that never loaded the booking routes used to mark paid deposits "ignored").
import type Stripe from "stripe";
import type { AppContext } from "../context.ts";
import { kickNotifications, recordNotifications } from "../notifications/index.ts";
import { appointmentChanged } from "./events.ts";

async function depositPaid(ctx: AppContext, event: Stripe.Event): Promise<void> {
  const session = event.data.object as { id: string; payment_intent?: string | null; payment_status?: string };
  const payment = await ctx.db.payment.findUnique({ where: { stripeCheckoutSessionId: session.id } });
  if (!payment || payment.status === "paid" || session.payment_status !== "paid") return;
  await ctx.db.$transaction(async (tx) => {
    await tx.payment.update({
      where: { id: payment.id },
      data: { status: "paid", stripePaymentIntentId: session.payment_intent ?? null },
    });
    await tx.project.update({ where: { id: payment.projectId }, data: { depositStatus: "paid" } });
    const confirmed = await tx.appointment.updateMany({
      where: { id: payment.appointmentId ?? "", status: "pending_deposit" },
      data: { status: "confirmed" },
    });
    // The deposit pays for the appointment as it stands now: the start the policy measures from.
    await tx.$executeRaw`UPDATE "Appointment" SET "policyStart" = start WHERE id = ${payment.appointmentId ?? null}::uuid`;
    // Keyed by payment and appointment: a replayed webhook records nothing new.
    if (payment.appointmentId) {
      await recordNotifications(ctx, tx, {
        type: "deposit_paid",
        appointmentId: payment.appointmentId,
        paymentId: payment.id,
      });
      if (confirmed.count)
        await recordNotifications(ctx, tx, { type: "booking_confirmed", appointmentId: payment.appointmentId });
    }
  });
  kickNotifications(ctx);
  if (payment.appointmentId) await appointmentChanged(ctx, payment.appointmentId, "confirmed");
}

async function checkoutExpired(ctx: AppContext, event: Stripe.Event): Promise<void> {
  const session = event.data.object as { id: string };
  const payment = await ctx.db.payment.findUnique({ where: { stripeCheckoutSessionId: session.id } });
  if (!payment || payment.status !== "open") return;
  const freed = await ctx.db.$transaction(async (tx) => {
    await tx.payment.update({ where: { id: payment.id }, data: { status: "expired" } });
    await tx.project.update({ where: { id: payment.projectId }, data: { depositStatus: "none" } });
    const freed = await tx.appointment.updateMany({
      where: { id: payment.appointmentId ?? "", status: "pending_deposit" },
      data: { status: "cancelled", cancelledBy: "system", cancelReason: "The deposit was not paid in time." },
    });
    if (freed.count && payment.appointmentId)
      await recordNotifications(ctx, tx, { type: "cancelled", appointmentId: payment.appointmentId });
    return freed;
  });
  kickNotifications(ctx);
  if (freed.count && payment.appointmentId) await appointmentChanged(ctx, payment.appointmentId, "cancelled");
}

export const depositStripeEvents = [
  ["checkout.session.completed", depositPaid],
  ["checkout.session.expired", checkoutExpired],
] as const;
