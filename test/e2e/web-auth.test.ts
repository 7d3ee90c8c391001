// The signup smoke checklist in a real browser: sign up, verify from the email link,
// log in, the unverified guidance with a working "Resend verification", log out.
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launchBrowser } from "../helpers/browser.ts";
import { startTestApp, uniqueEmail, type TestApp } from "../helpers/app.ts";
import { latestVerificationToken, PASSWORD } from "../helpers/accounts.ts";

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

  await page.goto(`${app.url}/login`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.locator("#login-form [type=submit]").click();
  await expect.poll(() => page.locator("[data-testid=signed-in]").innerText().catch(() => ""), POLL).toContain(email);

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
