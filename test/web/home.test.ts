// The start page after login. An artist sees the setup steps still to do (as links, with
// "To do"/"Done" said in words, not only by a tick), tomorrow's appointment in the studio's
// zone with the customer's name, and the waiting request with its idea shown as text even when
// it contains markup. A customer sees the booking with the artist's name.
import { DateTime } from "luxon";
import type { Browser } from "playwright-core";
import { expect, it } from "vitest";
import { signedInUser } from "../helpers/accounts.ts";
import type { TestApp } from "../helpers/app.ts";
import { bookableArtist, confirmedAppointment } from "../helpers/booking.ts";
import { loggedInPage, POLL, screenshots, textOf, webSuite } from "./support.ts";

let app: TestApp;
let browser: Browser;
webSuite(
  () => ({}),
  (s) => ({ app, browser } = s),
);

const ZONE = "America/Los_Angeles";
const XSS = `<img src=x onerror="window.__xss=1">Koi`;

it("an artist sees what waits for them and what is left to set up; a customer sees their booking", async () => {
  const artist = await bookableArtist(app, { zone: ZONE, name: "Start Page Ink" });
  const start = DateTime.now().setZone(ZONE).plus({ days: 1 }).set({ hour: 11, minute: 0, second: 0, millisecond: 0 });
  const { customer } = await confirmedAppointment(app, artist, start.toUTC().toISO()!, "Swallow");
  const customerId = (await customer.client.get("/api/auth/me")).body.user;
  await app.ctx.db.user.update({ where: { id: customerId.id }, data: { name: "Casey Customer" } });
  const asker = await signedInUser(app, { role: "customer" });
  await app.ctx.db.user.update({ where: { id: asker.userId }, data: { name: "Alex Asker" } });
  await asker.client.post("/api/bookings/requests", {
    artistId: artist.userId,
    idea: XSS,
    placement: "calf",
    size: "15 cm",
  });

  const page = await loggedInPage(browser, app, artist.email);
  await page.goto("/");
  const home = page.getByTestId("artist-home");
  await expect.poll(() => textOf(home), POLL).toMatch(/Get your studio ready \(3 of 6 done\)/);
  // Steps left are links to where they are done; the state is in words for screen readers.
  const location = page.locator('[data-step="profile"]');
  const words = async (l: typeof location) => ((await l.textContent()) ?? "").replace(/\s+/g, " ");
  expect(await words(location)).toMatch(/To do: Fill in your profile/);
  expect(await location.getByRole("link").getAttribute("href")).toBe("/profile");
  expect(await words(page.locator('[data-step="verify-email"]'))).toMatch(/Done: Verify your email/);

  const appt = page.getByTestId("home-appointment");
  expect(await appt.innerText()).toMatch(/11:00.*Casey Customer/);
  expect(await textOf(page.getByTestId("requests-waiting"))).toMatch(/1 booking request to answer/);
  // The customer's idea is text, never markup.
  expect(await page.getByTestId("home-request").innerText()).toContain(`Alex Asker: ${XSS}`);
  expect(await page.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();
  await screenshots(page, "home-artist");

  const customerPage = await loggedInPage(browser, app, (await customer.client.get("/api/auth/me")).body.user.email);
  await customerPage.goto("/");
  const booking = customerPage.getByTestId("home-booking");
  await expect.poll(() => textOf(booking), POLL).toMatch(/with Start Page Ink/);
  expect(await booking.getByRole("link").getAttribute("href")).toBe(`/artists/${artist.userId}`);
  await screenshots(customerPage, "home-customer");
});
