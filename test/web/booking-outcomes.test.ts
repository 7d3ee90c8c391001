// Every step on /bookings/:id, through the browser. The artist marks one appointment completed
// and another a no-show — the no-show asks first and says the deposit is kept — adds a project's
// next session (a time outside the working hours is refused with the reason), opens it from the
// week view and moves the deposit to it; the customer then cancels that session within the policy
// after the confirm step says the deposit is refunded.
import { DateTime } from "luxon";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startStripeStandIn, type StripeStandIn } from "../../standins/stripe/index.ts";
import type { TestApp } from "../helpers/app.ts";
import { bookableArtist, type BookableArtist } from "../helpers/booking.ts";
import { acceptAndPayDeposit, offeredRequest } from "../helpers/booking-requests.ts";
import type { HttpClient } from "../helpers/http.ts";
import { loggedInPage, POLL, screenshots, showWeekOf, textOf, webSuite } from "./support.ts";

let app: TestApp;
let browser: Browser;
let stripe: StripeStandIn;
webSuite(
  async (track) => {
    stripe = track(await startStripeStandIn());
    return { env: stripe.env(), publicUrl: true };
  },
  (s) => ({ app, browser } = s),
);

const ZONE = "Europe/Berlin";
const HOUR = 3_600_000;
/** `h` o'clock in the studio's zone, `days` from today. */
const at = (days: number, h: number) =>
  DateTime.now().setZone(ZONE).plus({ days }).startOf("day").set({ hour: h }).toUTC().toISO()!;
/** What the studio-zone datetime-local input takes for an instant. */
const wallInput = (iso: string) => DateTime.fromISO(iso).setZone(ZONE).toFormat("yyyy-MM-dd'T'HH:mm");
const same = (a: string, b: string) => new Date(a).getTime() === new Date(b).getTime();

let artist: BookableArtist;
const get = async (client: HttpClient, id: string) => (await client.get(`/api/bookings/appointments/${id}`)).body;

/** A customer's booking of `start`, deposit paid through Stripe's webhook. */
async function paid(start: string, idea: string) {
  const { customer, requestId, offer } = await offeredRequest(app, artist, artist.serviceId, start, {
    idea,
    placement: "forearm",
    size: "10 cm",
  });
  expect(offer.status, offer.text).toBe(200);
  const appointmentId = await acceptAndPayDeposit(app, stripe, customer, requestId, start);
  const email = (await customer.client.get("/api/auth/me")).body.user.email as string;
  return { customer: { ...customer, email }, appointmentId };
}

/** Time passes: the appointment started `hoursAgo` hours ago. */
async function startedAgo(id: string, hoursAgo: number) {
  const start = new Date(Math.floor((Date.now() - hoursAgo * HOUR) / HOUR) * HOUR);
  const end = new Date(start.getTime() + HOUR);
  await app.ctx.db.appointment.update({ where: { id }, data: { start, end, blockEnd: end, policyStart: start } });
}

async function openBooking(page: Page, id: string) {
  await page.goto(`/bookings/${id}`);
  await expect.poll(() => page.getByTestId("booking").count(), POLL).toBe(1);
}

let ap: Page;
let project: Awaited<ReturnType<typeof paid>>;
let added: string;

beforeAll(async () => {
  artist = await bookableArtist(app, {
    zone: ZONE,
    name: "Vera Ink",
    cancelNoticeHours: 48,
    service: { name: "Session", durationMinutes: 60, depositCents: 5000 },
  });
  await app.ctx.db.artistProfile.update({
    where: { userId: artist.userId },
    data: { studio: "Vera Ink Studio", street: "Oranienstraße 12", postcode: "10999", city: "Berlin", country: "DE" },
  });
  ap = await loggedInPage(browser, app, artist.email);
}, 60_000);
afterAll(() => ap?.context().close());

it("the artist marks one appointment completed and another a no-show, after the confirm step", async () => {
  const done = await paid(at(4, 11), "Swallow and rose");
  const missed = await paid(at(4, 14), "Dagger");
  await startedAgo(done.appointmentId, 26);
  await startedAgo(missed.appointmentId, 50);

  // Completed: one click once it started.
  await openBooking(ap, done.appointmentId);
  const actions = ap.getByTestId("booking-actions");
  await expect.poll(() => textOf(actions), POLL).toMatch(/How did it go\?/);
  expect(await textOf(ap.getByTestId("booking-customer"))).toMatch(/With you: 1 request, 0 completed sessions/);
  await screenshots(ap, "booking-artist-started");
  await actions.getByRole("button", { name: "Mark completed" }).click();
  await expect.poll(() => textOf(ap.getByTestId("booking-outcome")), POLL).toMatch(/^Marked completed on /);
  expect((await get(artist.client, done.appointmentId)).status).toBe("completed");

  // No-show: the confirm step says what happens; going back changes nothing.
  await openBooking(ap, missed.appointmentId);
  await actions.getByRole("button", { name: "Mark as no-show…" }).click();
  const confirm = ap.getByTestId("confirm-no-show");
  expect(await textOf(confirm.getByTestId("confirm-consequence"))).toMatch(
    /^The deposit of €50(\.00)? is kept per your policy\. The no-show is recorded on .+'s client record/,
  );
  await confirm.getByRole("button", { name: "Go back" }).click();
  expect(await confirm.count()).toBe(0);
  expect((await get(artist.client, missed.appointmentId)).status).toBe("confirmed");
  await actions.getByRole("button", { name: "Mark as no-show…" }).click();
  await screenshots(ap, "booking-artist-no-show-confirm");
  await confirm.getByRole("button", { name: "Yes, mark as no-show" }).click();
  await expect
    .poll(() => textOf(ap.getByTestId("booking-outcome")), POLL)
    .toMatch(/Marked as a no-show on .+\. The deposit was kept, as your policy says\./);
  expect(await get(missed.customer.client, missed.appointmentId)).toMatchObject({
    status: "no_show",
    depositOutcome: "kept",
    project: { depositStatus: "kept" },
  });
  expect(stripe.refunds()).toHaveLength(0);
}, 90_000);

it("the artist adds a project's next session, opens it from the week view and moves the deposit to it", async () => {
  project = await paid(at(10, 11), "Koi sleeve");
  // The artist moves it (typed as the studio's clock reads): moved at once.
  await openBooking(ap, project.appointmentId);
  const card = ap.getByTestId("booking").getByTestId("appointment");
  await card.getByRole("button", { name: "Reschedule" }).click();
  await card.getByLabel("New time (Europe/Berlin time, where the studio is)").fill(wallInput(at(10, 15)));
  await card.getByRole("button", { name: "Ask for this time" }).click();
  await expect
    .poll(async () => same((await get(artist.client, project.appointmentId)).start, at(10, 15)), POLL)
    .toBe(true);
  // The next session: outside the working hours is refused with the reason; inside them it is added.
  const next = ap.getByTestId("next-session");
  await next.getByLabel("Start (Europe/Berlin time, same service)").fill(wallInput(at(17, 20)));
  await next.getByRole("button", { name: "Add session" }).click();
  await expect
    .poll(() => textOf(next.getByRole("alert")), POLL)
    .toMatch(/outside your working hours: you work 10:00–18:00/);
  const nextStart = at(17, 11);
  await next.getByLabel("Start (Europe/Berlin time, same service)").fill(wallInput(nextStart));
  await next.getByRole("button", { name: "Add session" }).click();
  await expect.poll(() => textOf(next.getByTestId("session-added")), POLL).toMatch(/^Session added for /);
  const sessions = (await get(artist.client, project.appointmentId)).sessions as { id: string; start: string }[];
  expect(sessions).toHaveLength(2);
  added = sessions.find((s) => same(s.start, nextStart))!.id;
  await expect.poll(() => ap.getByTestId("session").count(), POLL).toBe(2);

  // The week view opens it on the booking page, where the deposit moves to it.
  await ap.goto("/calendar");
  await expect.poll(() => ap.getByTestId("week").count(), POLL).toBe(1);
  await showWeekOf(ap, new Date(nextStart), ZONE);
  const inWeek = ap.getByTestId("week").getByTestId("appointment");
  await expect.poll(() => inWeek.count(), POLL).toBe(1);
  await inWeek.getByRole("button").click();
  await ap.getByTestId("appointment-dialog").getByRole("link", { name: "Open the booking" }).click();
  await ap.waitForURL((u) => u.pathname === `/bookings/${added}`, { timeout: POLL.timeout });
  const chooser = ap.getByTestId("deposit-chooser");
  await expect.poll(() => chooser.count(), POLL).toBe(1);
  await chooser.getByRole("radio", { name: /\(this one\)/ }).check();
  await chooser.getByRole("button", { name: "Apply the deposit to this session" }).click();
  await expect
    .poll(() => textOf(ap.getByTestId("session").filter({ has: ap.getByTestId("deposit-holder") })), POLL)
    .toMatch(/\(this one\)/);
  expect((await get(artist.client, added)).project.depositAppointmentId).toBe(added);
  await screenshots(ap, "booking-artist-sessions");
}, 90_000);

it("the customer cancels the session holding the deposit within the policy: told first it is refunded", async () => {
  const cp = await loggedInPage(browser, app, project.customer.email);
  await openBooking(cp, added);
  // The artist, the studio's address (booked: shown) and the policy.
  expect(await textOf(cp.getByTestId("booking"))).toMatch(/with Vera Ink/);
  expect(await textOf(cp.getByTestId("studio-address"))).toBe("Vera Ink Studio\nOranienstraße 12\n10999 Berlin\nDE");
  expect(await textOf(cp.getByTestId("booking"))).toMatch(/refunded if you cancel at least 48 hours/);
  const customerActions = cp.getByTestId("booking-actions");
  await customerActions.getByRole("button", { name: "Cancel appointment…" }).click();
  const cancelStep = cp.getByTestId("confirm-cancel");
  expect(await textOf(cancelStep.getByTestId("confirm-consequence"))).toMatch(
    /^Your deposit of €50(\.00)? is refunded: you are cancelling at least 48 hours before the appointment\./,
  );
  await screenshots(cp, "booking-customer-cancel-confirm");
  await cancelStep.getByLabel(/Reason/).fill("Moving abroad");
  await cancelStep.getByRole("button", { name: "Yes, cancel it" }).click();
  await expect.poll(async () => (await get(project.customer.client, added)).status, POLL).toBe("cancelled");
  await expect.poll(() => textOf(cp.getByTestId("cancel-reason")), POLL).toBe("Cancelled: Moving abroad");
  expect(await get(project.customer.client, added)).toMatchObject({
    depositOutcome: "refunded",
    project: { depositStatus: "refunded" },
  });
  expect(stripe.refunds()).toEqual([expect.objectContaining({ amount: 5000 })]);
  // The first session stays on, without a deposit now.
  await openBooking(cp, project.appointmentId);
  expect((await get(project.customer.client, project.appointmentId)).status).toBe("confirmed");
  await screenshots(cp, "booking-customer");
  await cp.context().close();
}, 90_000);

it("the times-offered email's link preselects its time on My bookings, waiting for the customer to accept it", async () => {
  const free = await app.ctx.db.service.create({
    data: { artistId: artist.userId, kind: "session", name: "Flash", durationMinutes: 60 },
  });
  const first = at(40, 11),
    second = at(41, 15);
  const { customer, requestId } = await offeredRequest(app, artist, free.id, first, {
    idea: "Flash swallow",
    placement: "ankle",
    size: "5 cm",
  });
  expect(
    (
      await artist.client.post(`/api/bookings/requests/${requestId}/offer`, {
        serviceId: free.id,
        slots: [{ start: first }, { start: second }],
      })
    ).status,
  ).toBe(200);
  const email = (await customer.client.get("/api/auth/me")).body.user.email as string;
  const cp = await loggedInPage(browser, app, email);
  // The link as the email writes it (service/notifications/templates).
  await cp.goto(`/bookings?request=${requestId}&slot=${encodeURIComponent(second)}`);
  const card = cp.getByTestId("request");
  await expect
    .poll(() => textOf(card.getByTestId("linked-slot")), POLL)
    .toMatch(/^You chose .+ in the email\. Read the policy below, then confirm with "Accept this time"\.$/);
  const radios = card.getByRole("radio");
  expect(await radios.count()).toBe(2);
  expect(await radios.nth(1).isChecked()).toBe(true);
  expect(await radios.nth(0).isChecked()).toBe(false);
  // Nothing is booked until the customer confirms.
  expect(await app.ctx.db.appointment.count({ where: { customerId: customer.userId } })).toBe(0);
  await screenshots(cp, "my-bookings-linked-slot");
  await card.getByRole("button", { name: "Accept this time" }).click();
  await expect.poll(() => textOf(cp.getByTestId("booking-confirmed")), POLL).toBe("Booked — see you then!");
  const booked = await app.ctx.db.appointment.findFirstOrThrow({ where: { customerId: customer.userId } });
  expect(same(booked.start.toISOString(), second)).toBe(true);

  // A link to a time no longer offered says so instead of choosing anything.
  await cp.goto(`/bookings?request=${requestId}&slot=${encodeURIComponent(first)}`);
  await expect
    .poll(() => textOf(cp.getByTestId("linked-slot")), POLL)
    .toBe("The times in the email are no longer on offer: this request is booked.");
  await cp.context().close();
}, 90_000);
