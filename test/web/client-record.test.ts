// The client record in the browser: an artist opens it from a booking request on the calendar
// page, sees the email conversation with that person from the unified inbox (and not someone
// else's), the request's reference image, and adds a private note; the clients list finds the
// person by name. What the customer wrote is text, never markup.
import type { Browser } from "playwright-core";
import { expect, it } from "vitest";
import { signedInUser } from "../helpers/accounts.ts";
import type { TestApp } from "../helpers/app.ts";
import { bookableArtist } from "../helpers/booking.ts";
import { connectedChannel, receive, requestWithReference } from "../clients/seed.ts";
import { loggedInPage, POLL, screenshots, textOf, textsOf, webSuite } from "./support.ts";

let app: TestApp;
let browser: Browser;
webSuite(
  () => ({}),
  (s) => ({ app, browser } = s),
);

const XSS = `<img src=x onerror="window.__xss=1">Swallow`;

it("an artist opens a client's record from a request, sees the linked conversation and the reference, and adds a private note", async () => {
  const artist = await bookableArtist(app, { zone: "Europe/Berlin", name: "Record Ink" });
  const casey = await signedInUser(app, { role: "customer" });
  await app.ctx.db.user.update({ where: { id: casey.userId }, data: { name: "Casey Client" } });
  const { requestId } = await requestWithReference(casey.client, artist.userId, {
    idea: XSS,
    placement: "wrist",
    size: "5 cm",
  });
  const mail = await connectedChannel(app, artist.userId, "gmail");
  const conversationId = await receive(
    app,
    mail,
    { handle: casey.email, name: "Casey" },
    "Could we do it a bit smaller?",
    "About my swallow",
  );
  await receive(app, mail, { handle: "someone.else@example.test" }, "Unrelated", "Someone else's thread");

  const page = await loggedInPage(browser, app, artist.email);
  await page.goto("/calendar");
  const card = page.getByTestId("booking-request").filter({ hasText: "Casey Client" });
  await card.getByRole("link", { name: "Client record" }).click();
  await page.waitForURL(`**/clients/${casey.userId}`);
  await expect.poll(() => textOf(page.locator("h1")), POLL).toBe("Casey Client");
  expect(await textOf(page.getByTestId("client-contact"))).toContain(casey.email);

  // The conversations linked by the customer's email, opening in the inbox — the mail thread and
  // the "Tatu bookings" thread the request opened; nobody else's.
  const conversations = page.getByTestId("client-conversation");
  await expect.poll(() => textsOf(conversations), POLL).toContain("About my swallow");
  expect(await conversations.count()).toBe(2);
  const mailThread = conversations.filter({ hasText: "About my swallow" });
  expect(await textOf(mailThread)).toContain("Could we do it a bit smaller?");
  expect(await mailThread.getByRole("link").getAttribute("href")).toBe(`/inbox/${conversationId}`);
  const thread = await app.ctx.db.conversation.findFirstOrThrow({ where: { userId: artist.userId, channel: "tatu" } });
  const bookings = conversations.filter({ hasNot: page.getByText("About my swallow") });
  expect(await bookings.getByRole("link").getAttribute("href")).toBe(`/inbox/${thread.id}`);

  // The request, its idea as text, and its reference image loaded.
  const req = page.getByTestId("client-request");
  expect(await textOf(req)).toContain(XSS);
  const img = req.getByRole("img", { name: "reference.png" });
  expect(await img.getAttribute("src")).toContain(`/api/bookings/requests/${requestId}/references/`);
  await expect
    .poll(() => img.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth), POLL)
    .toBeGreaterThan(0);
  expect(await page.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();

  // A private note: an empty one is refused with the field's message, a real one is kept.
  await page.getByRole("button", { name: "Add note" }).click();
  expect(await textOf(page.locator('[data-error-for="body"]'))).toBe("Write the note.");
  await page.getByLabel("New note").fill("Prefers mornings.\nAllergic to latex.");
  await page.getByRole("button", { name: "Add note" }).click();
  await expect.poll(() => textsOf(page.getByTestId("client-note")), POLL).toContain("Allergic to latex.");
  expect(await textOf(page.locator('[data-error-for="body"]'))).toBe("");
  expect(await app.ctx.db.clientNote.findMany({ where: { artistId: artist.userId }, select: { body: true } })).toEqual([
    { body: "Prefers mornings.\nAllergic to latex." },
  ]);
  await screenshots(page, "client-record");

  // The list of clients, found by name from the navigation.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Clients" }).click();
  await page.waitForURL("**/clients");
  await expect.poll(() => textsOf(page.getByTestId("client")), POLL).toContain("Casey Client");
  await page.getByLabel("Search clients").fill("nobody-like-this");
  await expect.poll(() => textOf(page.locator(".empty")), POLL).toContain("No client matches");
  await page.getByLabel("Search clients").fill("casey");
  await expect.poll(() => textsOf(page.getByTestId("client")), POLL).toContain("1 request");
  await screenshots(page, "clients");
});
