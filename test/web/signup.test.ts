// A new customer in the browser: signs up, gets the verification mail from the dev outbox,
// opens its link, logs in — and each screen is saved at desktop and phone width.
import { expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { uniqueEmail, type TestApp } from "../helpers/app.ts";
import { PASSWORD } from "../helpers/accounts.ts";
import { webSuite, newContext, POLL, screenshots, textOf } from "./support.ts";

let app: TestApp;
let browser: Browser;
webSuite(
  () => ({ publicUrl: true }),
  (s) => ({ app, browser } = s),
);

it("a customer signs up, verifies from the emailed link, and logs in", async () => {
  const context = await newContext(browser, app);
  const page = await context.newPage();
  const email = uniqueEmail("customer");

  await page.goto("/signup");
  await expect.poll(() => page.title(), POLL).toMatch(/create your tatu account/i);
  await screenshots(page, "signup");
  await page.getByLabel("Name").fill("Casey Customer");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByLabel("I'm looking for an artist").check();
  await page.getByRole("button", { name: "Create account" }).click();
  await expect.poll(() => page.getByTestId("status").innerText(), POLL).toMatch(/check your inbox/i);

  // The mail in the dev outbox, with a link to this app's /verify-email page.
  const outbox = await app.client().get(`/api/dev/outbox?to=${encodeURIComponent(email)}`);
  const link: string = outbox.body.emails[0].links.find((l: string) => l.includes("/verify-email?token="));
  expect(new URL(link).origin).toBe(app.url);
  await page.goto(link);
  await expect.poll(() => page.locator("#verify").getAttribute("data-state"), POLL).toBe("success");
  await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe("Email verified");
  await screenshots(page, "verify-email");

  await page.getByRole("link", { name: "Log in" }).first().click();
  await page.waitForURL(/\/login$/);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("wrong-password-1");
  await page.locator("#login-form").getByRole("button", { name: "Log in" }).click();
  await expect.poll(() => page.getByTestId("status").innerText(), POLL).toMatch(/./); // the API's refusal, shown
  await screenshots(page, "login-error");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.locator("#login-form").getByRole("button", { name: "Log in" }).click();
  await expect.poll(() => textOf(page.getByTestId("signed-in")), POLL).toContain(`${email}, customer`);
  // A customer's navigation: search and their bookings, not the artist's inbox.
  await expect.poll(() => page.getByRole("navigation", { name: "Main" }).innerText()).toMatch(/My bookings/);
  expect(await page.getByRole("navigation", { name: "Main" }).innerText()).not.toMatch(/Inbox/);
  await screenshots(page, "home-customer");

  // The session is real: the API knows this browser.
  const me = await context.request.get("/api/auth/me");
  expect((await me.json()).user).toMatchObject({ email, role: "customer" });
  await context.close();
});
