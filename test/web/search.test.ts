// Public artist search in the browser: artists seeded through the API appear on the map and
// in the list for a viewport, a style filter narrows both, "Search this area" follows the
// map, the profile opens with its portfolio — map tiles from a local stub server. Also checks
// the page's JavaScript budget (≤ 200 KB gzipped before any interaction).
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { beforeAll, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import type { TestApp } from "../helpers/app.ts";
import { signedInUser } from "../helpers/accounts.ts";
import {
  newContext,
  POLL,
  screenshots,
  startTileStub,
  textOf,
  tileConfigScript,
  type TileStub,
  webSuite,
} from "./support.ts";

const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d4948445200000001000000010806000000" +
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082",
  "hex",
);
const BERLIN_BBOX = "13.25,52.45,13.55,52.58";

let app: TestApp;
let browser: Browser;
let tiles: TileStub;
const ids: Record<string, string> = {};

async function seedArtist(key: string, profile: Record<string, unknown>, withImage = false) {
  const a = await signedInUser(app, { role: "artist" });
  const res = await a.client.put("/api/me/artist-profile", {
    visible: true,
    bookingOpen: true,
    timeZone: "Europe/Berlin",
    ...profile,
  });
  if (res.status !== 201) throw new Error(`profile: ${res.status} ${res.text}`);
  if (withImage) {
    const form = new FormData();
    form.append("images", new Blob([PNG], { type: "image/png" }), "koi.png");
    form.set("caption", "Koi, healed");
    const up = await a.client.form("/api/me/artist-profile/portfolio", form);
    if (up.status !== 201) throw new Error(`portfolio: ${up.status} ${up.text}`);
  }
  ids[key] = a.userId;
}

webSuite(
  async (track) => {
    tiles = track(await startTileStub());
    return { env: { VITE_TILE_URL: tiles.template } }; // the CSP allows the tile server
  },
  (s) => ({ app, browser } = s),
);

beforeAll(async () => {
  await seedArtist(
    "mira",
    {
      displayName: "Mira Blackwork",
      studio: "Nadel Studio",
      city: "Berlin",
      country: "DE",
      styles: ["blackwork", "fine-line"],
      lat: 52.52,
      lng: 13.405,
      bio: "Bold black work.",
    },
    true,
  );
  await seedArtist("rafa", {
    displayName: "Rafa Realism",
    studio: "Photo Ink",
    city: "Berlin",
    country: "DE",
    styles: ["realism"],
    lat: 52.5,
    lng: 13.43,
  });
  await seedArtist("hanna", {
    displayName: "Hanna Hamburg",
    city: "Hamburg",
    country: "DE",
    styles: ["blackwork"],
    lat: 53.55,
    lng: 9.99,
  });
  await seedArtist("paula", {
    displayName: "Paula Potsdam",
    city: "Potsdam",
    country: "DE",
    styles: ["japanese"],
    lat: 52.39,
    lng: 13.06,
  });
  await seedArtist("hidden", {
    displayName: "Hidden Henry",
    city: "Berlin",
    styles: ["blackwork"],
    lat: 52.51,
    lng: 13.4,
    visible: false,
  });
});

const names = async (page: import("playwright-core").Page) =>
  (await page.getByTestId("artist-result").locator("h2").allInnerTexts()).sort();

it("shows artists on the map and in the list, filters by style, searches the moved map, opens a profile", async () => {
  const context = await newContext(browser, app, { init: tileConfigScript(tiles.template) });
  const page = await context.newPage();
  const scripts: { url: string; bytes: Buffer }[] = [];
  page.on("response", async (r) => {
    if (r.request().resourceType() === "script" && r.url().startsWith(app.url))
      scripts.push({ url: r.url(), bytes: await r.body() });
  });

  await page.goto(`/artists?bbox=${BERLIN_BBOX}`);
  await expect.poll(() => names(page), POLL).toEqual(["Mira Blackwork", "Rafa Realism"]);
  const markers = page.locator("path.artist-marker");
  expect(await markers.count()).toBe(2);
  // Tiles come from the configured URL (the local stub) and are drawn.
  await expect.poll(() => page.locator("img.leaflet-tile-loaded").count(), POLL).toBeGreaterThan(0);
  expect(tiles.requests.some((u) => /^\/\d+\/\d+\/\d+\.png$/.test(u))).toBe(true);

  // Budget: the JavaScript the public search page needed to show results.
  const gz = scripts.reduce((n, s) => n + zlib.gzipSync(s.bytes, { level: 9 }).length, 0);
  const raw = scripts.reduce((n, s) => n + s.bytes.length, 0);
  fs.mkdirSync(path.resolve(import.meta.dirname, "../../test-artifacts"), { recursive: true });
  fs.writeFileSync(
    path.resolve(import.meta.dirname, "../../test-artifacts/search-page-js.json"),
    JSON.stringify(
      {
        gzipBytes: gz,
        rawBytes: raw,
        files: scripts.map((s) => ({
          file: new URL(s.url).pathname,
          raw: s.bytes.length,
          gzip: zlib.gzipSync(s.bytes, { level: 9 }).length,
        })),
      },
      null,
      2,
    ),
  );
  expect(gz).toBeLessThanOrEqual(200 * 1024);
  expect(scripts.some((s) => /zod/.test(s.url))).toBe(false); // forms' validation stays off this page
  await screenshots(page, "search");

  // A style narrows both the list and the map.
  await page.getByLabel("Style").selectOption("blackwork");
  await expect.poll(() => names(page), POLL).toEqual(["Mira Blackwork"]);
  expect(await markers.count()).toBe(1);
  expect(page.url()).toContain("style=blackwork");

  // Zoom the map out and search the new viewport: Hamburg's blackwork artist joins.
  for (let i = 0; i < 5; i++) {
    await page.getByRole("button", { name: "Zoom out" }).click();
    await page.waitForTimeout(350);
  }
  await page.getByRole("button", { name: "Search this area" }).click();
  await expect.poll(() => names(page), POLL).toEqual(["Hanna Hamburg", "Mira Blackwork"]);
  expect(await markers.count()).toBe(2);
  const bbox = new URL(page.url()).searchParams.get("bbox")!.split(",").map(Number);
  expect(bbox[0]).toBeLessThan(9.99); // the viewport now reaches Hamburg
  expect(await page.getByText("Hidden Henry").count()).toBe(0);

  // The profile: details, portfolio image, booking button (log in first when signed out).
  await page.getByRole("link", { name: "Mira Blackwork" }).click();
  await page.waitForURL(new RegExp(`/artists/${ids.mira}$`));
  const profile = page.getByTestId("artist-profile");
  await expect.poll(() => textOf(profile.getByRole("heading", { level: 1 })), POLL).toBe("Mira Blackwork");
  expect(await profile.innerText()).toMatch(/Nadel Studio[\s\S]*Blackwork[\s\S]*Fine Line[\s\S]*Bold black work/);
  const img = profile.getByRole("img", { name: "Koi, healed" });
  await expect
    .poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth).catch(() => 0), POLL)
    .toBe(1);
  expect(await profile.getByRole("link", { name: "Log in to request a booking" }).count()).toBe(1);
  await screenshots(page, "artist-profile");
  await context.close();
});

it("the style list the filters offer is the API's vocabulary", async () => {
  const context = await newContext(browser, app, { init: tileConfigScript(tiles.template) });
  const page = await context.newPage();
  await page.goto(`/artists?bbox=${BERLIN_BBOX}`);
  await expect.poll(() => names(page), POLL).toEqual(["Mira Blackwork", "Rafa Realism"]);
  const offered = await page
    .getByLabel("Style")
    .locator("option")
    .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value).filter(Boolean));
  const { ARTIST_STYLES } = await import("../../service/artists/styles.ts");
  expect(offered).toEqual([...ARTIST_STYLES]);
  // Distance from the map's centre: 10 km keeps the two in Berlin, 50 km reaches Potsdam.
  await page.getByLabel("Distance from map centre").selectOption("10");
  await expect.poll(() => names(page), POLL).toEqual(["Mira Blackwork", "Rafa Realism"]);
  expect(page.url()).toContain("radiusKm=10");
  expect(await page.getByTestId("artist-result").first().innerText()).toMatch(/\d+(\.\d+)? km/);
  await page.getByLabel("Distance from map centre").selectOption("50");
  await expect.poll(() => names(page), POLL).toEqual(["Mira Blackwork", "Paula Potsdam", "Rafa Realism"]);

  // An unknown style in a shared link is the API's clear 400, shown — not a blank page.
  await page.goto(`/artists?bbox=${BERLIN_BBOX}&style=steampunk`);
  await expect
    .poll(
      () =>
        page
          .getByRole("alert")
          .allInnerTexts()
          .then((t) => t.join(" ")),
      POLL,
    )
    .toMatch(/Unknown style/);
  await context.close();
});
