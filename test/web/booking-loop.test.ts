// The whole booking loop, twice, as a customer and an artist live it in the browser, with every
// notification read from a real SMTP server: request with an image → offer → the offer email's
// link → accept → Stripe's hosted checkout and its signed webhook → back on /bookings/:id →
// reschedule → completed; and the same to a no-show; plus a checkout left unpaid. Mail is sent
// by a real worker process (`npm run worker`), killed -9 while the SMTP server holds its answer
// to a delivery (handed over, not yet accepted): a new worker sends what was left, and every
// person gets every message exactly once.
import { DateTime } from "luxon";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startStripeStandIn, type StripeStandIn } from "../../standins/stripe/index.ts";
import type { TestApp } from "../helpers/app.ts";
import { bookableArtist } from "../helpers/booking.ts";
import { spawnWorker, type ServiceProcess } from "../chaos/helpers/processes.ts";
import { cron, workerEnv } from "../chaos/helpers/scenario.ts";
import { removeDataDir, sharedEnv } from "../chaos/helpers/secrets.ts";
import { signedInOverSmtp, startMailbox, type Mailbox } from "../notifications/mailbox.ts";
import type { Browser } from "playwright-core";
import {
  acceptFromEmail,
  exactlyTheseMails,
  icsEvent,
  offerTimes,
  payOnCheckout,
  personIn,
  requestFromProfile,
  slotLinks,
  statusOf,
  type Person,
} from "./booking-loop-steps.ts";
import { POLL, screenshots, textOf, webSuite } from "./support.ts";

const ZONE = "Europe/Berlin";
const HOUR = 3_600_000;
const shared = sharedEnv();
let app: TestApp;
let browser: Browser;
let stripe: StripeStandIn;
let mailbox: Mailbox;
let worker: ServiceProcess;

webSuite(
  async (track) => {
    mailbox = track(await startMailbox());
    stripe = track(await startStripeStandIn());
    return { env: { ...shared, ...mailbox.env(), ...stripe.env() }, redis: true, publicUrl: true };
  },
  (s) => ({ app, browser } = s),
);

const startWorker = () =>
  spawnWorker(workerEnv(app, shared, { ...mailbox.env(), ...stripe.env(), NEXTAUTH_URL: app.url }));

beforeAll(async () => {
  stripe.setWebhookEndpoint(`${app.url}/api/webhooks/stripe`);
  worker = await startWorker();
}, 120_000);

afterAll(async () => {
  await worker?.kill9();
  removeDataDir(shared);
});

type Artist = Person & { userId: string };

/** An artist signed up and verified over SMTP, open 10:00–18:00 in Berlin with a half-day session
 *  (€50 deposit, 48 hours' notice) and a studio address. */
async function newArtist(studio: string): Promise<Artist> {
  const user = await signedInOverSmtp(app, mailbox, "artist", `${studio} owner`);
  await bookableArtist(app, {
    user,
    zone: ZONE,
    name: studio,
    cancelNoticeHours: 48,
    service: { name: "Half day", durationMinutes: 180, depositCents: 5000 },
  });
  await app.ctx.db.artistProfile.update({
    where: { userId: user.userId },
    data: {
      studio,
      street: "Torstraße 1",
      postcode: "10119",
      city: "Berlin",
      country: "DE",
      ...{ lat: 52.5297, lng: 13.4012, publicLat: 52.53, publicLng: 13.4 },
    },
  });
  return { ...(await personIn(browser, app, user.email, studio)), userId: user.userId };
}

async function newCustomer(name: string): Promise<Person> {
  const c = await signedInOverSmtp(app, mailbox, "customer", name);
  return personIn(browser, app, c.email, name);
}

/** Request → offer → the offer email's second link → accept: the customer is on Stripe's checkout. */
async function bookedUpToCheckout(artist: Artist, customer: Person, idea: string): Promise<void> {
  await requestFromProfile(customer, artist.userId, idea);
  await offerTimes(artist, idea, 2);
  const offer = await mailbox.waitFor(customer.email, new RegExp(`^${artist.name} offered you 2 times$`));
  const links = slotLinks(offer);
  expect(links).toHaveLength(2);
  await acceptFromEmail(customer, links[1]!);
}

const appointment = (id: string) => app.ctx.db.appointment.findUniqueOrThrow({ where: { id } });

/** Time passes: the appointment started `hoursAgo` hours ago. */
async function startedAgo(id: string, hoursAgo: number): Promise<void> {
  const a = await appointment(id);
  const start = new Date(Math.floor((Date.now() - hoursAgo * HOUR) / HOUR) * HOUR);
  const end = new Date(start.getTime() + (a.end.getTime() - a.start.getTime()));
  await app.ctx.db.appointment.update({ where: { id }, data: { start, end, blockEnd: end, policyStart: start } });
}

/** The mails up to a confirmed booking, for the customer and for the artist. */
const customerBooked = (artist: string) => [
  new RegExp(`^Your request to ${artist} was sent$`),
  new RegExp(`^${artist} offered you 2 times$`),
  new RegExp(`^Receipt: €50\\.00 deposit to ${artist}$`),
  new RegExp(`^Booking confirmed: ${artist}, `),
];
const artistBooked = (customer: string) => [
  new RegExp(`^New booking request from ${customer}$`),
  new RegExp(`^Booked: ${customer}, `),
];

it("request → offer → accept → deposit → back on the booking → reschedule → completed; every mail once, a worker killed mid-send", async () => {
  const artist = await newArtist("Nordlicht");
  const mira = await newCustomer("Mira Sol");
  await bookedUpToCheckout(artist, mira, "A moth with moon phases");
  const [requestMail] = await exactlyTheseMails(mailbox, artist.email, artistBooked("Mira Sol").slice(0, 1));
  expect(requestMail!.text).toMatch(/A moth with moon phases[\s\S]*forearm[\s\S]*12 cm/);
  expect(requestMail!.attachments.some((a) => a.contentType === "image/png" && a.cid)).toBe(true);

  // The first mail to Mira after paying is handed to SMTP and held there unanswered, and the
  // worker sending it dies: nothing was accepted, and the new worker sends it once.
  const held = mailbox.holdNext(mira.email);
  await screenshots(mira.page, "loop-stripe-checkout");
  const appointmentId = await payOnCheckout(mira);
  await held.waiting;
  await worker.kill9();
  worker = await startWorker();
  // The killed drain's lease (120 s) runs out; the sync-messages sweep finds the rows.
  await app.ctx.db.notificationOutbox.updateMany({
    where: { status: "pending", claimedUntil: { not: null } },
    data: { claimedUntil: new Date(Date.now() - 1000) },
  });
  expect((await cron(app, "/api/cron/sync-messages")).status).toBe(200);

  await expect.poll(() => statusOf(mira.page), POLL).toBe("Your deposit is paid: the booking is confirmed.");
  expect(await textOf(mira.page.getByTestId("booking"))).toMatch(/Torstraße 1[\s\S]*10119 Berlin/);
  await screenshots(mira.page, "loop-booking-confirmed");

  const booked = await appointment(appointmentId);
  const [, , receipt, confirmed] = await exactlyTheseMails(mailbox, mira.email, customerBooked("Nordlicht"));
  expect(receipt!.text).toMatch(/Amount: €50\.00/);
  const ev = icsEvent(confirmed!);
  expect(ev.start.getTime()).toBe(booked.start.getTime());
  expect(ev.location).toMatch(/Torstraße 1/);
  expect(confirmed!.text).toContain(DateTime.fromJSDate(booked.start).setZone(ZONE).toFormat("HH:mm"));
  await exactlyTheseMails(mailbox, artist.email, artistBooked("Mira Sol"));

  // Mira moves it a week on, typed as the studio's clock reads. Inside the 48-hour notice the
  // move waits for the artist, who approves it on the calendar page.
  const wanted = DateTime.fromJSDate(booked.start).setZone(ZONE).plus({ days: 7 }).set({ hour: 11, minute: 0 });
  const card = mira.page.getByTestId("booking").getByTestId("appointment");
  await card.getByRole("button", { name: "Reschedule" }).click();
  await card.getByLabel(/^New time/).fill(wanted.toFormat("yyyy-MM-dd'T'HH:mm"));
  await card.getByRole("button", { name: "Ask for this time" }).click();
  await expect
    .poll(async () => (await appointment(appointmentId)).requestedStart?.getTime(), POLL)
    .toBe(wanted.toMillis());
  await artist.page.goto("/calendar");
  const ask = artist.page.getByTestId("reschedule-request");
  await expect.poll(() => ask.count(), POLL).toBe(1);
  await ask.getByRole("button", { name: "Approve new time" }).click();
  await expect.poll(async () => (await appointment(appointmentId)).start.getTime(), POLL).toBe(wanted.toMillis());
  const moved = (
    await exactlyTheseMails(mailbox, mira.email, [...customerBooked("Nordlicht"), /^Appointment moved to /])
  )[4]!;
  expect(icsEvent(moved).start.getTime()).toBe(wanted.toMillis());
  await exactlyTheseMails(mailbox, artist.email, [
    ...artistBooked("Mira Sol"),
    /^Mira Sol asks to move /,
    /^Appointment moved to /,
  ]);

  // The day comes and goes: the artist marks the session completed on the booking page.
  await startedAgo(appointmentId, 26);
  await artist.page.goto(`/bookings/${appointmentId}`);
  const actions = artist.page.getByTestId("booking-actions");
  await expect.poll(() => textOf(actions), POLL).toMatch(/How did it go\?/);
  await actions.getByRole("button", { name: "Mark completed" }).click();
  await expect.poll(() => textOf(artist.page.getByTestId("booking-outcome")), POLL).toMatch(/^Marked completed on /);
  expect((await appointment(appointmentId)).status).toBe("completed");
}, 240_000);

it("request → offer → accept → deposit → no-show: the deposit is kept, every mail once", async () => {
  const artist = await newArtist("Kranich Ink");
  const leo = await newCustomer("Leo Park");
  await bookedUpToCheckout(artist, leo, "Crane in flight");
  const appointmentId = await payOnCheckout(leo);
  await expect.poll(() => statusOf(leo.page), POLL).toBe("Your deposit is paid: the booking is confirmed.");
  await exactlyTheseMails(mailbox, leo.email, customerBooked("Kranich Ink"));
  await exactlyTheseMails(mailbox, artist.email, artistBooked("Leo Park"));

  await startedAgo(appointmentId, 3);
  await artist.page.goto(`/bookings/${appointmentId}`);
  const actions = artist.page.getByTestId("booking-actions");
  await expect.poll(() => textOf(actions), POLL).toMatch(/How did it go\?/);
  await actions.getByRole("button", { name: "Mark as no-show…" }).click();
  const confirm = artist.page.getByTestId("confirm-no-show");
  expect(await textOf(confirm.getByTestId("confirm-consequence"))).toMatch(/deposit of €50(\.00)? is kept/);
  await confirm.getByRole("button", { name: "Yes, mark as no-show" }).click();
  await expect.poll(() => textOf(artist.page.getByTestId("booking-outcome")), POLL).toMatch(/no-show/);
  expect(await appointment(appointmentId)).toMatchObject({ status: "no_show", depositOutcome: "kept" });
  expect(stripe.refunds()).toHaveLength(0);
  await screenshots(artist.page, "loop-no-show");
  const missed = (
    await exactlyTheseMails(mailbox, leo.email, [...customerBooked("Kranich Ink"), /^Missed appointment: /])
  )[4]!;
  expect(missed.text).toMatch(/The €50\.00 deposit is kept by the artist/);
}, 180_000);

it("a checkout left unpaid: back on the booking with the way to pay, then released when Stripe expires it", async () => {
  const artist = await newArtist("Eule Studio");
  const ada = await newCustomer("Ada Berg");
  await bookedUpToCheckout(artist, ada, "Owl on a branch");
  await Promise.all([
    ada.page.waitForURL(/\/bookings\/[\w-]+\?deposit=cancelled/, { timeout: POLL.timeout }),
    ada.page.getByRole("link", { name: "← Back" }).click(),
  ]);
  const appointmentId = new URL(ada.page.url()).pathname.split("/").pop()!;
  await expect.poll(() => statusOf(ada.page), POLL).toMatch(/left the checkout before paying/);
  // The same checkout again, from the booking page; left again, and Stripe lets it expire.
  await Promise.all([
    ada.page.waitForURL(/\/c\/pay\//, { timeout: POLL.timeout }),
    ada.page.getByRole("button", { name: "Pay the deposit" }).click(),
  ]);
  const session = stripe.sessions().find((s) => s.metadata.appointmentId === appointmentId)!;
  expect((await stripe.expireCheckout(session.id, `${app.url}/api/webhooks/stripe`)).status).toBe(200);
  await expect.poll(async () => (await appointment(appointmentId)).status, POLL).toBe("cancelled");
  await ada.page.goto(`/bookings/${appointmentId}`);
  await expect.poll(() => textOf(ada.page.getByTestId("cancel-reason")), POLL).toMatch(/not paid in time/);
  await screenshots(ada.page, "loop-checkout-expired");
  const released = (
    await exactlyTheseMails(mailbox, ada.email, [...customerBooked("Eule Studio").slice(0, 2), /^Cancelled: /])
  )[2]!;
  expect(released.text).toMatch(/not paid in time, so the time was released/);
}, 180_000);
