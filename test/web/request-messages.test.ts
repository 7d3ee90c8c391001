// The customer's thread with the artist on /bookings: the request card's "Messages" shows the
// request and the artist's inbox replies (as text, never markup), refuses an empty message with
// the API's own words, and what the customer writes lands in the artist's inbox.
import { beforeAll, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import type { TestApp } from "../helpers/app.ts";
import { signedInUser } from "../helpers/accounts.ts";
import type { HttpClient } from "../helpers/http.ts";
import { loggedInPage, POLL, screenshots, textsOf, webSuite } from "./support.ts";

let app: TestApp;
let browser: Browser;
let artist: { client: HttpClient; email: string; userId: string };

webSuite(
  () => ({}),
  (s) => ({ app, browser } = s),
);

beforeAll(async () => {
  artist = await signedInUser(app, { role: "artist" });
  await app.ctx.db.artistProfile.create({
    data: { userId: artist.userId, displayName: "Jo Ink", timeZone: "Europe/Berlin", visible: true },
  });
});

it("a customer reads the artist's reply on their request and writes back into the artist's inbox", async () => {
  const customer = await signedInUser(app, { role: "customer" });
  const req = await customer.client.post("/api/bookings/requests", {
    artistId: artist.userId,
    idea: "A small swallow",
    placement: "wrist",
    size: "4 cm",
  });
  expect(req.status).toBe(201);
  const conv = (await artist.client.get("/api/inbox/conversations?channel=tatu")).body.items[0];
  const reply = await artist.client.post(`/api/inbox/conversations/${conv.id}/reply`, {
    text: 'Love it! <img src=x onerror="alert(1)"> Tuesday?',
  });
  expect(reply.status).toBe(202);

  const page = await loggedInPage(browser, app, customer.email);
  await page.goto("/bookings");
  const card = page.getByTestId("request").filter({ hasText: "A small swallow" });
  await card.getByText("Messages", { exact: true }).click();
  const messages = card.getByTestId("thread-message");
  await expect.poll(() => messages.count(), POLL).toBe(2);
  await expect.poll(() => textsOf(messages), POLL).toContain('Love it! <img src=x onerror="alert(1)"> Tuesday?');
  expect(await card.locator("img").count()).toBe(0); // the artist's words are text
  expect(await textsOf(messages.first())).toContain("You");

  await card.getByRole("button", { name: "Send" }).click();
  await expect.poll(() => textsOf(card.locator(".field-error")), POLL).toContain("Write a message before sending.");
  await card.getByLabel("Write to the artist").fill("Tuesday after 2pm works");
  await card.getByRole("button", { name: "Send" }).click();
  await expect.poll(() => messages.count(), POLL).toBe(3);
  await expect.poll(() => card.getByLabel("Write to the artist").inputValue(), POLL).toBe("");
  await screenshots(page, "request-messages");

  const inbox = (await artist.client.get(`/api/inbox/conversations/${conv.id}/messages`)).body.items;
  expect(inbox.map((m: { text: string }) => m.text)).toContain("Tuesday after 2pm works");
  await page.context().close();
});
