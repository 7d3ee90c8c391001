// The signup smoke checklist in a real browser: sign up, verify from the email link,
// log in, the unverified guidance with a working "Resend verification", log out; forgot/reset
// password from the emailed link; change password and sign out everywhere on the account page.
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launchBrowser } from "../helpers/browser.ts";
import { startTestApp, uniqueEmail, type TestApp } from "../helpers/app.ts";
import { anotherSession, latestResetToken, latestVerificationToken, PASSWORD } from "../helpers/accounts.ts";

const NEW_PASSWORD = "a-fresh-secret-7";

let app: TestApp;
// Signup hashes with scrypt and pages poll the API: give a busy machine seconds, not the default 1 s.
const POLL = { timeout: 15_000 };
let browser: Browser;
beforeAll(async () => {
  app = await startTestApp();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

async function newPage(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 375, height: 740 } });
  page.setDefaultTimeout(10_000);
  return page;
}

async function signUp(page: Page, email: string, role: "artist" | "customer" = "customer") {
  await page.goto(`${app.url}/signup`);
  await page.getByLabel("Name").fill("Browser Bea");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.locator(`#signup-role-${role}`).check();
  await page.locator("#signup-form [type=submit]").click();
  await expect.poll(() => page.locator("[data-testid=status]").innerText(), POLL).toMatch(/check your inbox/i);
}

/** Signs up and opens the emailed verification link. */
async function signUpVerified(page: Page, email: string) {
  await signUp(page, email);
  await page.goto(`${app.url}/verify-email?token=${await latestVerificationToken(app, email)}`);
  await expect.poll(() => page.locator("#verify").getAttribute("data-state"), POLL).toBe("success");
}

/** Logs in on the login page and waits for the signed-in header. */
async function logIn(page: Page, email: string, password = PASSWORD) {
  await page.goto(`${app.url}/login`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.locator("#login-form [type=submit]").click();
  await expect
    .poll(
      () =>
        page
          .locator("[data-testid=signed-in]")
          .innerText()
          .catch(() => ""),
      POLL,
    )
    .toContain(email);
}

it("signs up, verifies from the email link, logs in and out", async () => {
  const page = await newPage();
  const email = uniqueEmail("web");
  await signUp(page, email);

  const token = await latestVerificationToken(app, email);
  await page.goto(`${app.url}/verify-email?token=${token}`);
  await expect.poll(() => page.locator("#verify").getAttribute("data-state"), POLL).toBe("success");
  expect(await page.locator("main").innerText()).toMatch(/email verified/i);

  // The same link again: a clear failure state, not a crash.
  await page.goto(`${app.url}/verify-email?token=${token}`);
  await expect.poll(() => page.locator("#verify").getAttribute("data-state"), POLL).toBe("error");
  expect(await page.locator("main").innerText()).toMatch(/already been used/);

  await logIn(page, email);

  await page.locator("#logout").click();
  await expect.poll(() => page.locator("[data-testid=signed-in]").count(), POLL).toBe(0);
  expect((await app.client().get("/api/auth/me")).status).toBe(401);
  await page.close();
});

it("shows field errors from the API next to the fields", async () => {
  const page = await newPage();
  await page.goto(`${app.url}/signup`);
  await page.getByLabel("Email").fill("not-an-email");
  await page.getByLabel("Password").fill("short");
  await page.locator("#signup-form [type=submit]").click();
  await expect.poll(() => page.locator("#signup-email-error").innerText(), POLL).toMatch(/valid email/);
  expect(await page.locator("#signup-password-error").innerText()).toMatch(/at least 8/);
  expect(await page.locator("#signup-name-error").innerText()).toMatch(/required/);
  expect(await page.locator("#signup-email").getAttribute("aria-invalid")).toBe("true");
  await page.close();
});

it("guides an unverified user to verify, with a working Resend verification button", async () => {
  const page = await newPage();
  const email = uniqueEmail("unverified");
  await signUp(page, email, "artist");
  const first = await latestVerificationToken(app, email);

  await page.goto(`${app.url}/login`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.locator("#login-form [type=submit]").click();
  await expect.poll(() => page.locator("[data-testid=status]").innerText(), POLL).toMatch(/verify your email/i);

  await page.locator("#resend-verification").click();
  await expect.poll(() => page.locator("[data-testid=status]").innerText(), POLL).toMatch(/new link is on its way/);
  const second = await latestVerificationToken(app, email);
  expect(second).not.toBe(first);
  await page.close();
});

it("recovers a forgotten password from the login page through the emailed link", async () => {
  const page = await newPage();
  const email = uniqueEmail("forgot");
  await signUpVerified(page, email);

  await page.goto(`${app.url}/login`);
  await page.locator("#forgot-password-link").click();
  await page.waitForURL(/\/forgot-password$/);
  await page.getByLabel("Email").fill(email);
  await page.locator("#forgot-form [type=submit]").click();
  await expect.poll(() => page.locator("[data-testid=status]").innerText(), POLL).toMatch(/on its way/i);

  const token = await latestResetToken(app, email);
  await page.goto(`${app.url}/reset-password?token=${token}`);
  await page.getByLabel("New password", { exact: true }).fill("short");
  await page.locator("#reset-form [type=submit]").click();
  await expect.poll(() => page.locator("#reset-password-error").innerText(), POLL).toMatch(/at least 8/);
  await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
  await page.locator("#reset-form [type=submit]").click();
  await expect
    .poll(
      () =>
        page
          .locator("#reset")
          .getAttribute("data-state")
          .catch(() => null),
      POLL,
    )
    .toBe("success");

  await page.locator("#reset").getByRole("link", { name: "Log in" }).click();
  await page.waitForURL(/\/login$/);
  await logIn(page, email, NEW_PASSWORD);
  // The link worked once.
  expect(
    (await app.client().post("/api/auth/reset-password", { token, password: "yet-another-5" })).body.error.code,
  ).toBe("TOKEN_USED");
  await page.close();
});

it("changes the password and signs out everywhere from the account page", async () => {
  const page = await newPage();
  const email = uniqueEmail("account");
  await signUpVerified(page, email);
  await logIn(page, email);
  // A second device of the same user.
  const other = await anotherSession(app, email);

  await page.getByRole("button", { name: "Menu" }).click(); // a phone-width page: the menu is folded
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Account" }).click();
  await page.waitForURL(/\/account$/);
  await expect.poll(() => page.locator("#sessions li").count(), POLL).toBe(2);
  expect(await page.locator("#sessions li[data-current]").innerText()).toMatch(/this browser/);

  await page.getByLabel("Current password").fill("not-my-password-1");
  await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
  await page.locator("#change-password-form [type=submit]").click();
  await expect.poll(() => page.locator("#change-currentPassword-error").innerText(), POLL).toMatch(/incorrect/i);
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
  await page.locator("#change-password-form [type=submit]").click();
  await expect
    .poll(() => page.locator("#change-title ~ [data-testid=status]").innerText(), POLL)
    .toMatch(/password changed/i);
  expect((await other.get("/api/auth/me")).status).toBe(401); // the other device is out
  await expect.poll(() => page.locator("#sessions li").count(), POLL).toBe(1);

  await page.locator("#sign-out-everywhere").click();
  await page.waitForURL(/\/login/);
  await page.goto(`${app.url}/`);
  await expect.poll(() => page.locator("#site-nav").textContent(), POLL).toMatch(/Log in/);
  expect(await page.locator("[data-testid=signed-in]").count()).toBe(0);
  await page.close();
});
