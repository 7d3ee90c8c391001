// A client's sessions on their record carry the deposit and what became of it: paid through
// Stripe's verified webhook, then refunded when the artist cancels (their policy: the artist
// cancelling always refunds) — the record says so, next to the project's title.
import { DateTime } from "luxon";
import { expect, it } from "vitest";
import type { StripeStandIn } from "../../standins/stripe/index.ts";
import type { TestApp } from "../helpers/app.ts";
import { acceptAndPayDeposit, offeredRequest, startDepositBookingApp } from "../helpers/booking-requests.ts";
import type { BookableArtist } from "../helpers/booking.ts";
import { suiteResources } from "../helpers/suite.ts";

let stripe: StripeStandIn;
let app: TestApp;
let artist: BookableArtist;
const ZONE = "Europe/Berlin";

suiteResources(async (track) => {
  ({ stripe, app, artist } = await startDepositBookingApp(track, {
    zone: ZONE,
    cancelNoticeHours: 48,
    service: { name: "Half day", durationMinutes: 180, depositCents: 5000 },
  }));
});

it("a session shows its deposit paid, then refunded and cancelled by the artist", async () => {
  const start = DateTime.now().setZone(ZONE).plus({ days: 6 }).startOf("day").set({ hour: 11 }).toUTC().toISO()!;
  const { customer, requestId } = await offeredRequest(
    app,
    artist,
    artist.serviceId,
    start,
    { idea: "Koi and waves", placement: "back", size: "30 cm" },
    { title: "Koi back piece" },
  );
  const appointmentId = await acceptAndPayDeposit(app, stripe, customer, requestId, start);

  const paid = await artist.client.get(`/api/clients/${customer.userId}`);
  expect(paid.body.sessions).toEqual([
    expect.objectContaining({
      id: appointmentId,
      status: "confirmed",
      title: "Koi back piece",
      requestId,
      deposit: { cents: 5000, currency: "eur", status: "paid", outcome: null },
    }),
  ]);
  expect(paid.body.requests[0].project).toMatchObject({ title: "Koi back piece", depositStatus: "paid" });

  const cancelled = await artist.client.post(`/api/bookings/appointments/${appointmentId}/cancel`, { reason: "Ill" });
  expect(cancelled.body).toMatchObject({ status: "cancelled", depositOutcome: "refunded" });
  const after = await artist.client.get(`/api/clients/${customer.userId}`);
  expect(after.body.sessions[0]).toMatchObject({
    status: "cancelled",
    cancelledBy: "artist",
    cancelReason: "Ill",
    deposit: { cents: 5000, status: "refunded", outcome: "refunded" },
  });
});
