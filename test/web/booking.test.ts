// The booking flow across two browsers: a customer requests a tattoo from the artist's
// profile, the artist offers free times from the calendar page, the customer accepts one, the
// appointment is confirmed and shows on the artist's week.
import { expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import type { TestApp } from "../helpers/app.ts";
import { signedInUser } from "../helpers/accounts.ts";
import {
  loggedInPage,
  POLL,
  screenshots,
  showWeekOf,
  startTileStub,
  tileConfigScript,
  type TileStub,
  webSuite,
} from "./support.ts";

const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d4948445200000001000000010806000000" +
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082",
  "hex",
);
const ALL_DAY = { start: "00:00", end: "24:00" };

let app: TestApp;
let browser: Browser;
let tiles: TileStub;

webSuite(
  async (track) => {
    tiles = track(await startTileStub());
    return { env: { VITE_TILE_URL: tiles.template } }; // the CSP allows the tile server
  },
  (s) => ({ app, browser } = s),
);

/** The artist's week view, moving forward until the week holding `start` is shown. */
async function weekShowing(page: Page, start: Date) {
  await page.goto("/calendar");
  await expect.poll(() => page.getByTestId("week").count(), POLL).toBe(1);
  await showWeekOf(page, start);
}

it("request → offer → accept → confirmed, and on the artist's calendar", async () => {
  const artist = await signedInUser(app, { role: "artist" });
  const customer = await signedInUser(app, { role: "customer" });
  const profile = await artist.client.put("/api/me/artist-profile", {
    displayName: "Kai Linework",
    city: "Berlin",
    country: "DE",
    styles: ["fine-line"],
    lat: 52.52,
    lng: 13.4,
    visible: true,
    timeZone: "UTC",
    bufferMinutes: 0,
    workingHours: Object.fromEntries(["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, [ALL_DAY]])),
  });
  expect(profile.status).toBe(201);
  expect(
    (
      await artist.client.post("/api/me/artist-profile/services", {
        kind: "session",
        name: "Small piece",
        durationMinutes: 60,
        depositCents: 0,
        currency: "eur",
      })
    ).status,
  ).toBe(201);

  // Customer: the request from the public profile, with a reference image.
  const cp = await loggedInPage(browser, app, customer.email, { init: tileConfigScript(tiles.template) });
  await cp.goto(`/artists/${artist.userId}`);
  await cp.getByRole("button", { name: "Request a booking" }).click();
  await cp.getByLabel("Service").selectOption({ label: "Small piece (60 min)" });
  await cp.getByLabel("Your idea").fill("A tiny swallow, fine line");
  await cp.getByLabel("Placement").fill("inner wrist");
  await cp.getByLabel("Size").fill("5 cm");
  await cp
    .getByLabel("Reference images (optional)")
    .setInputFiles({ name: "swallow.png", mimeType: "image/png", buffer: PNG });
  await screenshots(cp, "booking-request-form");
  await cp.getByRole("button", { name: "Send request" }).click();
  await expect.poll(() => cp.getByTestId("request-sent").count(), POLL).toBe(1);

  // Artist: the request on the calendar page, answered with two free times.
  const ap = await loggedInPage(browser, app, artist.email);
  await ap.goto("/calendar");
  const card = ap.getByTestId("booking-request").filter({ hasText: "A tiny swallow" });
  await expect.poll(() => card.count(), POLL).toBe(1);
  expect(await card.innerText()).toMatch(/inner wrist[\s\S]*5 cm/);
  expect(await card.getByRole("img", { name: "swallow.png" }).count()).toBe(1);
  // Who sent it, and how to reach them: the artist knows who they are talking to.
  expect(await card.getByTestId("request-customer").innerText()).toMatch(
    new RegExp(`From Test User · ${customer.email.replace(/[.+]/g, "\\$&")} · first request to you`),
  );
  await card.getByRole("button", { name: "Offer times" }).click();
  const slots = card.getByRole("checkbox");
  await expect.poll(() => slots.count(), POLL).toBeGreaterThan(1);
  await slots.nth(0).check();
  await slots.nth(1).check();
  await screenshots(ap, "calendar-offer");
  await card.getByRole("button", { name: "Send offer" }).click();
  await expect.poll(() => card.getAttribute("data-status").catch(() => null), POLL).toBe("offered");
  const [request] = (await customer.client.get("/api/bookings/requests")).body.items;
  expect(request.offeredSlots).toHaveLength(2);

  // Customer: picks the second offered time and books it.
  await cp.goto("/bookings");
  const mine = cp.getByTestId("request").filter({ hasText: "A tiny swallow" });
  await expect.poll(() => mine.getAttribute("data-status").catch(() => null), POLL).toBe("offered");
  await mine.getByRole("radio").nth(1).check();
  await screenshots(cp, "my-bookings-offer");
  await mine.getByRole("button", { name: "Accept this time" }).click();
  await expect
    .poll(
      () =>
        cp
          .getByTestId("booking-confirmed")
          .innerText()
          .catch(() => ""),
      POLL,
    )
    .toMatch(/Booked/);
  await expect.poll(() => cp.getByTestId("my-appointments").locator("[data-status=confirmed]").count(), POLL).toBe(1);

  const chosen = new Date(request.offeredSlots[1].start);
  const appts = (await artist.client.get("/api/bookings/appointments")).body.items;
  expect(appts).toHaveLength(1);
  expect(appts[0]).toMatchObject({ status: "confirmed", customerId: customer.userId });
  expect(new Date(appts[0].start).getTime()).toBe(chosen.getTime());

  // Artist: the confirmed appointment on the week that holds it.
  await weekShowing(ap, chosen);
  const appt = ap.getByTestId("appointment");
  await expect.poll(() => appt.count(), POLL).toBe(1);
  expect(await appt.innerText()).toMatch(/confirmed/);
  expect(await ap.getByTestId("booking-request").count()).toBe(0); // nothing left to answer
  await screenshots(ap, "calendar-week");
  await cp.context().close();
  await ap.context().close();
});
