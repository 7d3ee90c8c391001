// An artist connects Yahoo (app password) against a real Dovecot in the browser; mail that
// reaches the mailbox shows up in the open inbox without a reload (scheduler tick → queue
// worker → WebSocket), and the reply typed in the browser leaves through SMTP, threaded.
import { afterAll, beforeAll, expect, it } from "vitest";
import { ImapFlow } from "imapflow";
import nodemailer from "nodemailer";
import { simpleParser, type ParsedMail } from "mailparser";
import type { Browser } from "playwright-core";
import { launchBrowser } from "../helpers/browser.ts";
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "../helpers/app.ts";
import { signedInUser } from "../helpers/accounts.ts";
import { startMailPeer, type MailPeer } from "../../standins/peers/dovecot.ts";
import { freshWebBuild, loggedInPage, POLL, screenshots, textOf, textsOf } from "./support.ts";

// A real 1×1 PNG: the thread must show it as an image preview.
const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d4948445200000001000000010806000000" +
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082",
  "hex",
);
const artistMail = "ink.studio@yahoo.test",
  appPassword = "abcd efgh ijkl mnop";
const customerMail = "jo.customer@example.test",
  customerPass = "customer-pass-1";

let peer: MailPeer;
let app: TestApp;
let browser: Browser;
let stopWorker: (() => Promise<void>) | undefined;

beforeAll(async () => {
  await freshWebBuild();
  peer = await startMailPeer();
  await peer.addUser(artistMail, appPassword.replace(/\s+/g, ""));
  await peer.addUser(customerMail, customerPass);
  app = await startTestApp({ databaseUrl: await isolatedDatabaseUrl(), redis: true, publicUrl: true, env: peer.env() });
  stopWorker = app.ctx.queue.startWorker(app.ctx); // what `npm start` runs next to the API
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await stopWorker?.();
  await app?.close();
  await peer?.close();
});

async function customerInbox(): Promise<ParsedMail[]> {
  const c = new ImapFlow({
    host: peer.imap.host,
    port: peer.imap.port,
    secure: false,
    doSTARTTLS: false,
    auth: { user: customerMail, pass: customerPass },
    logger: false,
  });
  await c.connect();
  const lock = await c.getMailboxLock("INBOX", { readOnly: true });
  try {
    const out: ParsedMail[] = [];
    for (const m of await c.fetchAll("1:*", { source: true })) out.push(await simpleParser(m.source!));
    return out;
  } catch {
    return []; // empty mailbox
  } finally {
    lock.release();
    await c.logout();
  }
}

it("connects Yahoo, shows new mail live, and replies through SMTP with threading headers", async () => {
  const artist = await signedInUser(app, { role: "artist" });
  const page = await loggedInPage(browser, app, artist.email);

  // Connect: a wrong app password is refused in plain words, the right one connects.
  await page.goto("/integrations");
  const yahoo = page.getByTestId("provider-yahoo");
  await yahoo.getByText("How to get a Yahoo app password").click();
  await yahoo.getByLabel("Yahoo email address").fill(artistMail);
  await yahoo.getByLabel("App password").fill("wrong-password-1");
  await yahoo.getByRole("button", { name: "Connect Yahoo" }).click();
  await expect.poll(() => textsOf(yahoo.getByRole("alert")), POLL).toMatch(/app password/i);
  await yahoo.getByLabel("App password").fill(appPassword);
  await yahoo.getByRole("button", { name: "Connect Yahoo" }).click();
  await expect
    .poll(
      () =>
        yahoo
          .getByTestId("account")
          .getAttribute("data-status")
          .catch(() => null),
      POLL,
    )
    .toBe("active");
  expect(await yahoo.getByTestId("account").innerText()).toContain(artistMail);
  await screenshots(page, "integrations");

  await page.goto("/inbox");
  await expect.poll(() => page.getByText(/No messages yet/).count(), POLL).toBe(1);
  await page.evaluate(() => {
    (window as unknown as { stillSamePage: boolean }).stillSamePage = true;
  });

  // The customer writes (real SMTP submission into the artist's Yahoo mailbox)…
  const t = nodemailer.createTransport({
    host: peer.smtp.host,
    port: peer.smtp.port,
    secure: false,
    ignoreTLS: true,
    auth: { user: customerMail, pass: customerPass },
  });
  const sent = await t.sendMail({
    from: `Jo Customer <${customerMail}>`,
    to: artistMail,
    subject: "Sleeve idea",
    text: "Hi! Could you do a koi sleeve?",
    attachments: [{ filename: "ref.png", content: PNG, contentType: "image/png" }],
  });
  t.close();
  // …and the scheduler's next tick syncs every mailbox through the queue.
  const cron = await app
    .client()
    .post("/api/cron/sync-messages", undefined, { authorization: `Bearer ${app.ctx.config.cronSecret}` });
  expect(cron.status).toBe(200);

  const row = page.getByTestId("conversation").filter({ hasText: "Sleeve idea" });
  await expect.poll(() => row.count(), POLL).toBe(1);
  expect(await page.evaluate(() => (window as unknown as { stillSamePage?: boolean }).stillSamePage)).toBe(true); // no reload
  expect(await row.innerText()).toMatch(/Jo Customer/);
  expect(await row.getByLabel("1 unread").count()).toBe(1);
  await screenshots(page, "inbox-list");

  // The thread: text and the image attachment as a loaded preview.
  await row.click();
  await page.waitForURL(/\/inbox\/[0-9a-f-]{36}$/);
  await expect.poll(() => textOf(page.getByTestId("message").first()), POLL).toContain("koi sleeve");
  const preview = page.getByRole("img", { name: "ref.png" });
  await expect
    .poll(() => preview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth).catch(() => 0), POLL)
    .toBe(1);

  // Reply with a file attached.
  await page.getByLabel(/Reply via Yahoo/).fill("Love it — let's book a consult.");
  await page.getByLabel("Attach files").setInputFiles({ name: "sketch.png", mimeType: "image/png", buffer: PNG });
  await page.getByRole("button", { name: "Send" }).click();
  const outbound = page.locator(".message.outbound");
  await expect.poll(() => textOf(outbound), POLL).toContain("book a consult");
  await expect.poll(() => textOf(outbound.locator(".pill")), POLL).toMatch(/sent/);
  await screenshots(page, "inbox-thread");

  // What the customer's mail server received: a threaded reply with the attachment.
  let reply: ParsedMail | undefined;
  await expect
    .poll(
      async () => (reply = (await customerInbox()).find((m) => m.subject === "Re: Sleeve idea")) !== undefined,
      POLL,
    )
    .toBe(true);
  expect(reply!.inReplyTo).toBe(sent.messageId);
  const refs = ([] as string[]).concat(reply!.references ?? []);
  expect(refs).toContain(sent.messageId);
  expect(reply!.text).toContain("book a consult");
  expect(reply!.attachments.map((a) => a.filename)).toEqual(["sketch.png"]);

  // Losing the network is said out loud, and the banner goes when it is back.
  await page.context().setOffline(true);
  await expect.poll(() => page.getByTestId("offline-banner").count(), POLL).toBe(1);
  await screenshots(page, "inbox-offline");
  await page.context().setOffline(false);
  await expect.poll(() => page.getByTestId("offline-banner").count(), POLL).toBe(0);
  await page.context().close();
});
