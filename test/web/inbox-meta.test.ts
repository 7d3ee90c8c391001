// Facebook Login from the Integrations page (Meta stand-in as the provider), Messenger mail
// arriving live by signed webhook, and Meta's 24-hour reply window shown and explained.
import { expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { newPsid, startMetaStandIn, type MetaStandIn } from "../../standins/meta/index.ts";
import type { TestApp } from "../helpers/app.ts";
import { signedInUser } from "../helpers/accounts.ts";
import { loggedInPage, POLL, screenshots, textOf, textsOf, webSuite } from "./support.ts";

let meta: MetaStandIn;
let app: TestApp;
let browser: Browser;

webSuite(
  async (track) => {
    meta = track(await startMetaStandIn());
    return { publicUrl: true, env: meta.env() };
  },
  (s) => ({ app, browser } = s),
);

it("connects Facebook through its login, shows Messenger live, and explains the 24-hour window", async () => {
  const artist = await signedInUser(app, { role: "artist" });
  const owner = meta.addUser({ name: "Ink Owner" });
  const fbPage = meta.addPage(owner.id, { name: "Black Lotus Tattoo", instagram: { username: "blacklotus.ink" } });
  meta.consentAs(owner.id);

  const page = await loggedInPage(browser, app, artist.email);
  await page.goto("/integrations");
  await page.getByTestId("provider-facebook").getByRole("link", { name: "Connect Facebook" }).click();
  // Our /auth → Meta's dialog → our /callback → back on Integrations with the result.
  await page.waitForURL(/\/integrations\?.*connected=/);
  await expect.poll(() => textsOf(page.getByRole("status")), POLL).toMatch(/Connected/);
  await expect
    .poll(() => textOf(page.getByTestId("provider-facebook").getByTestId("account")), POLL)
    .toContain("Black Lotus Tattoo");
  expect(await page.getByTestId("provider-instagram").getByTestId("account").innerText()).toContain("@blacklotus.ink");

  await page.goto("/inbox");
  await expect.poll(() => page.getByText(/No messages yet/).count(), POLL).toBe(1);
  const fresh = newPsid(),
    stale = newPsid();
  expect(
    (
      await meta.postWebhook(
        `${app.url}/api/webhooks/facebook`,
        meta.customerMessage(fbPage.id, { psid: fresh, name: "Rae Ortiz", text: "Do you do walk-ins?" }),
      )
    ).status,
  ).toBe(200);
  expect(
    (
      await meta.postWebhook(
        `${app.url}/api/webhooks/facebook`,
        meta.customerMessage(fbPage.id, {
          psid: stale,
          name: "Old Olly",
          text: "Still free in May?",
          at: new Date(Date.now() - 25 * 3_600_000),
        }),
      )
    ).status,
  ).toBe(200);
  await expect.poll(() => page.getByTestId("conversation").count(), POLL).toBe(2);

  // The channel filter narrows the list; Messenger's icon is on the row.
  await page.getByLabel("Channel").selectOption("facebook");
  await expect.poll(() => page.getByTestId("conversation").count(), POLL).toBe(2);
  await page.getByLabel("Channel").selectOption("yahoo");
  await expect.poll(() => page.getByText("No conversations match these filters.").count(), POLL).toBe(1);
  await page.getByLabel("Channel").selectOption("");
  await page.getByLabel("Search conversations").fill("walk-ins");
  await expect
    .poll(() => page.getByTestId("conversation").allInnerTexts(), POLL)
    .toEqual([expect.stringContaining("Do you do walk-ins?")]);
  expect(await page.getByTestId("conversation").getByTitle("Messenger").count()).toBe(1);
  await page.getByLabel("Search conversations").fill("");

  // Inside the window: replying is open, and the page says until when.
  await page.getByTestId("conversation").filter({ hasText: "walk-ins" }).click();
  await expect.poll(() => textOf(page.getByTestId("reply-window")), POLL).toMatch(/within 24 hours[\s\S]*reply until/);
  await page.getByLabel(/Reply via/).fill("Walk-ins on Saturdays!");
  await page.getByRole("button", { name: "Send" }).click();
  await expect.poll(() => textOf(page.locator(".message.outbound .pill")), POLL).toMatch(/sent|delivered|read/);
  expect(meta.sent(fbPage.id)).toEqual([
    expect.objectContaining({ recipientId: fresh, text: "Walk-ins on Saturdays!" }),
  ]);

  // After it: explained, and the reply box is off.
  await page.getByTestId("conversation").filter({ hasText: "Still free in May?" }).click();
  await expect
    .poll(() => textOf(page.getByTestId("reply-window")), POLL)
    .toMatch(/24-hour reply window closed[\s\S]*as soon as they write again/);
  expect(await page.getByLabel(/Reply via/).isDisabled()).toBe(true);
  await screenshots(page, "inbox-meta-window-closed");
  await page.context().close();
});
