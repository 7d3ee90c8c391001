// "Pay the deposit" again: POST /api/bookings/appointments/:id/checkout gives the customer who
// left Stripe's checkout the same checkout back while it is open; once paid there is nothing to
// pay (409 DEPOSIT_NOT_DUE), once expired the slot is released and the answer says why (409
// SLOT_RELEASED). Only the customer: the artist and anyone else get 404.
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import type { StripeStandIn } from "../../standins/stripe/index.ts";
import { signedInUser } from "../helpers/accounts.ts";
import type { TestApp } from "../helpers/app.ts";
import type { BookableArtist } from "../helpers/booking.ts";
import { offeredRequest, startDepositBookingApp } from "../helpers/booking-requests.ts";
import { until } from "../helpers/realtime.ts";
import { suiteResources } from "../helpers/suite.ts";

let stripe: StripeStandIn;
let app: TestApp;
let artist: BookableArtist;
const ZONE = "Europe/Berlin";
const day = DateTime.now().setZone(ZONE).plus({ days: 9 }).startOf("day");
const at = (h: number) => day.set({ hour: h }).toUTC().toISO()!;

suiteResources(async (track) => {
  ({ stripe, app, artist } = await startDepositBookingApp(track, {
    zone: ZONE,
    service: { name: "Sleeve day", durationMinutes: 120, depositCents: 8000 },
  }));
});

async function pendingDeposit(start: string) {
  const { customer, requestId } = await offeredRequest(app, artist, artist.serviceId, start, {
    idea: "Sleeve",
    placement: "arm",
    size: "full",
  });
  const accepted = await customer.client.post(`/api/bookings/requests/${requestId}/accept`, { start });
  expect(accepted.body.status).toBe("pending_deposit");
  return { customer, appointmentId: accepted.body.appointmentId as string, checkoutUrl: accepted.body.checkoutUrl };
}
const sessionFor = (appointmentId: string) =>
  stripe.sessions().find((s) => s.metadata.appointmentId === appointmentId)!;

describe("POST /api/bookings/appointments/:id/checkout", () => {
  it("gives the customer the open checkout again; the artist and strangers get 404; once paid there is nothing to pay", async () => {
    const { customer, appointmentId, checkoutUrl } = await pendingDeposit(at(10));
    const again = await customer.client.post(`/api/bookings/appointments/${appointmentId}/checkout`);
    expect(again.status, again.text).toBe(200);
    expect(again.body).toEqual({ checkoutUrl });
    expect((await artist.client.post(`/api/bookings/appointments/${appointmentId}/checkout`)).status).toBe(404);
    const stranger = await signedInUser(app, { role: "customer" });
    expect((await stranger.client.post(`/api/bookings/appointments/${appointmentId}/checkout`)).status).toBe(404);
    expect((await customer.client.post("/api/bookings/appointments/not-an-id/checkout")).status).toBe(404);

    expect((await stripe.completeCheckout(sessionFor(appointmentId).id, `${app.url}/api/webhooks/stripe`)).status).toBe(
      200,
    );
    await until(
      async () =>
        (await app.ctx.db.appointment.findUniqueOrThrow({ where: { id: appointmentId } })).status === "confirmed",
      5000,
      "the deposit confirmation",
    );
    const paid = await customer.client.post(`/api/bookings/appointments/${appointmentId}/checkout`);
    expect(paid.status).toBe(409);
    expect(paid.body.error).toMatchObject({
      code: "DEPOSIT_NOT_DUE",
      message: expect.stringMatching(/already confirmed/),
    });
  });

  it("after the checkout expired the slot is released and the answer says why", async () => {
    const { customer, appointmentId } = await pendingDeposit(at(14));
    expect((await stripe.expireCheckout(sessionFor(appointmentId).id, `${app.url}/api/webhooks/stripe`)).status).toBe(
      200,
    );
    await until(
      async () =>
        (await app.ctx.db.appointment.findUniqueOrThrow({ where: { id: appointmentId } })).status === "cancelled",
      5000,
      "the release",
    );
    const gone = await customer.client.post(`/api/bookings/appointments/${appointmentId}/checkout`);
    expect(gone.status).toBe(409);
    expect(gone.body.error).toMatchObject({
      code: "SLOT_RELEASED",
      message: expect.stringMatching(/cancelled: The deposit was not paid in time\. Ask the artist for a new time\./),
    });
  });
});
