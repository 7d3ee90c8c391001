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
import { bookableArtist, type BookableArtist } from "../helpers/booking.ts";
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
const shared = sharedEnv();
let app: TestApp;
let browser: Browser;
let stripe: StripeStandIn;
let mailbox: Mailbox;
let worker: ServiceProcess;
let artistUser: BookableArtist;
let artist: Person;

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
  artistUser = await bookableArtist(app, {
    user: await signedInOverSmtp(app, mailbox, "artist", "Nora Lind"),
    zone: ZONE,
    name: "Nordlicht Tattoo",
    hours: { start: "10:00", end: "18:00" },
    cancelNoticeHours: 48,
    service: { name: "Half day", durationMinutes: 180, depositCents: 5000 },
  });
  await app.ctx.db.artistProfile.update({
    where: { userId: artistUser.userId },
    data: {
      studio: "Nordlicht",
      street: "Torstraße 1",
      postcode: "10119",
      city: "Berlin",
      country: "DE",
      ...{ lat: 52.5297, lng: 13.4012, publicLat: 52.53, publicLng: 13.4 },
    },
  });
  artist = await personIn(browser, app, artistUser.email, "Nordlicht Tattoo");
}, 120_000);

afterAll(async () => {
  await worker?.kill9();
  removeDataDir(shared);
});

async function newCustomer(name: string): Promise<Person & { userId: string }> {
  const c = await signedInOverSmtp(app, mailbox, "customer", name);
  return { ...(await personIn(browser, app, c.email, name)), userId: c.userId };
}

/** Request → offer → the offer email → accept: the customer stands on Stripe's checkout. */
async function bookedUpToCheckout(customer: Person, idea: string) {
  await requestFromProfile(customer, artistUser.userId, idea);
  await offerTimes(artist, idea, 2);
  const offer = await mailbox.waitFor(customer.email, /offered you 2 times/);
  const links = slotLinks(offer);
  expect(links).toHaveLength(2);
  await acceptFromEmail(customer, links[1]!);
}

it("request → offer → accept → deposit → back on the booking → reschedule → completed; every mail once, a worker killed mid-send", async () => {
  const mira = await newCustomer("Mira Sol");
  await bookedUpToCheckout(mira, "A moth with moon phases");
  const [requestMail] = await exactlyTheseMails(mailbox, artist.email, [/^New booking request from Mira Sol$/]);
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

  const appt = await app.ctx.db.appointment.findUniqueOrThrow({ where: { id: appointmentId } });
  const [, , receipt, confirmed] = await exactlyTheseMails(mailbox, mira.email, [
    /^Your request to Nordlicht Tattoo was sent$/,
    /^Nordlicht Tattoo offered you 2 times$/,
    /^Receipt: €50\.00 deposit to Nordlicht Tattoo$/,
    /^Booking confirmed: Nordlicht Tattoo, /,
  ]);
  expect(receipt!.text).toMatch(/Amount: €50\.00/);
  const ev = icsEvent(confirmed!);
  expect(ev.start.getTime()).toBe(appt.start.getTime());
  expect(ev.location).toMatch(/Torstraße 1/);
  const studioTime = DateTime.fromJSDate(appt.start).setZone(ZONE).toFormat("HH:mm");
  expect(confirmed!.text).toContain(studioTime);
  await exactlyTheseMails(mailbox, artist.email, [/^New booking request from Mira Sol$/, /^Booked: Mira Sol, /]);
}, 240_000);
