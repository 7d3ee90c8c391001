// Stored XSS on the public map (issue 15, item 1): an artist whose display name is HTML must
// never run script in a visitor's browser. The marker's tooltip (hover) and popup (click) show
// the name as literal text, no script runs (no global set, no dialog), and the pages the
// visitor sees report no Content-Security-Policy violation of their own.
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launchBrowser } from "../helpers/browser.ts";
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "../helpers/app.ts";
import { signedInUser } from "../helpers/accounts.ts";
import { freshWebBuild, logIn, newContext, POLL, startTileStub, tileConfigScript, type TileStub } from "./support.ts";

const HOSTILE = [
  { name: `<img src=x onerror="window.__xss=1">`, lat: 52.52, lng: 13.405 },
  { name: `<script>window.__xss=2</script>`, lat: 52.5, lng: 13.43 },
  { name: `<svg onload="window.__xss=3"><a href="javascript:window.__xss=4">x</a>`, lat: 52.47, lng: 13.38 },
];
const BERLIN_BBOX = "13.25,52.45,13.55,52.58";

let app: TestApp;
let browser: Browser;
let tiles: TileStub;
let artistId: string;

// Collects what the page reports: CSP violations (the event the browser fires) and dialogs.
const WATCH = `window.__csp = []; document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI));`;

beforeAll(async () => {
  await freshWebBuild();
  tiles = await startTileStub();
  // The tile server is configuration the CSP's img-src is derived from.
  app = await startTestApp({ databaseUrl: await isolatedDatabaseUrl(), env: { VITE_TILE_URL: tiles.template } });
  browser = await launchBrowser();
  for (const h of HOSTILE) {
    const a = await signedInUser(app, { role: "artist" });
    const res = await a.client.put("/api/me/artist-profile", {
      visible: true,
      bookingOpen: true,
      timeZone: "Europe/Berlin",
      displayName: h.name,
      city: "Berlin",
      styles: ["blackwork"],
      lat: h.lat,
      lng: h.lng,
    });
    if (res.status !== 201) throw new Error(`profile: ${res.status} ${res.text}`);
    artistId = a.userId;
  }
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  await tiles?.close();
});

async function watched(
  opts: { as?: string } = {},
): Promise<{ page: Page; dialogs: string[]; console: string[]; close(): Promise<void> }> {
  const context = await newContext(browser, app, { init: tileConfigScript(tiles.template) + WATCH });
  if (opts.as) await logIn(context, opts.as);
  const page = await context.newPage();
  const dialogs: string[] = [];
  const console: string[] = [];
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on("console", (m) => {
    if (/Content.Security.Policy|Refused to/i.test(m.text())) console.push(m.text());
  });
  return { page, dialogs, console, close: () => context.close() };
}

it("a hostile display name is literal text in the marker's tooltip and popup, and no script runs", async () => {
  const { page, dialogs, console, close } = await watched();
  await page.goto(`/artists?bbox=${BERLIN_BBOX}`);
  const markers = page.locator("path.artist-marker");
  await expect.poll(() => markers.count(), POLL).toBe(HOSTILE.length);
  await expect.poll(() => page.locator("img.leaflet-tile-loaded").count(), POLL).toBeGreaterThan(0);
  // The list shows the names as text too.
  await expect
    .poll(
      () =>
        page
          .getByTestId("artist-result")
          .locator("h2")
          .allInnerTexts()
          .then((t) => t.sort()),
      POLL,
    )
    .toEqual(HOSTILE.map((h) => h.name).sort());

  const shown: string[] = [];
  const found: { tooltip: number; popup: number; links: (string | null)[]; popupText: string | null }[] = [];
  for (let i = 0; i < HOSTILE.length; i++) {
    // Tooltip: opens on hover.
    await markers.nth(i).hover();
    const tooltip = page.locator(".leaflet-tooltip");
    await expect.poll(() => tooltip.count(), POLL).toBe(1);
    const tip = await tooltip.evaluate((el) => ({
      text: el.textContent,
      elements: el.querySelectorAll("img, script, svg, a").length,
    }));
    shown.push(tip.text ?? "");
    // Popup: opens on click; its one link leads to the profile and reads as the name.
    await markers.nth(i).click({ force: true });
    const popup = page.locator(".leaflet-popup-content");
    await expect.poll(() => popup.count(), POLL).toBe(1);
    const pop = await popup.evaluate((el) => ({
      text: el.textContent,
      links: Array.from(el.querySelectorAll("a")).map((a) => a.getAttribute("href")),
      other: el.querySelectorAll("img, script, svg").length,
    }));
    found.push({ tooltip: tip.elements, popup: pop.other, links: pop.links, popupText: pop.text });
    await page.mouse.move(5, 5);
    await page.keyboard.press("Escape");
  }
  await page.waitForLoadState("networkidle");
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  expect(dialogs).toEqual([]);
  // Literal text: the name as typed, no element made from it, one link to the profile.
  expect(shown.sort()).toEqual(HOSTILE.map((h) => h.name).sort());
  for (const f of found) {
    expect(f).toEqual({
      tooltip: 0,
      popup: 0,
      links: [expect.stringMatching(/^\/artists\/[0-9a-f-]{36}$/)],
      popupText: expect.any(String),
    });
    expect(shown).toContain(f.popupText);
  }
  // A normal page of ours trips no CSP rule (the names are text, so nothing even tries).
  expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
  expect(console).toEqual([]);
  await close();
});

it("the pages a visitor and an artist open report no CSP violation, and the live socket connects", async () => {
  const visitor = await watched();
  for (const path of ["/", "/artists", `/artists/${artistId}`, "/login", "/signup", "/no/such/page"]) {
    await visitor.page.goto(path);
    await visitor.page.waitForLoadState("networkidle");
    expect(await visitor.page.evaluate(() => (window as unknown as { __csp: string[] }).__csp), path).toEqual([]);
  }
  expect(visitor.console).toEqual([]);
  await visitor.close();

  const artist = await signedInUser(app, { role: "artist" });
  const signedIn = await watched({ as: artist.email });
  const ready: string[] = [];
  signedIn.page.on("websocket", (ws) =>
    ws.on("framereceived", (f) => {
      if (String(f.payload).includes('"ready"')) ready.push(ws.url());
    }),
  );
  for (const path of ["/inbox", "/integrations", "/calendar", "/profile", "/bookings"]) {
    await signedIn.page.goto(path);
    await signedIn.page.waitForLoadState("networkidle");
    expect(await signedIn.page.evaluate(() => (window as unknown as { __csp: string[] }).__csp), path).toEqual([]);
  }
  // connect-src 'self' covers the realtime WebSocket on our own host.
  await expect.poll(() => ready.length, POLL).toBeGreaterThan(0);
  expect(signedIn.console).toEqual([]);
  await signedIn.close();
});
