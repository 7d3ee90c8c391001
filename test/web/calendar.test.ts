// The artist's calendar page: an Apple calendar connected from Integrations (a real Radicale)
// whose event shows as busy time on the week, booking settings saved (and refused with the
// API's words when wrong), a service with a deposit added, and a request declined with a reason.
import { randomBytes } from "node:crypto";
import { expect, it } from "vitest";
import type { Browser } from "playwright-core";
import type { TestApp } from "../helpers/app.ts";
import { signedInUser } from "../helpers/accounts.ts";
import { startCalDavPeer, type CalDavPeer } from "../../standins/peers/radicale.ts";
import { loggedInPage, POLL, screenshots, showWeekOf, webSuite } from "./support.ts";

let peer: CalDavPeer;
let app: TestApp;
let browser: Browser;

webSuite(
  async (track) => {
    peer = track(await startCalDavPeer());
    return { env: peer.env() };
  },
  (s) => ({ app, browser } = s),
);

const icsTime = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");

it("shows busy time from a connected Apple calendar, saves booking settings and services, declines a request", async () => {
  const artist = await signedInUser(app, { role: "artist" });
  const customer = await signedInUser(app, { role: "customer" });
  expect(
    (
      await artist.client.put("/api/me/artist-profile", {
        displayName: "Sam Traditional",
        styles: ["traditional"],
        lat: 48.14,
        lng: 11.58,
        visible: true,
        timeZone: "UTC",
      })
    ).status,
  ).toBe(201);

  // The artist's own calendar server, with a private appointment tomorrow 12:00–14:00 UTC.
  const appleId = `sam-${randomBytes(3).toString("hex")}@icloud.test`,
    appPassword = "abcd-efgh-ijkl-mnop";
  await peer.addUser(appleId, appPassword);
  const cal = await peer.makeCalendar(appleId, appPassword, "studio", { displayName: "Studio", timeZone: "UTC" });
  const start = new Date(Date.now() + 86_400_000);
  start.setUTCHours(12, 0, 0, 0);
  const end = new Date(start.getTime() + 2 * 3_600_000);
  await peer.putIcs(
    appleId,
    appPassword,
    `${cal}dentist.ics`,
    [
      "BEGIN:VCALENDAR",
      "VERSION:2.0",
      "PRODID:-//Apple Inc.//macOS 14.4//EN",
      "BEGIN:VEVENT",
      "UID:dentist-1",
      "DTSTAMP:20260101T000000Z",
      `DTSTART:${icsTime(start)}`,
      `DTEND:${icsTime(end)}`,
      "SUMMARY:Dentist (private)",
      "END:VEVENT",
      "END:VCALENDAR",
      "",
    ].join("\r\n"),
  );

  const page = await loggedInPage(browser, app, artist.email);
  await page.goto("/integrations");
  await page.getByText("Connect Apple (iCloud) Calendar").click();
  await page.getByLabel("Apple Account email").fill(appleId);
  await page.getByLabel("App-specific password").fill(appPassword.replace(/-/g, " ")); // as typed from Apple's page
  await page.getByRole("button", { name: "Connect Apple Calendar" }).click();
  const card = page.getByTestId("calendar").filter({ hasText: "Studio" });
  await expect.poll(() => card.count(), POLL).toBe(1);
  await card.getByRole("button", { name: "Sync now" }).click();
  await expect.poll(() => card.innerText(), POLL).toMatch(/Last successful sync: (just now|\d+ min ago)/);
  expect(await card.innerText()).toMatch(/Tatu writes here/);

  // The week: the event is busy time, without its private title.
  await page.goto("/calendar");
  await expect.poll(() => page.getByTestId("week").count(), POLL).toBe(1);
  await showWeekOf(page, start);
  const busy = page.getByTestId("busy-block");
  await expect.poll(() => busy.count(), POLL).toBe(1);
  expect(await busy.innerText()).toMatch(/Busy \(Studio\)/);
  expect(await page.getByTestId("week").innerText()).not.toMatch(/Dentist/);

  // Booking settings: a wrong time is refused next to its day; right ones are saved.
  await page.getByLabel("Monday").fill("25:00-26:00");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect.poll(() => page.locator("#settings-hours-mon-error").innerText(), POLL).toMatch(/24-hour time/);
  await page.getByLabel("Monday").fill("10:00-14:00, 15:00-19:00");
  await page.getByLabel("Time zone").fill("Europe/Berlin");
  await page.getByLabel("Break after each session (minutes)").fill("30");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect.poll(() => page.locator("#settings-form").getByRole("status").innerText(), POLL).toBe("Saved.");
  const saved = (await artist.client.get("/api/me/artist-profile")).body;
  expect(saved).toMatchObject({
    timeZone: "Europe/Berlin",
    bufferMinutes: 30,
    workingHours: {
      mon: [
        { start: "10:00", end: "14:00" },
        { start: "15:00", end: "19:00" },
      ],
    },
    displayName: "Sam Traditional",
    visible: true,
  });

  // A service with a deposit.
  await page.locator("#service-form").getByLabel("Name").fill("Half-day session");
  await page.getByLabel("Duration (minutes)").fill("240");
  await page.getByLabel("Deposit", { exact: true }).fill("80");
  await page.getByRole("button", { name: "Add service" }).click();
  await expect
    .poll(() => page.getByText(/Half-day session · session · 240 min · deposit €80\.00/).count(), POLL)
    .toBe(1);
  await screenshots(page, "calendar-settings");

  // A request the artist turns down, with a reason the customer sees.
  const req = await customer.client.post("/api/bookings/requests", {
    artistId: artist.userId,
    idea: "Full back piece by Friday",
    placement: "back",
    size: "whole back",
  });
  expect(req.status).toBe(201);
  await page.reload();
  const request = page.getByTestId("booking-request").filter({ hasText: "Full back piece" });
  await expect.poll(() => request.count(), POLL).toBe(1);
  await request.getByRole("button", { name: "Decline" }).click();
  await request.getByLabel(/Reason/).fill("Booked out until spring, sorry!");
  await request.getByRole("button", { name: "Decline request" }).click();
  await expect.poll(() => page.getByTestId("booking-request").count(), POLL).toBe(0);
  const mine = (await customer.client.get(`/api/bookings/requests/${req.body.id}`)).body;
  expect(mine).toMatchObject({ status: "declined", declineReason: "Booked out until spring, sorry!" });
  await page.context().close();
});
