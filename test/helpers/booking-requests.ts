// The steps of the customer's way to a booking (request → offer → accept) that the booking,
// deposit and calendar suites take again and again, each with its own checks around them:
// a request the artist has offered a slot for, and the offer accepted with its deposit paid
// through Stripe's verified webhook; and the Stripe stand-in with the app to book on.
import { expect } from "vitest";
import { startStripeStandIn, type StripeStandIn } from "../../standins/stripe/index.ts";
import { signedInUser } from "./accounts.ts";
import type { TestApp } from "./app.ts";
import { startBookingApp, type BookableArtist, type BookableOptions } from "./booking.ts";
import type { HttpClient, Res } from "./http.ts";
import { until } from "./realtime.ts";
import type { Track } from "./suite.ts";

export interface RequestDetails {
  idea: string;
  placement: string;
  size: string;
}

/** A new customer's request to `artist`, and the artist's offer of `start` for it with
 *  `serviceId` (plus `offerExtras`, e.g. a title). The offer's response is the caller's to check. */
export async function offeredRequest(
  app: TestApp,
  artist: { client: HttpClient; userId: string },
  serviceId: string,
  start: string,
  request: RequestDetails,
  offerExtras: Record<string, unknown> = {},
): Promise<{ customer: { client: HttpClient; userId: string }; requestId: string; offer: Res }> {
  const customer = await signedInUser(app, { role: "customer" });
  const req = await customer.client.post("/api/bookings/requests", { artistId: artist.userId, ...request });
  const offer = await artist.client.post(`/api/bookings/requests/${req.body.id}/offer`, {
    serviceId,
    slots: [{ start }],
    ...offerExtras,
  });
  return { customer, requestId: req.body.id, offer };
}

/** The customer accepts the offered `start`, which waits for the deposit (a checkout to pay);
 *  Stripe's checkout then completes (the verified webhook), and the customer sees the appointment
 *  confirmed. Returns the appointment's id. */
export async function acceptAndPayDeposit(
  app: TestApp,
  stripe: StripeStandIn,
  customer: { client: HttpClient },
  requestId: string,
  start: string,
): Promise<string> {
  const accepted = await customer.client.post(`/api/bookings/requests/${requestId}/accept`, { start });
  expect(accepted.body).toMatchObject({ status: "pending_deposit", checkoutUrl: expect.any(String) });
  const { appointmentId } = accepted.body;
  const session = stripe.sessions().find((s) => s.metadata.appointmentId === appointmentId)!;
  expect((await stripe.completeCheckout(session.id, `${app.url}/api/webhooks/stripe`)).status).toBe(200);
  await until(
    async () => (await customer.client.get(`/api/bookings/appointments/${appointmentId}`)).body.status === "confirmed",
    5000,
    "the deposit confirmation",
  );
  return appointmentId;
}

/** The Stripe stand-in, and the booking app pointed at it (plus `env`) with an artist bookable
 *  as `opts` says — the start of every deposit suite. */
export async function startDepositBookingApp(
  track: Track,
  opts: BookableOptions,
  env: Record<string, string> = {},
): Promise<{ stripe: StripeStandIn; app: TestApp; artist: BookableArtist }> {
  const stripe = track(await startStripeStandIn());
  return { stripe, ...(await startBookingApp(track, { ...stripe.env(), ...env }, opts)) };
}
