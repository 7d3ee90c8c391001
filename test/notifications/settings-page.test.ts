// The notification settings page in Chromium: a text without a number is refused next to its
// row, switching every channel of a transactional notification off is refused, and a number
// plus a ticked box is saved (the API then reports it).
import { expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { startTwilioStandIn } from "../../standins/twilio/index.ts";
import type { TestApp } from "../helpers/app.ts";
import { signedInUser } from "../helpers/accounts.ts";
import { loggedInPage, POLL, screenshots, textOf, webSuite } from "../web/support.ts";

let app: TestApp;
let browser: Browser;
webSuite(
  async (track) => ({ env: track(await startTwilioStandIn()).env() }),
  (s) => ({ app, browser } = s),
);

it("a customer chooses texts for confirmed bookings and keeps cancellations reachable", async () => {
  const me = await signedInUser(app, { role: "customer" });
  const page = await loggedInPage(browser, app, me.email);
  await page.goto("/account/notifications");
  const form = page.locator("#notifications-form");
  await expect.poll(() => form.isVisible(), POLL).toBe(true);
  await screenshots(page, "notification-settings");

  await form.getByLabel("Booking confirmed by text").check();
  await form.getByRole("button", { name: "Save" }).click();
  const row = (kind: string) => textOf(form.locator(`tr[data-kind="${kind}"]`));
  await expect.poll(() => row("booking_confirmed"), POLL).toContain("Add a phone number to get texts.");

  await form.getByLabel("Appointment cancelled by email").uncheck();
  await form.getByLabel(/Mobile number/).fill("+4915112345678");
  await form.getByRole("button", { name: "Save" }).click();
  await expect
    .poll(() => row("cancelled"), POLL)
    .toContain("Appointment cancelled cannot be switched off: keep email or texts on.");
  await screenshots(page, "notification-settings-refused");

  await form.getByLabel("Appointment cancelled by email").check();
  await form.getByRole("button", { name: "Save" }).click();
  await expect.poll(() => textOf(page.getByRole("status").first()), POLL).toContain("Saved.");
  const saved = (await me.client.get("/api/notifications/preferences")).body;
  expect(saved.phone).toBe("+4915112345678");
  expect(saved.kinds.find((k: { kind: string }) => k.kind === "booking_confirmed")).toMatchObject({
    email: true,
    sms: true,
  });
});
