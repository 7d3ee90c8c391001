// The artist's profile editor (location by clicking the map, then found by the public search)
// and the admins' ops page (readiness, switches, hypercare metrics) in the browser.
import { expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { uniqueEmail, type TestApp } from "../helpers/app.ts";
import { signedInUser } from "../helpers/accounts.ts";
import {
  loggedInPage,
  POLL,
  screenshots,
  startTileStub,
  textOf,
  textsOf,
  tileConfigScript,
  type TileStub,
  webSuite,
} from "./support.ts";

const ADMIN = uniqueEmail("ops-admin");
let app: TestApp;
let browser: Browser;
let tiles: TileStub;

webSuite(
  async (track) => {
    tiles = track(await startTileStub());
    return { env: { ADMIN_EMAILS: ADMIN, VITE_TILE_URL: tiles.template } };
  },
  (s) => ({ app, browser } = s),
);

it("an artist creates their profile, sets the studio by clicking the map, and is then found on it", async () => {
  const artist = await signedInUser(app, { role: "artist" });
  const page = await loggedInPage(browser, app, artist.email, { init: tileConfigScript(tiles.template) });
  await page.goto("/profile");
  await expect.poll(() => page.getByText("Your profile is not public yet.").count(), POLL).toBe(1);

  await page.getByLabel("Name customers know you by").fill("Lou Dotwork");
  await page.getByLabel("City").fill("Leipzig");
  await page.getByLabel("Dotwork").check();
  // Showing the profile without a location is refused by the API, next to the field.
  await page.getByLabel("Show me on the map").check();
  await page.getByRole("button", { name: "Save profile" }).click();
  await expect.poll(() => page.locator("#profile-visible-error").innerText(), POLL).toMatch(/location/i);

  // Click the middle of the map (the editor opens on 50°N 10°E).
  const map = page.getByRole("region", { name: "Click to set your studio location" });
  const box = (await map.boundingBox())!;
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  await expect.poll(() => page.getByTestId("location").innerText(), POLL).toMatch(/Location set: 5\d\.\d+, \d+\.\d+/);
  await page.getByRole("button", { name: "Save profile" }).click();
  await expect.poll(() => page.getByText("Saved. Your profile is on the map.").count(), POLL).toBe(1);
  await screenshots(page, "profile-editor");

  const own = (await artist.client.get("/api/me/artist-profile")).body;
  expect(own).toMatchObject({ displayName: "Lou Dotwork", city: "Leipzig", styles: ["dotwork"], visible: true });
  expect(Math.abs(own.lat - 50)).toBeLessThan(1);
  expect(Math.abs(own.lng - 10)).toBeLessThan(1);
  const found = await app
    .client()
    .get(`/api/artists?bbox=${own.lng - 0.5},${own.lat - 0.5},${own.lng + 0.5},${own.lat + 0.5}&style=dotwork`);
  expect(found.body.items.map((a: { displayName: string }) => a.displayName)).toEqual(["Lou Dotwork"]);
  await page.context().close();
});

it("an admin sees readiness and metrics and flips a switch; others are told the page is for admins", async () => {
  const admin = await signedInUser(app, { role: "artist", email: ADMIN });
  const page = await loggedInPage(browser, app, admin.email);
  page.on("dialog", (d) => void d.accept("paused for the ops test"));
  await page.goto("/ops");
  await expect.poll(() => textOf(page.getByTestId("readiness")), POLL).toBe("Ready");
  await expect.poll(() => page.getByTestId("metrics").locator("tbody tr").count(), POLL).toBeGreaterThan(1);
  expect(await page.getByTestId("queue").innerText()).toMatch(/mode: inline/);

  const toggle = page.getByRole("switch", { name: "cron.sync-messages" });
  expect(await toggle.isChecked()).toBe(true);
  await toggle.click();
  await expect
    .poll(
      async () =>
        (await admin.client.get("/api/admin/switches")).body.switches.find(
          (s: { name: string }) => s.name === "cron.sync-messages",
        ),
      POLL,
    )
    .toMatchObject({ enabled: false, reason: "paused for the ops test", updatedBy: ADMIN });
  await expect.poll(() => toggle.isChecked(), POLL).toBe(false);
  // The change shows up in the switch history: switch, before → after, who, why.
  await expect
    .poll(() => textOf(page.getByTestId("switch-history").locator("tbody tr").first()), POLL)
    .toMatch(
      new RegExp(`cron\\.sync-messages\\s+on → off\\s+${ADMIN.replace(/[.+]/g, "\\$&")}\\s+paused for the ops test`),
    );
  await screenshots(page, "ops");
  await page.context().close();

  const other = await signedInUser(app, { role: "artist" });
  const p2 = await loggedInPage(browser, app, other.email);
  await p2.goto("/ops");
  await expect.poll(() => textsOf(p2.getByRole("alert")), POLL).toMatch(/for Tatu admins/);
  await p2.context().close();
});
