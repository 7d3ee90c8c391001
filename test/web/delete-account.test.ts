// The Account page's "Delete account": a wrong password is refused with the API's message and
// nothing is deleted; the right one deletes the account, signs the browser out and lands on
// the login page; another user is untouched.
import { expect, it } from "vitest";
import type { Browser } from "playwright-core";
import type { TestApp } from "../helpers/app.ts";
import { PASSWORD, signedInUser } from "../helpers/accounts.ts";
import { webSuite, loggedInPage, POLL, screenshots } from "./support.ts";

let app: TestApp;
let browser: Browser;
webSuite(
  () => ({ publicUrl: true }),
  (s) => ({ app, browser } = s),
);

it("a person deletes their account from the Account page, confirming with their password", async () => {
  const me = await signedInUser(app, { role: "customer" });
  const other = await signedInUser(app, { role: "customer" });
  const page = await loggedInPage(browser, app, me.email);
  await page.goto("/account");
  const section = page.locator("#delete-account-form");
  await expect.poll(() => section.isVisible(), POLL).toBe(true);

  await section.getByLabel("Your password").fill("wrong-password-1");
  await section.getByRole("button", { name: "Delete account" }).click();
  await expect
    .poll(() => page.locator("section", { has: section }).innerText(), POLL)
    .toMatch(/The password is incorrect: the account was not deleted\./);
  await screenshots(page, "delete-account-refused");
  expect(await app.ctx.db.user.count({ where: { id: me.userId } })).toBe(1);

  await section.getByLabel("Your password").fill(PASSWORD);
  await section.getByRole("button", { name: "Delete account" }).click();
  await page.waitForURL(/\/login/, { timeout: POLL.timeout });
  expect(await app.ctx.db.user.count({ where: { id: me.userId } })).toBe(0);
  expect((await page.context().request.get("/api/auth/me")).status()).toBe(401);
  expect((await other.client.get("/api/auth/me")).status).toBe(200);
});
