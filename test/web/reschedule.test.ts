// Rescheduling in the browser: inside the artist's cancellation notice the customer's new time
// shows "Awaiting artist approval" and the appointment keeps its time; the artist approves or
// declines it from the calendar page.
import { beforeAll, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import type { TestApp } from "../helpers/app.ts";
import { signedInUser } from "../helpers/accounts.ts";
import type { HttpClient } from "../helpers/http.ts";
import { loggedInPage, POLL, screenshots, textOf, webSuite } from "./support.ts";

const HOUR = 3_600_000,
  DAY = 24 * HOUR;
const ALL_DAY = { start: "00:00", end: "24:00" };
let app: TestApp;
let browser: Browser;
let artist: { client: HttpClient; email: string; userId: string };
let serviceId: string;

/** A whole hour about `ms` from now. */
const ahead = (ms: number) => new Date(Math.ceil((Date.now() + ms) / HOUR) * HOUR);
/** The value a datetime-local input takes for `d` in this process's zone (the browser's too). */
const localInput = (d: Date) => {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
};

async function confirmedAppointment(
  start: Date,
): Promise<{ customer: { client: HttpClient; email: string }; appointmentId: string }> {
  const customer = await signedInUser(app, { role: "customer" });
  const req = await customer.client.post("/api/bookings/requests", {
    artistId: artist.userId,
    idea: "Tiny moon",
    placement: "ankle",
    size: "3 cm",
  });
  expect(
    (
      await artist.client.post(`/api/bookings/requests/${req.body.id}/offer`, {
        serviceId,
        slots: [{ start: start.toISOString() }],
      })
    ).status,
  ).toBe(200);
  const accepted = await customer.client.post(`/api/bookings/requests/${req.body.id}/accept`, {
    start: start.toISOString(),
  });
  expect(accepted.body.status).toBe("confirmed");
  return { customer, appointmentId: accepted.body.appointmentId };
}
const startOf = async (id: string) =>
  (await artist.client.get(`/api/bookings/appointments/${id}`)).body as {
    start: string;
    requestedStart: string | null;
  };

webSuite(
  () => ({}),
  (s) => ({ app, browser } = s),
);

beforeAll(async () => {
  artist = await signedInUser(app, { role: "artist" });
  expect(
    (
      await artist.client.put("/api/me/artist-profile", {
        displayName: "Noa Dotwork",
        city: "Berlin",
        country: "DE",
        styles: ["dotwork"],
        lat: 52.52,
        lng: 13.4,
        visible: true,
        timeZone: "UTC",
        bufferMinutes: 0,
        cancelNoticeHours: 48,
        workingHours: Object.fromEntries(["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, [ALL_DAY]])),
      })
    ).status,
  ).toBe(201);
  serviceId = (
    await artist.client.post("/api/me/artist-profile/services", {
      kind: "session",
      name: "Small piece",
      durationMinutes: 60,
      depositCents: 0,
      currency: "eur",
    })
  ).body.id;
});

it("a move inside the notice window waits for the artist, who approves it on the calendar page", async () => {
  const original = ahead(26 * HOUR);
  const { customer, appointmentId } = await confirmedAppointment(original);
  const wanted = ahead(10 * DAY);

  const cp = await loggedInPage(browser, app, customer.email);
  await cp.goto("/bookings");
  const card = cp.getByTestId("appointment");
  await expect.poll(() => card.count(), POLL).toBe(1);
  await card.getByRole("button", { name: "Reschedule" }).click();
  await card.getByLabel("New time").fill(localInput(wanted));
  await card.getByRole("button", { name: "Ask for this time" }).click();
  await expect.poll(() => textOf(card.getByTestId("reschedule-pending")), POLL).toMatch(/Awaiting artist approval/);
  await screenshots(cp, "my-bookings-reschedule-pending");
  // Nothing moved yet.
  const waiting = await startOf(appointmentId);
  expect(new Date(waiting.start).getTime()).toBe(original.getTime());
  expect(new Date(waiting.requestedStart!).getTime()).toBe(wanted.getTime());

  const ap = await loggedInPage(browser, app, artist.email);
  await ap.goto("/calendar");
  const request = ap.getByTestId("reschedule-request");
  await expect.poll(() => request.count(), POLL).toBe(1);
  await screenshots(ap, "calendar-reschedule-request");
  await request.getByRole("button", { name: "Approve new time" }).click();
  await expect.poll(async () => new Date((await startOf(appointmentId)).start).getTime(), POLL).toBe(wanted.getTime());
  await expect.poll(() => request.count(), POLL).toBe(0);

  await cp.reload();
  await expect.poll(() => card.count(), POLL).toBe(1);
  expect(await card.getByTestId("reschedule-pending").count()).toBe(0);
  await cp.context().close();
  await ap.context().close();
});

it("the artist declines: the appointment keeps its time and the customer no longer sees a pending request", async () => {
  const original = ahead(30 * HOUR);
  const { customer, appointmentId } = await confirmedAppointment(original);
  expect(
    (
      await customer.client.post(`/api/bookings/appointments/${appointmentId}/reschedule`, {
        start: ahead(12 * DAY).toISOString(),
      })
    ).status,
  ).toBe(202);

  const ap = await loggedInPage(browser, app, artist.email);
  await ap.goto("/calendar");
  const request = ap.getByTestId("reschedule-request");
  await expect.poll(() => request.count(), POLL).toBe(1);
  await request.getByRole("button", { name: "Decline" }).click();
  await expect.poll(() => request.count(), POLL).toBe(0);
  const after = await startOf(appointmentId);
  expect(new Date(after.start).getTime()).toBe(original.getTime());
  expect(after.requestedStart).toBeNull();

  const cp = await loggedInPage(browser, app, customer.email);
  await cp.goto("/bookings");
  await expect.poll(() => cp.getByTestId("appointment").count(), POLL).toBe(1);
  expect(await cp.getByTestId("reschedule-pending").count()).toBe(0);
  await cp.context().close();
  await ap.context().close();
});
