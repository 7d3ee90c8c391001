// The Integrations page's SMS card: a Tatu number only when an admin assigned it to you, or your
// own Twilio account; the server's refusals (403 not assigned, 409 in use) are shown as sent.
import { expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { startTwilioStandIn, type TwilioStandIn } from "../../standins/twilio/index.ts";
import type { TestApp } from "../helpers/app.ts";
import { signedInUser } from "../helpers/accounts.ts";
import { loggedInPage, POLL, screenshots, textOf, textsOf, webSuite } from "./support.ts";

let twilio: TwilioStandIn, app: TestApp, browser: Browser;

webSuite(
  async (track) => {
    twilio = track(await startTwilioStandIn());
    return { publicUrl: true, env: twilio.env() };
  },
  (s) => ({ app, browser } = s),
);

it("offers the assigned Tatu number, connects your own Twilio account, and shows 'in use' clearly", async () => {
  const artist = await signedInUser(app),
    rival = await signedInUser(app);
  const own = twilio.addAccount();
  const ownNumber = own.addNumber("+15017129001").phoneNumber;
  const page = await loggedInPage(browser, app, artist.email);
  await page.goto("/integrations");
  const card = page.getByTestId("provider-twilio");
  await expect.poll(() => textOf(card), POLL).toMatch(/No Tatu number is assigned to you/);

  // An admin assigns the server's number: the card offers it, and it connects.
  const number = twilio.env().TWILIO_PHONE_NUMBER!;
  expect(
    (
      await app
        .client()
        .put(
          `/api/admin/twilio-numbers/${encodeURIComponent(number)}`,
          { email: artist.email },
          { authorization: `Bearer ${app.ctx.config.cronSecret}` },
        )
    ).status,
  ).toBe(200);
  await page.reload();
  await card.getByRole("button", { name: `Connect ${number}` }).click();
  await expect.poll(() => textsOf(card.getByTestId("account")), POLL).toContain(number);

  // The rival connected this Twilio account's number first: the 409 is shown as the server said it.
  expect(
    (
      await rival.client.post("/api/integrations/twilio/connect", {
        phoneNumber: ownNumber,
        accountSid: own.accountSid,
        authToken: own.authToken,
      })
    ).status,
  ).toBe(201);
  await card.getByText("Use your own Twilio account").click();
  await card.getByLabel("Twilio phone number").fill(ownNumber);
  await card.getByLabel("Account SID").fill(own.accountSid);
  await card.getByLabel("Auth token").fill(own.authToken);
  await card.getByRole("button", { name: "Connect my Twilio number" }).click();
  await expect
    .poll(() => card.locator("#sms-form [role=alert]").innerText(), POLL)
    .toMatch(/already connected by another Tatu studio/);
  await screenshots(page, "integrations-sms-in-use");

  // Once the rival lets go, the same form connects it.
  const held = await app.ctx.db.connectedAccount.findFirstOrThrow({
    where: { userId: rival.userId, externalId: ownNumber },
  });
  expect((await rival.client.delete(`/api/integrations/${held.id}`)).status).toBe(200);
  await card.getByRole("button", { name: "Connect my Twilio number" }).click();
  await expect.poll(() => textsOf(card.getByTestId("account")), POLL).toContain(ownNumber);
  await page.context().close();
}, 90_000);
