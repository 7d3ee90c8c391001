// /bookings/:id, where Stripe's checkout sends the customer back. Leaving the checkout shows
// the held time and "Pay the deposit", which opens the same checkout again; coming back after
// paying waits for Stripe's webhook and then says the booking is confirmed. Someone else's or a
// missing booking says so instead of "Page not found".
import { DateTime } from "luxon";
import type { Browser } from "playwright-core";
import { expect, it } from "vitest";
import { startStripeStandIn, type StripeStandIn } from "../../standins/stripe/index.ts";
import { signedInUser } from "../helpers/accounts.ts";
import type { TestApp } from "../helpers/app.ts";
import { bookableArtist } from "../helpers/booking.ts";
import { offeredRequest } from "../helpers/booking-requests.ts";
import { loggedInPage, POLL, screenshots, textOf, webSuite } from "./support.ts";

let app: TestApp;
let browser: Browser;
let stripe: StripeStandIn;
webSuite(
  async (track) => {
    stripe = track(await startStripeStandIn());
    return { env: stripe.env(), publicUrl: true };
  },
  (s) => ({ app, browser } = s),
);

const ZONE = "Europe/Berlin";

it("the return from Stripe's checkout lands on the booking: pay again after leaving, confirmed after paying", async () => {
  const artist = await bookableArtist(app, {
    zone: ZONE,
    name: "Return Ink",
    service: { name: "Half day", durationMinutes: 180, depositCents: 6000 },
  });
  const start = DateTime.now()
    .setZone(ZONE)
    .plus({ days: 10 })
    .set({ hour: 11, minute: 0, second: 0 })
    .toUTC()
    .toISO()!;
  const { customer, requestId } = await offeredRequest(app, artist, artist.serviceId, start, {
    idea: "Peony",
    placement: "thigh",
    size: "20 cm",
  });
  const accepted = await customer.client.post(`/api/bookings/requests/${requestId}/accept`, { start });
  const { appointmentId, checkoutUrl } = accepted.body;
  const email = (await customer.client.get("/api/auth/me")).body.user.email;
  const page = await loggedInPage(browser, app, email);

  // Back from the checkout without paying: the time is held, and the same checkout opens again.
  await page.goto(`/bookings/${appointmentId}?deposit=cancelled`);
  await expect.poll(() => textOf(page.getByTestId("deposit-return")), POLL).toMatch(/left the checkout before paying/);
  expect(await textOf(page.getByTestId("booking"))).toMatch(/Return Ink/);
  await screenshots(page, "booking-deposit-cancelled");
  await Promise.all([
    page.waitForURL((u) => u.href === checkoutUrl, { timeout: POLL.timeout }),
    page.getByRole("button", { name: "Pay the deposit" }).click(),
  ]);

  // Paid: Stripe's webhook confirms it, and the page that Stripe returns to says so.
  const session = stripe.sessions().find((s) => s.metadata.appointmentId === appointmentId)!;
  await page.goto(`/bookings/${appointmentId}?deposit=success&session_id=${session.id}`);
  await expect.poll(() => textOf(page.getByTestId("deposit-return")), POLL).toMatch(/Waiting for Stripe|confirmed/);
  expect((await stripe.completeCheckout(session.id, `${app.url}/api/webhooks/stripe`)).status).toBe(200);
  await expect
    .poll(() => textOf(page.getByTestId("deposit-return")), POLL)
    .toBe("Your deposit is paid: the booking is confirmed.");
  expect(await page.getByRole("button", { name: "Pay the deposit" }).count()).toBe(0);
  await screenshots(page, "booking-deposit-paid");

  // Another customer opening the link, or a booking that does not exist: said plainly.
  const other = await signedInUser(app, { role: "customer" });
  const otherPage = await loggedInPage(browser, app, other.email);
  await otherPage.goto(`/bookings/${appointmentId}`);
  await expect
    .poll(() => textOf(otherPage.getByTestId("booking-missing")), POLL)
    .toMatch(/does not exist, or it is not yours/);
});
