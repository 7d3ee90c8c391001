// Deposits through Stripe Checkout on the stand-in: the slot is held while the deposit is
// pending, confirmed only by Stripe's verified webhook (never by the browser's return), freed
// when the session expires, and refunded or kept by the artist's cancellation policy.
import { describe, expect, it } from "vitest";
import { DateTime } from "luxon";
import type { StripeStandIn } from "../../standins/stripe/index.ts";
import type { TestApp } from "../helpers/app.ts";
import { until } from "../helpers/realtime.ts";
import type { BookableArtist } from "../helpers/booking.ts";
import { offeredRequest, startDepositBookingApp } from "../helpers/booking-requests.ts";
import { suiteResources } from "../helpers/suite.ts";
import type { HttpClient } from "../helpers/http.ts";

let stripe: StripeStandIn;
let app: TestApp;
let artist: BookableArtist;
let serviceId: string;
const ZONE = "Europe/Berlin";
const day = DateTime.now().setZone(ZONE).plus({ days: 12 }).startOf("day");
const at = (h: number) => day.set({ hour: h }).toUTC().toISO()!;
const webhookUrl = () => `${app.url}/api/webhooks/stripe`;

async function book(start: string): Promise<{
  customer: { client: HttpClient };
  accepted: { appointmentId: string; status: string; checkoutUrl?: string };
}> {
  const { customer, requestId, offer } = await offeredRequest(app, artist, serviceId, start, {
    idea: "Dragon",
    placement: "back",
    size: "30 cm",
  });
  expect(offer.body.depositCents).toBe(5000);
  const accepted = await customer.client.post(`/api/bookings/requests/${requestId}/accept`, { start });
  expect(accepted.status).toBe(201);
  return { customer, accepted: accepted.body };
}
const statusOf = async (id: string) => (await app.ctx.db.appointment.findUniqueOrThrow({ where: { id } })).status;
const sessionFor = (appointmentId: string) =>
  stripe.sessions().find((s) => s.metadata.appointmentId === appointmentId)!;

suiteResources(async (track) => {
  ({ stripe, app, artist } = await startDepositBookingApp(track, {
    zone: ZONE,
    name: "Jo",
    cancelNoticeHours: 48,
    service: { name: "Back piece", durationMinutes: 180, depositCents: 5000 },
  }));
  serviceId = artist.serviceId;
});

describe("Stripe deposits", () => {
  it("holds the slot while the deposit is pending and confirms only on the verified webhook", async () => {
    const { accepted } = await book(at(10));
    expect(accepted).toMatchObject({
      status: "pending_deposit",
      checkoutUrl: expect.stringContaining("/c/pay/cs_test_"),
    });
    const session = sessionFor(accepted.appointmentId);
    expect(session).toMatchObject({ amount_total: 5000, currency: "eur", mode: "payment" });
    // Nobody else can take it meanwhile.
    const avail = await app
      .client()
      .get(
        `/api/artists/${artist.userId}/availability?from=${encodeURIComponent(at(9))}&to=${encodeURIComponent(at(18))}&serviceId=${serviceId}`,
      );
    expect(avail.body.slots.map((s: { start: string }) => new Date(s.start).toISOString())).not.toContain(
      new Date(at(10)).toISOString(),
    );
    // A forged "paid" event changes nothing.
    const forged = await fetch(webhookUrl(), {
      method: "POST",
      headers: { "content-type": "application/json", "stripe-signature": "t=1,v1=deadbeef" },
      body: JSON.stringify({
        id: "evt_forged",
        object: "event",
        type: "checkout.session.completed",
        data: { object: { ...session, payment_status: "paid" } },
      }),
    });
    expect(forged.status).toBe(400);
    expect(await statusOf(accepted.appointmentId)).toBe("pending_deposit");

    expect((await stripe.completeCheckout(session.id, webhookUrl())).status).toBe(200);
    await until(async () => (await statusOf(accepted.appointmentId)) === "confirmed", 5000, "the deposit confirmation");
    const project = await app.ctx.db.project.findFirstOrThrow({
      where: { depositAppointmentId: accepted.appointmentId },
    });
    expect(project.depositStatus).toBe("paid");
  });

  it("frees the slot when the checkout expires unpaid", async () => {
    const { accepted } = await book(at(14));
    expect((await stripe.expireCheckout(sessionFor(accepted.appointmentId).id, webhookUrl())).status).toBe(200);
    await until(async () => (await statusOf(accepted.appointmentId)) === "cancelled", 5000, "the expiry");
    const again = await book(at(14)); // the same time can be booked again
    expect(again.accepted.status).toBe("pending_deposit");
  });

  it("refunds the paid deposit through Stripe when the artist cancels", async () => {
    const paid = await app.ctx.db.appointment.findFirstOrThrow({
      where: { artistId: artist.userId, status: "confirmed" },
    });
    const res = await artist.client.post(`/api/bookings/appointments/${paid.id}/cancel`, { reason: "artist is ill" });
    expect(res.body).toMatchObject({ status: "cancelled", depositOutcome: "refunded" });
    const session = sessionFor(paid.id);
    expect(stripe.refunds()).toEqual([
      expect.objectContaining({ payment_intent: session.payment_intent, amount: 5000 }),
    ]);
    expect((await app.ctx.db.payment.findFirstOrThrow({ where: { appointmentId: paid.id } })).status).toBe("refunded");
  });

  it("keeps the deposit when the customer cancels with less notice than the artist's policy", async () => {
    // Tomorrow 10:00 Berlin is always less than 48 h away.
    const soon = DateTime.now().setZone(ZONE).plus({ days: 1 }).startOf("day").set({ hour: 10 }).toUTC().toISO()!;
    const { customer, accepted } = await book(soon);
    await stripe.completeCheckout(sessionFor(accepted.appointmentId).id, webhookUrl());
    await until(async () => (await statusOf(accepted.appointmentId)) === "confirmed", 5000, "the deposit confirmation");
    const refundsBefore = stripe.refunds().length;
    const res = await customer.client.post(`/api/bookings/appointments/${accepted.appointmentId}/cancel`, {
      reason: "changed my mind",
    });
    expect(res.body).toMatchObject({
      status: "cancelled",
      cancelledBy: "customer",
      depositOutcome: "kept",
      policy: { cancelNoticeHours: 48 },
    });
    expect(res.body.policy.noticeGivenHours).toBeLessThan(48);
    expect(stripe.refunds()).toHaveLength(refundsBefore);
    expect(
      (await app.ctx.db.project.findFirstOrThrow({ where: { depositAppointmentId: accepted.appointmentId } }))
        .depositStatus,
    ).toBe("kept");
  });
});
