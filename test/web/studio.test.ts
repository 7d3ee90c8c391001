// The studio in the browser: an artist publishes a profile with the keyboard alone (address and
// coordinates typed, no map click, errors announced and focused); a customer reads the deposit
// and cancellation policy in words before requesting and again before paying, then sees the
// studio's address once the deposit is paid; the artist's week, opened from a browser in another
// time zone, shows the studio's days and times, a day off as closed, and opens an appointment.
import { DateTime } from "luxon";
import type { Browser, Page } from "playwright-core";
import { expect, it } from "vitest";
import { startStripeStandIn, type StripeStandIn } from "../../standins/stripe/index.ts";
import { signedInUser } from "../helpers/accounts.ts";
import type { TestApp } from "../helpers/app.ts";
import { until } from "../helpers/realtime.ts";
import {
  DESKTOP,
  loggedInPage,
  logIn,
  POLL,
  screenshots,
  showWeekOf,
  startTileStub,
  textOf,
  tileConfigScript,
  type TileStub,
  webSuite,
} from "./support.ts";

const ZONE = "Europe/Berlin";
const BROWSER_ZONE = "America/Los_Angeles"; // 9 hours behind the studio
const DEPOSIT_WORDS =
  "A deposit of €50 is due when you accept a time; it is refunded if you cancel at least 48 hours before the appointment.";

let app: TestApp;
let browser: Browser;
let tiles: TileStub;
let stripe: StripeStandIn;

webSuite(
  async (track) => {
    tiles = track(await startTileStub());
    stripe = track(await startStripeStandIn());
    return { env: { VITE_TILE_URL: tiles.template, ...stripe.env() } };
  },
  (s) => ({ app, browser } = s),
);

/** Presses Tab until the focused control's label (or accessible name) matches: the keyboard
 *  user's way to a field. Fails when it is not reachable within `max` presses. */
async function tabTo(page: Page, label: RegExp, max = 120): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    const name = await page.evaluate(() => {
      const el = document.activeElement as HTMLInputElement | null;
      return (el?.labels?.[0]?.textContent ?? el?.getAttribute("aria-label") ?? el?.textContent ?? "").trim();
    });
    if (label.test(name)) return;
  }
  throw new Error(`no control labelled ${label} reachable with Tab`);
}

/** Types into the focused field, replacing what it held (select all, then type). */
async function retype(page: Page, text: string): Promise<void> {
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type(text);
}

const focusedLabel = (page: Page) =>
  page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.labels?.[0]?.textContent?.trim() ?? "");

it("a keyboard-only artist fills in the address and coordinates and publishes the profile", async () => {
  const artist = await signedInUser(app, { role: "artist" });
  const page = await loggedInPage(browser, app, artist.email, { init: tileConfigScript(tiles.template) });
  await page.goto("/profile");
  await expect.poll(() => page.locator("#profile-form").count(), POLL).toBe(1);

  await tabTo(page, /^Name customers know you by$/);
  await retype(page, "Mara Needle");
  await tabTo(page, /^Studio$/);
  await page.keyboard.type("Needle & Thread");
  await tabTo(page, /^Street and number$/);
  await page.keyboard.type("Torstraße 1");
  // The postcode is left out on purpose; the API names it.
  await tabTo(page, /^City$/);
  await page.keyboard.type("Berlin");
  await tabTo(page, /^Country code$/);
  await page.keyboard.type("DE");
  await tabTo(page, /Blackwork/);
  await page.keyboard.press("Space");
  await tabTo(page, /^Latitude$/);
  await page.keyboard.type("95");
  await tabTo(page, /^Longitude$/);
  await page.keyboard.type("13.4013");
  await tabTo(page, /Show me on the map/);
  await page.keyboard.press("Space");
  await page.keyboard.press("Enter"); // implicit submission from the checkbox's form

  // Both mistakes are announced (the alert, each field's described-by error) and the first is focused.
  await expect.poll(() => textOf(page.locator("#profile-form [role=alert]")), POLL).toMatch(/need attention/);
  await expect.poll(() => textOf(page.locator("#profile-postcode-error")), POLL).toMatch(/postcode/);
  expect(await page.locator("#profile-lat-error").innerText()).toMatch(/between -90 and 90/);
  expect(await page.locator("#profile-lat").getAttribute("aria-invalid")).toBe("true");
  expect(await page.locator("#profile-lat").getAttribute("aria-describedby")).toContain("profile-lat-error");
  await expect.poll(() => focusedLabel(page), POLL).toBe("Postcode");
  await screenshots(page, "profile-editor-errors");

  await page.keyboard.type("10119");
  await tabTo(page, /^Latitude$/);
  await retype(page, "52.5299");
  await page.keyboard.press("Enter");
  await expect
    .poll(() => textOf(page.locator("#profile-form p.msg[role=status]")), POLL)
    .toBe("Saved. Your profile is on the map.");
  expect(await page.getByTestId("location").innerText()).toBe("Location set: 52.5299, 13.4013");

  const saved = (await artist.client.get("/api/me/artist-profile")).body;
  expect(saved).toMatchObject({
    displayName: "Mara Needle",
    studio: "Needle & Thread",
    street: "Torstraße 1",
    postcode: "10119",
    city: "Berlin",
    country: "DE",
    lat: 52.5299,
    lng: 13.4013,
    visible: true,
    styles: ["blackwork"],
  });
  // Published: the public page exists (and tells nobody the street).
  const pub = await app.client().get(`/api/artists/${artist.userId}`);
  expect(pub.status).toBe(200);
  expect(pub.text).not.toContain("Torstra");
  await screenshots(page, "profile-editor-keyboard");
  await page.context().close();
});

it("the policy is in words before requesting and before paying; the address shows once paid", async () => {
  const artist = await signedInUser(app, { role: "artist" });
  const week = Object.fromEntries(
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, [{ start: "10:00", end: "18:00" }]]),
  );
  const put = await artist.client.put("/api/me/artist-profile", {
    displayName: "Ole Ink",
    studio: "Ole's Studio",
    street: "Kastanienallee 7",
    postcode: "10435",
    city: "Berlin",
    country: "DE",
    lat: 52.538,
    lng: 13.41,
    visible: true,
    timeZone: ZONE,
    workingHours: week,
    bufferMinutes: 0,
    cancelNoticeHours: 48,
  });
  expect(put.status, put.text).toBe(201);
  const service = await artist.client.post("/api/me/artist-profile/services", {
    kind: "session",
    name: "Forearm piece",
    durationMinutes: 120,
    depositCents: 5000,
    currency: "eur",
  });
  expect(service.status).toBe(201);
  const customer = await signedInUser(app, { role: "customer" });

  // Before requesting: on the artist's page, and in the form for the chosen service.
  const cp = await loggedInPage(browser, app, customer.email, { init: tileConfigScript(tiles.template) });
  await cp.goto(`/artists/${artist.userId}`);
  await expect.poll(() => textOf(cp.getByTestId("artist-policy")), POLL).toContain(DEPOSIT_WORDS);
  expect(await cp.getByTestId("artist-profile").innerText()).not.toMatch(/Kastanienallee|10435/);
  await cp.getByRole("button", { name: "Request a booking" }).click();
  await cp.getByLabel("Service").selectOption({ label: "Forearm piece (120 min)" });
  expect(await cp.getByTestId("booking-policy").innerText()).toContain(DEPOSIT_WORDS);
  expect(await cp.getByTestId("booking-policy").innerText()).toMatch(/until 48 hours before it starts/);
  await cp.getByLabel("Your idea").fill("A compass rose");
  await cp.getByLabel("Placement").fill("forearm");
  await cp.getByLabel("Size").fill("12 cm");
  await screenshots(cp, "artist-policy");
  await cp.getByRole("button", { name: "Send request" }).click();
  await expect.poll(() => cp.getByTestId("request-sent").count(), POLL).toBe(1);

  // The artist offers a time (through the API: the offer form is tested elsewhere).
  const start = DateTime.now().setZone(ZONE).plus({ days: 9 }).set({ hour: 11, minute: 0, second: 0, millisecond: 0 });
  const [request] = (await artist.client.get("/api/bookings/requests?as=artist")).body.items;
  const offer = await artist.client.post(`/api/bookings/requests/${request.id}/offer`, {
    serviceId: service.body.id,
    slots: [{ start: start.toUTC().toISO() }],
  });
  expect(offer.status, offer.text).toBe(200);

  // Before paying: the accept step says what the deposit is and when it comes back.
  await cp.goto("/bookings");
  const card = cp.getByTestId("request").filter({ hasText: "A compass rose" });
  await expect.poll(() => card.getAttribute("data-status").catch(() => null), POLL).toBe("offered");
  const policy = card.getByTestId("offer-policy");
  expect(await policy.innerText()).toContain(DEPOSIT_WORDS);
  expect(await policy.isVisible()).toBe(true);
  expect(await card.getByRole("heading", { name: "Deposit €50.00 and cancellation" }).count()).toBe(1);
  expect(await card.getByRole("button", { name: "Accept this time" }).getAttribute("aria-describedby")).toBe(
    await policy.getAttribute("id"),
  );
  // The offered time as the studio's clock shows it (11:00 Berlin, whatever this browser's zone).
  expect(await card.locator("fieldset legend").innerText()).toMatch(/Europe\/Berlin time/);
  expect(await card.locator("label.choice").first().innerText()).toMatch(/11:00\s*AM – 01:00\s*PM/);
  await card.getByRole("radio").first().check();
  await screenshots(cp, "my-bookings-policy");
  await card.getByRole("button", { name: "Accept this time" }).click();
  await cp.waitForURL(/\/c\/pay\/cs_test_/, POLL); // Stripe's checkout (the stand-in)

  // Paid (Stripe's verified webhook); back on My bookings the address is there.
  const [appointment] = (await customer.client.get("/api/bookings/appointments")).body.items;
  expect(appointment).toMatchObject({ status: "pending_deposit", address: null });
  const session = stripe.sessions().find((s) => s.metadata.appointmentId === appointment.id)!;
  expect((await stripe.completeCheckout(session.id, `${app.url}/api/webhooks/stripe`)).status).toBe(200);
  await until(
    async () => (await customer.client.get("/api/bookings/appointments")).body.items[0]?.status === "confirmed",
    5000,
    "the deposit confirmation",
  );
  await cp.goto("/bookings");
  const booked = cp.getByTestId("my-appointments").locator("[data-status=confirmed]");
  await expect
    .poll(() => textOf(booked.getByTestId("studio-address")), POLL)
    .toMatch(/Ole's Studio\s+Kastanienallee 7\s+10435 Berlin\s+DE/);
  expect(await booked.innerText()).toContain("with Ole Ink");
  await screenshots(cp, "my-bookings-address");
  await cp.context().close();
});

it("the week view shows the studio's times from a browser in another zone, closed days, clickable appointments", async () => {
  const artist = await signedInUser(app, { role: "artist" });
  const open = [{ start: "10:00", end: "18:00" }];
  const put = await artist.client.put("/api/me/artist-profile", {
    displayName: "Wen Linework",
    timeZone: ZONE,
    workingHours: { mon: open, tue: open, wed: open, thu: open, fri: open, sat: [], sun: [] },
    bufferMinutes: 0,
    lat: 52.5,
    lng: 13.4,
    visible: true,
  });
  expect(put.status, put.text).toBe(201);
  const service = await artist.client.post("/api/me/artist-profile/services", {
    kind: "session",
    name: "Small piece",
    durationMinutes: 90,
  });
  // Wednesday 10:00 in Berlin, two weeks ahead: 01:00 in the browser's zone.
  const start = DateTime.now().setZone(ZONE).plus({ weeks: 2 }).startOf("week").plus({ days: 2, hours: 10 });
  const customer = await signedInUser(app, { role: "customer" });
  const req = await customer.client.post("/api/bookings/requests", {
    artistId: artist.userId,
    idea: "Fern",
    placement: "ankle",
    size: "6 cm",
  });
  const iso = start.toUTC().toISO()!;
  expect(
    (
      await artist.client.post(`/api/bookings/requests/${req.body.id}/offer`, {
        serviceId: service.body.id,
        slots: [{ start: iso }],
      })
    ).status,
  ).toBe(200);
  const accepted = await customer.client.post(`/api/bookings/requests/${req.body.id}/accept`, { start: iso });
  expect(accepted.body.status).toBe("confirmed"); // no deposit on this service

  const context = await browser.newContext({ viewport: DESKTOP, baseURL: app.url, timezoneId: BROWSER_ZONE });
  context.setDefaultTimeout(15_000);
  await logIn(context, artist.email);
  const page = await context.newPage();
  expect(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone)).toBe(BROWSER_ZONE);
  await page.goto("/calendar");
  await expect.poll(() => page.getByTestId("week").count(), POLL).toBe(1);
  expect(await page.getByTestId("week-zone").innerText()).toMatch(
    /studio's time zone \(Europe\/Berlin\); this device is set to America\/Los_Angeles/,
  );
  await showWeekOf(page, start.toJSDate(), ZONE);

  const wednesday = page.locator(`[data-testid=week-day][data-date="${start.toISODate()}"]`);
  const appt = wednesday.getByTestId("appointment");
  await expect.poll(() => appt.count(), POLL).toBe(1);
  expect(await appt.innerText()).toMatch(/10:00\s*AM–11:30\s*AM/);
  expect(await appt.innerText()).toMatch(/Test User/);
  expect(await page.getByTestId("week").innerText()).not.toMatch(/1:00\s*AM|01:00/);
  expect(await wednesday.innerText()).toMatch(/Open 10:00–18:00/);

  // Saturday and Sunday have no hours: closed, never "Free".
  const days = page.getByTestId("week-day");
  expect(await days.count()).toBe(7);
  for (const i of [5, 6]) {
    expect(await days.nth(i).getAttribute("data-closed")).toBe("true");
    expect(await days.nth(i).innerText()).toMatch(/Closed/i);
    expect(await days.nth(i).innerText()).not.toMatch(/Free/);
  }
  expect(await days.nth(0).innerText()).toMatch(/Free/);
  await screenshots(page, "calendar-week-studio-zone");

  // The appointment opens its details; Escape closes them and gives the focus back.
  await appt.getByRole("button").click();
  const dialog = page.getByRole("dialog");
  await expect.poll(() => dialog.count(), POLL).toBe(1);
  const details = await dialog.innerText();
  expect(details).toMatch(/Test User/);
  expect(details).toContain(customer.email);
  expect(details).toMatch(/10:00\s*AM–11:30\s*AM \(Europe\/Berlin\)/);
  expect(details).toMatch(/confirmed/);
  expect(details).toMatch(/Small piece/);
  await screenshots(page, "calendar-appointment-dialog");
  await page.keyboard.press("Escape");
  await expect.poll(() => dialog.count(), POLL).toBe(0);
  expect(await page.evaluate(() => document.activeElement?.closest("[data-testid=appointment]") !== null)).toBe(true);
  // …and the keyboard opens it too.
  await page.keyboard.press("Enter");
  await expect.poll(() => dialog.count(), POLL).toBe(1);
  await dialog.getByRole("button", { name: "Close" }).press("Enter");
  await expect.poll(() => dialog.count(), POLL).toBe(0);

  // Offering times from the same browser: free times read, and another time is typed, in the studio's zone.
  const next = await customer.client.post("/api/bookings/requests", {
    artistId: artist.userId,
    idea: "Second fern",
    placement: "wrist",
    size: "4 cm",
  });
  expect(next.status).toBe(201);
  await page.reload();
  const card = page.getByTestId("booking-request").filter({ hasText: "Second fern" });
  await expect.poll(() => card.count(), POLL).toBe(1);
  await card.getByRole("button", { name: "Offer times" }).click();
  await expect.poll(() => card.getByRole("checkbox").count(), POLL).toBeGreaterThan(0);
  for (const slot of (await card.locator(".slot").all()).slice(0, 3)) {
    const at = await slot.getByRole("checkbox").getAttribute("value");
    const berlin = DateTime.fromISO(at!, { zone: ZONE });
    expect(berlin.hour).toBeGreaterThanOrEqual(10); // inside the studio's hours…
    // …and shown as Berlin reads them (whatever space the browser's ICU puts before AM/PM)
    expect((await slot.innerText()).trim().replace(/\s+/g, " ")).toBe(berlin.toFormat("hh:mm a"));
  }
  const thursday = start.plus({ days: 1 }).set({ hour: 14 });
  await card.getByLabel("Or another time (Europe/Berlin time)").fill(thursday.toFormat("yyyy-MM-dd'T'HH:mm"));
  await card.getByRole("button", { name: "Send offer" }).click();
  await expect.poll(() => card.getAttribute("data-status").catch(() => null), POLL).toBe("offered");
  const offered = (await customer.client.get(`/api/bookings/requests/${next.body.id}`)).body.offeredSlots;
  expect(offered.map((x: { start: string }) => x.start)).toEqual([thursday.toUTC().toISO()]);
  await context.close();
});
