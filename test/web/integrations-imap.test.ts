// The IMAP card's presets in the browser: choosing a service shows its own how-to and labels,
// and "Other IMAP" asks for the servers and connects a mailbox there (the local Dovecot, on a
// private address: the app runs with the operator's IMAP_ALLOW_PRIVATE_SERVERS=true).
import { expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { startMailPeer, type MailPeer } from "../../standins/peers/dovecot.ts";
import type { TestApp } from "../helpers/app.ts";
import { signedInUser } from "../helpers/accounts.ts";
import { loggedInPage, POLL, screenshots, webSuite } from "./support.ts";

let peer: MailPeer, app: TestApp, browser: Browser;
const mailbox = { email: "studio@own-mail.test", password: "own-pass-1" };

webSuite(async (track) => {
  peer = track(await startMailPeer());
  await peer.addUser(mailbox.email, mailbox.password);
  return { env: { IMAP_ALLOW_PRIVATE_SERVERS: "true" } };
}, (s) => ({ app, browser } = s));

it("a Fastmail choice shows Fastmail's how-to; Other IMAP connects a mailbox on the servers typed in", async () => {
  const artist = await signedInUser(app, { role: "artist" });
  const page = await loggedInPage(browser, app, artist.email);
  await page.goto("/integrations");
  const card = page.getByTestId("provider-yahoo");

  // Yahoo is the default, as before; Fastmail brings its own how-to, labels and button.
  await expect.poll(() => card.getByText("How to get a Yahoo app password").count(), POLL).toBe(1);
  await card.getByLabel("Mail service").selectOption({ label: "Fastmail" });
  await card.getByText("How to get a Fastmail app password").click();
  await expect.poll(() => card.getByText(/Find App passwords and choose New app password/).isVisible(), POLL).toBe(true);
  expect(await card.getByText("How to get a Yahoo app password").count()).toBe(0);
  expect(await card.getByLabel("Fastmail email address").count()).toBe(1);
  expect(await card.getByRole("button", { name: "Connect Fastmail" }).count()).toBe(1);

  // Other IMAP: the servers are asked for, checked field by field, then used.
  await card.getByLabel("Mail service").selectOption({ label: "Other IMAP" });
  await card.getByLabel("Email address", { exact: true }).fill(mailbox.email);
  await card.getByLabel("App password", { exact: true }).fill(mailbox.password);
  await card.getByRole("button", { name: "Connect mail account" }).click();
  await expect.poll(() => card.locator("[data-error-for=imapHost]").innerText(), POLL).toMatch(/IMAP server name/);
  await card.getByLabel("IMAP server", { exact: true }).fill(peer.imap.host);
  await card.getByLabel("IMAP port", { exact: true }).fill(String(peer.imap.port));
  await card.getByLabel("SMTP server", { exact: true }).fill(peer.smtp.host);
  await card.getByLabel("SMTP port", { exact: true }).fill(String(peer.smtp.port));
  await card.getByRole("button", { name: "Connect mail account" }).click();
  await expect.poll(() => card.getByTestId("account").getAttribute("data-status").catch(() => null), POLL).toBe("active");
  expect(await card.getByTestId("account").innerText()).toContain(`${mailbox.email} (${peer.imap.host})`);
  await screenshots(page, "integrations-imap-other");
  await page.context().close();
}, 90_000);
