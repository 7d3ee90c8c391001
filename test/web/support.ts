// Shared pieces of the browser tests: a fresh web build, Chromium pages signed in through the
// real login API, the text a poll waits for, screenshots at desktop and phone widths, and a
// local map-tile server.
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import type { AddressInfo } from "node:net";
import zlib from "node:zlib";
import { DateTime } from "luxon";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { ensureWebBuild } from "../../scripts/ensure-web-build.mjs";
import { PASSWORD } from "../helpers/accounts.ts";
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "../helpers/app.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { suiteResources, type Track } from "../helpers/suite.ts";

export const SCREENSHOTS = path.resolve(import.meta.dirname, "../../test-artifacts/screenshots");
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 375, height: 740 };
/** The service hashes passwords with scrypt and pages poll: seconds, not the default 1 s. */
export const POLL = { timeout: 20_000, interval: 100 };

/** For `expect.poll`: the locator's text, or "" while it is not on the page (yet). */
export const textOf = (locator: Locator): Promise<string> => locator.innerText().catch(() => "");
/** For `expect.poll`: the texts of everything the locator matches, joined by spaces. */
export const textsOf = (locator: Locator): Promise<string> => locator.allInnerTexts().then((t) => t.join(" "));

/** The browser tests run against the current sources, never a stale web/dist. */
export async function freshWebBuild(): Promise<void> {
  await ensureWebBuild({ quiet: true });
}

export async function newContext(
  browser: Browser,
  app: TestApp,
  opts: { init?: string } = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: DESKTOP, baseURL: app.url });
  context.setDefaultTimeout(15_000);
  if (opts.init) await context.addInitScript(opts.init);
  return context;
}

/** Signs the browser context in through POST /api/auth/login (its cookies are the browser's). */
export async function logIn(context: BrowserContext, email: string, password = PASSWORD): Promise<void> {
  const res = await context.request.post("/api/auth/login", { data: { email, password } });
  if (res.status() !== 200) throw new Error(`login failed: ${res.status()} ${await res.text()}`);
}

/** A page in a new browser context signed in as `email` (its context: `page.context()`). */
export async function loggedInPage(
  browser: Browser,
  app: TestApp,
  email: string,
  opts: { init?: string } = {},
): Promise<Page> {
  const context = await newContext(browser, app, opts);
  await logIn(context, email);
  return context.newPage();
}

type AppOptions = Omit<NonNullable<Parameters<typeof startTestApp>[0]>, "databaseUrl">;

/** Suite hooks of a browser test: `setUp` starts what the app needs (each handed to `track`
 *  is closed after the suite) and returns the app's options; then the app on an isolated
 *  database, a fresh web build and Chromium, handed to `ready`. */
export function webSuite(
  setUp: (track: Track) => AppOptions | Promise<AppOptions>,
  ready: (s: { app: TestApp; browser: Browser }) => void,
): void {
  suiteResources(async (track) => {
    await freshWebBuild();
    const options = await setUp(track);
    const app = track(await startTestApp({ databaseUrl: await isolatedDatabaseUrl(), ...options }));
    const browser = track(await launchBrowser());
    ready({ app, browser });
  });
}

/** Moves the calendar page's week view forward to the week holding `day` (weeks start on
 *  Monday in the studio's zone, `zone`, whatever zone the browser is in). */
export async function showWeekOf(page: Page, day: Date, zone = "UTC"): Promise<void> {
  const monday = (d: Date | DateTime) => (d instanceof Date ? DateTime.fromJSDate(d, { zone }) : d).startOf("week");
  const weeks = Math.round(monday(day).diff(monday(DateTime.now().setZone(zone)), "weeks").weeks);
  const title = page.locator("#week-title");
  for (let i = 0; i < weeks; i++) {
    const before = await title.innerText();
    await page.getByRole("button", { name: "Next week →" }).click();
    // One click per loaded week: "Next" moves from the week on screen, so wait for the next one.
    await page.waitForFunction((b) => document.querySelector("#week-title")?.textContent !== b, before);
  }
}

/** Saves the page at 1280 px and at 375 px wide (full page), then restores the viewport. */
export async function screenshots(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const before = page.viewportSize() ?? DESKTOP;
  for (const [suffix, size] of [
    ["desktop", DESKTOP],
    ["375", PHONE],
  ] as const) {
    await page.setViewportSize(size);
    await page.waitForTimeout(250); // layout + map resize settle
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${suffix}.png`), fullPage: true });
  }
  await page.setViewportSize(before);
}

// A 256×256 PNG tile (solid light grey), generated once.
function tilePng(): Buffer {
  // Minimal PNG encoder: 8-bit RGB, filter 0 on every row, one deflated IDAT.
  const w = 256,
    h = 256;
  const raw = Buffer.alloc((w * 3 + 1) * h, 0xe5);
  for (let y = 0; y < h; y++) raw[y * (w * 3 + 1)] = 0; // filter byte
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  ihdr[10] = 0;
  ihdr[11] = 0;
  ihdr[12] = 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", zlib.deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

export interface TileStub {
  url: string;
  template: string;
  requests: string[];
  close(): Promise<void>;
}

/** A tiny tile server (there is no internet here): every /{z}/{x}/{y}.png is the same PNG. */
export async function startTileStub(): Promise<TileStub> {
  const png = tilePng();
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? "");
    if (!/^\/\d+\/\d+\/\d+\.png$/.test(req.url ?? "")) return void res.writeHead(404).end();
    res
      .writeHead(200, { "content-type": "image/png", "content-length": png.length, "access-control-allow-origin": "*" })
      .end(png);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    template: `${url}/{z}/{x}/{y}.png`,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** The runtime map setting the SPA reads (window.TATU_CONFIG), as a deployment would inject it. */
export const tileConfigScript = (template: string) =>
  `window.TATU_CONFIG = { tileUrl: ${JSON.stringify(template)}, tileAttribution: "test tiles" };`;
