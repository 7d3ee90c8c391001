// Every step of the booking loop tells the people involved, exactly once: real SMTP (smtp-server,
// messages parsed with mailparser), Stripe's verified webhook on the stand-in (replayed too), texts
// through the Twilio stand-in, real Postgres. Each test takes the loop one step further.
import ICAL from "ical.js";
import { DateTime } from "luxon";
import type { ParsedMail } from "mailparser";
import { describe, expect, it } from "vitest";
import { startStripeStandIn, type StripeStandIn } from "../../standins/stripe/index.ts";
import { startTwilioStandIn, type TwilioStandIn } from "../../standins/twilio/index.ts";
import { drainNotifications, notificationSweep, recordNotifications } from "../../service/notifications/index.ts";
import { PASSWORD } from "../helpers/accounts.ts";
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "../helpers/app.ts";
import type { HttpClient } from "../helpers/http.ts";
import { until } from "../helpers/realtime.ts";
import { suiteResources } from "../helpers/suite.ts";
import { signedInOverSmtp, startMailbox, type Mailbox } from "./mailbox.ts";

type User = { client: HttpClient; email: string; userId: string };
const ZONE = "Europe/Berlin";
const day = DateTime.now().setZone(ZONE).plus({ days: 10 }).startOf("day");
const at = (h: number) => day.set({ hour: h }).toUTC().toISO()!;
const PNG = Buffer.from("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489", "hex");
const IDEA = 'A swallow <script>alert("x")</script> & <b>bold</b> lines';

let mailbox: Mailbox, stripe: StripeStandIn, twilio: TwilioStandIn, app: TestApp;
let artist: User, customer: User, serviceId: string;

suiteResources(async (track) => {
  mailbox = track(await startMailbox());
  stripe = track(await startStripeStandIn());
  twilio = track(await startTwilioStandIn());
  app = track(
    await startTestApp({
      databaseUrl: await isolatedDatabaseUrl(),
      env: { ...mailbox.env(), ...stripe.env(), ...twilio.env() },
    }),
  );
  artist = await signedInOverSmtp(app, mailbox, "artist", "Jo Artist");
  customer = await signedInOverSmtp(app, mailbox, "customer", "Casey");
  const week = Object.fromEntries(
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, [{ start: "10:00", end: "18:00" }]]),
  );
  await app.ctx.db.artistProfile.create({
    data: {
      userId: artist.userId,
      displayName: "Jo",
      studio: "Ink & Iron",
      city: "Berlin",
      country: "DE",
      timeZone: ZONE,
      workingHours: week,
      bufferMinutes: 0,
      visible: true,
      cancelNoticeHours: 48,
    },
  });
  serviceId = (
    await app.ctx.db.service.create({
      data: { artistId: artist.userId, kind: "session", name: "Half day", durationMinutes: 180, depositCents: 5000 },
    })
  ).id;
});

/** Sent so far, per subject pattern: what "exactly once" is counted on. */
const count = (to: string, subject: RegExp) => mailbox.to(to).filter((m) => subject.test(m.subject ?? "")).length;
const htmlOf = (m: ParsedMail) => (typeof m.html === "string" ? m.html : "");
const settled = () =>
  until(
    async () => (await app.ctx.db.notificationOutbox.count({ where: { status: "pending" } })) === 0,
    10_000,
    "the outbox to drain",
  );

async function request(idea = IDEA): Promise<string> {
  const form = new FormData();
  for (const [k, v] of Object.entries({
    artistId: artist.userId,
    idea,
    placement: "left forearm",
    size: "10 cm",
    budget: "400 EUR",
  }))
    form.set(k, v);
  form.append("files", new Blob([PNG], { type: "image/png" }), "swallow.png");
  const res = await customer.client.form("/api/bookings/requests", form);
  expect(res.status).toBe(201);
  return res.body.id;
}

describe("booking notifications", () => {
  let requestId: string, appointmentId: string;

  it("request received: the artist gets the idea, placement, size, budget and a thumbnail; the customer an acknowledgement", async () => {
    requestId = await request();
    const mail = await mailbox.waitFor(artist.email, /^New booking request from Casey$/);
    expect(mail.from?.text).toContain("hello@tatu.test");
    expect(mail.text).toContain(IDEA); // plain text: the words as typed
    expect(mail.text).toMatch(/Placement: left forearm\nSize: 10 cm\nBudget: 400 EUR/);
    expect(mail.text).toContain(`/bookings?request=${requestId}`);
    // HTML: the customer's markup arrives as text, never as elements.
    expect(htmlOf(mail)).not.toMatch(/<script|<b>bold/);
    expect(htmlOf(mail)).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;");
    // The reference rides along as an inline thumbnail (mailparser turns cid: into a data: URI).
    const thumb = mail.attachments.find((a) => a.filename === "swallow.png")!;
    expect(thumb).toMatchObject({ related: true, contentType: "image/png" });
    expect(thumb.content.equals(PNG)).toBe(true);
    expect(htmlOf(mail)).toContain(`<img src="data:image/png;base64,${PNG.toString("base64")}" alt="swallow.png"`);

    const ack = await mailbox.waitFor(customer.email, /^Your request to Jo was sent$/);
    expect(ack.text).toContain("left forearm");
  });

  it("times offered: the customer gets a one-click link per slot, in the studio's time", async () => {
    const offer = await artist.client.post(`/api/bookings/requests/${requestId}/offer`, {
      serviceId,
      slots: [{ start: at(10) }, { start: at(14) }],
    });
    expect(offer.status).toBe(200);
    const mail = await mailbox.waitFor(customer.email, /^Jo offered you 2 times$/);
    for (const h of [10, 14]) {
      expect(mail.text).toContain(`${day.toFormat("cccc d LLLL yyyy")}, ${h}:00 (Europe/Berlin)`);
      expect(mail.text).toContain(
        `/bookings?request=${requestId}&slot=${encodeURIComponent(new Date(at(h)).toISOString())}`,
      );
    }
    expect(mail.text).toContain("deposit of €50.00");
  });

  it("deposit paid: receipt to the customer and booking confirmed to both with .ics and calendar links — once, also when Stripe replays", async () => {
    const accepted = await customer.client.post(`/api/bookings/requests/${requestId}/accept`, { start: at(10) });
    expect(accepted.body.status).toBe("pending_deposit");
    appointmentId = accepted.body.appointmentId;
    const session = stripe.sessions().find((s) => s.metadata.appointmentId === appointmentId)!;
    expect((await stripe.completeCheckout(session.id, `${app.url}/api/webhooks/stripe`)).status).toBe(200);

    const receipt = await mailbox.waitFor(customer.email, /^Receipt: €50\.00 deposit to Jo$/);
    expect(receipt.text).toContain("Amount: €50.00");
    const confirmed = await mailbox.waitFor(customer.email, /^Booking confirmed: Jo, /);
    expect(confirmed.subject).toContain(`${day.toFormat("cccc d LLLL yyyy")}, 10:00 (Europe/Berlin)`);
    expect(confirmed.text).toMatch(
      /Duration: 3 h\nArtist: Jo\nStudio: Ink & Iron\nAddress: Berlin, DE\nDeposit paid: €50\.00/,
    );
    expect(confirmed.text).toContain("Cancel at least 48 hours before the start and the €50.00 deposit is refunded");
    expect(confirmed.text).toContain("https://calendar.google.com/calendar/render?action=TEMPLATE");
    expect(confirmed.text).toContain(`/bookings/${appointmentId}`);
    const ics = confirmed.attachments.find((a) => a.filename === "appointment.ics")!;
    const vevent = new ICAL.Component(ICAL.parse(ics.content.toString("utf8"))).getFirstSubcomponent("vevent")!;
    const event = new ICAL.Event(vevent);
    expect(event.startDate.toJSDate().toISOString()).toBe(new Date(at(10)).toISOString());
    expect(event.endDate.toJSDate().toISOString()).toBe(new Date(at(13)).toISOString());
    expect(event.summary).toBe("Half day with Jo");
    expect(event.location).toBe("Ink & Iron, Berlin, DE");
    expect(event.uid).toBe(`${appointmentId}@tatu`);
    const artistMail = await mailbox.waitFor(artist.email, /^Booked: Casey, /);
    expect(artistMail.attachments.some((a) => a.filename === "appointment.ics")).toBe(true);

    // Stripe delivers the completion again: nothing new is recorded or sent.
    expect((await stripe.completeCheckout(session.id, `${app.url}/api/webhooks/stripe`)).status).toBe(200);
    await until(
      async () => (await app.ctx.db.webhookEvent.count({ where: { source: "stripe", status: "received" } })) === 0,
      5000,
      "the replay processed",
    );
    await drainNotifications(app.ctx);
    await settled();
    expect(count(customer.email, /^Receipt:/)).toBe(1);
    expect(count(customer.email, /^Booking confirmed:/)).toBe(1);
    expect(count(artist.email, /^Booked:/)).toBe(1);
  });

  it("rescheduled: both are told the old and the new time", async () => {
    const res = await artist.client.post(`/api/bookings/appointments/${appointmentId}/reschedule`, { start: at(14) });
    expect(res.status).toBe(200);
    const subject = new RegExp(`^Appointment moved to ${day.toFormat("cccc d LLLL yyyy")}, 14:00`);
    for (const who of [customer, artist]) {
      const mail = await mailbox.waitFor(who.email, subject);
      expect(mail.text).toContain(`from ${day.toFormat("cccc d LLLL yyyy")}, 10:00 (Europe/Berlin)`);
    }
  });

  it("a customer's move inside the notice: the artist is asked, and the customer told when it is declined", async () => {
    // Time passes: the appointment is a day away, inside the 48-hour notice.
    const soon = new Date(Math.ceil((Date.now() + 24 * 3_600_000) / 3_600_000) * 3_600_000);
    const end = new Date(soon.getTime() + 3 * 3_600_000);
    await app.ctx.db.appointment.update({ where: { id: appointmentId }, data: { start: soon, end, blockEnd: end } });
    const asked = await customer.client.post(`/api/bookings/appointments/${appointmentId}/reschedule`, {
      start: at(15),
    });
    expect(asked.status).toBe(202);
    const ask = await mailbox.waitFor(artist.email, /^Casey asks to move /);
    expect(ask.text).toContain(`to ${day.toFormat("cccc d LLLL yyyy")}, 15:00 (Europe/Berlin)`);
    expect(ask.text).toMatch(/Approve or decline: http\S+\/calendar/);
    const declined = await artist.client.post(`/api/bookings/appointments/${appointmentId}/reschedule/decline`, {});
    expect(declined.status).toBe(200);
    const kept = await mailbox.waitFor(customer.email, /^Jo kept your appointment at /);
    expect(kept.text).toContain(`could not move your appointment to ${day.toFormat("cccc d LLLL yyyy")}, 15:00`);
    await settled();
    expect(count(artist.email, /^Casey asks to move /)).toBe(1);
    expect(count(customer.email, /^Jo kept your appointment at /)).toBe(1);
  });

  it("cancelled: both are told, with the refund outcome", async () => {
    const res = await artist.client.post(`/api/bookings/appointments/${appointmentId}/cancel`, {
      reason: "<i>ill</i>",
    });
    expect(res.body.depositOutcome).toBe("refunded");
    const mail = await mailbox.waitFor(customer.email, /^Cancelled: /);
    expect(mail.text).toContain("Jo cancelled the appointment.");
    expect(mail.text).toContain("The €50.00 deposit is refunded");
    expect(htmlOf(mail)).toContain("&lt;i&gt;ill&lt;/i&gt;");
    await mailbox.waitFor(artist.email, /^Cancelled: /);
  });

  it("an unpaid checkout that expires: the customer is told the time was released", async () => {
    const id = await request("Crescent moon");
    await artist.client.post(`/api/bookings/requests/${id}/offer`, { serviceId, slots: [{ start: at(12) }] });
    const accepted = await customer.client.post(`/api/bookings/requests/${id}/accept`, { start: at(12) });
    expect(accepted.body.status).toBe("pending_deposit");
    const session = stripe.sessions().find((s) => s.metadata.appointmentId === accepted.body.appointmentId)!;
    const before = count(customer.email, /^Cancelled: .*12:00/);
    expect((await stripe.expireCheckout(session.id, `${app.url}/api/webhooks/stripe`)).status).toBe(200);
    const mail = await mailbox.waitFor(customer.email, /^Cancelled: .*12:00/);
    expect(mail.text).toContain("the deposit was not paid in time, so the time was released");
    expect(mail.text).toContain("No deposit had been paid");
    await settled();
    expect(count(customer.email, /^Cancelled: .*12:00/)).toBe(before + 1);
  });

  it("request declined: the customer is told, with the artist's note", async () => {
    const id = await request("Tiny heart");
    await mailbox.waitFor(artist.email, /^New booking request/);
    await artist.client.post(`/api/bookings/requests/${id}/decline`, { reason: "Fully booked this year" });
    const mail = await mailbox.waitFor(customer.email, /^Jo cannot take your request$/);
    expect(mail.text).toContain("Their note: Fully booked this year");
  });

  it("texts the customer who gave a number and opted in, from the platform number", async () => {
    const phone = "+4915112345678";
    const put = await customer.client.put("/api/notifications/preferences", {
      phone,
      kinds: { booking_confirmed: { email: true, sms: true } },
    });
    expect(put.status).toBe(200);
    const project = await app.ctx.db.project.findFirstOrThrow({ where: { requestId } });
    const added = await artist.client.post("/api/bookings/appointments", {
      projectId: project.id,
      serviceId,
      start: at(11),
    });
    expect(added.status).toBe(201);
    await until(() => twilio.sent().some((m) => m.to === phone), 10_000, "the text");
    const text = twilio.sent().find((m) => m.to === phone)!;
    expect(text.from).toBe(twilio.env().TWILIO_PHONE_NUMBER);
    expect(text.body).toContain("booked");
    expect(text.body).toContain("11:00");
    await mailbox.waitFor(customer.email, /^Booking confirmed: Jo, .*11:00/); // and the email, as chosen
    await settled();
    expect(twilio.sent().filter((m) => m.to === phone)).toHaveLength(1);
  });

  it("respects a switched-off notification: nothing is queued or sent for it", async () => {
    await customer.client.put("/api/notifications/preferences", {
      kinds: { request_acknowledged: { email: false, sms: false } },
    });
    const before = count(customer.email, /^Your request to Jo was sent$/);
    const id = await request("Rose");
    await mailbox.waitFor(artist.email, /^New booking request/);
    await settled();
    expect(
      await app.ctx.db.notificationOutbox.count({
        where: { eventKey: `request_received:${id}`, recipientId: customer.userId },
      }),
    ).toBe(0);
    expect(count(customer.email, /^Your request to Jo was sent$/)).toBe(before);
  });

  it("a send that fails stays in the outbox; the next drain sends it exactly once", async () => {
    const id = await request("Anchor");
    await settled();
    mailbox.refuseNext(customer.email);
    await artist.client.post(`/api/bookings/requests/${id}/decline`, {});
    const row = () =>
      app.ctx.db.notificationOutbox.findFirstOrThrow({
        where: { eventKey: `request_declined:${id}`, recipientId: customer.userId },
      });
    await until(async () => (await row()).lastError !== null, 10_000, "the failed attempt");
    expect(await row()).toMatchObject({ status: "pending", attempts: 1 });
    const declined = () => count(customer.email, /^Jo cannot take your request$/);
    const before = declined();
    await drainNotifications(app.ctx);
    expect(await row()).toMatchObject({ status: "sent", attempts: 2 });
    expect(declined()).toBe(before + 1);
    await drainNotifications(app.ctx);
    expect(declined()).toBe(before + 1);
  });

  it("the same offer made twice is one event: recorded once, sent once", async () => {
    const id = await request("Compass");
    await settled();
    const offer = () =>
      artist.client.post(`/api/bookings/requests/${id}/offer`, { serviceId, slots: [{ start: at(15) }] });
    expect((await offer()).status).toBe(200);
    await mailbox.waitFor(customer.email, /^Jo offered you a time$/);
    await settled();
    const offered = () => count(customer.email, /^Jo offered you a time$/);
    const sent = offered();
    expect((await offer()).status).toBe(200);
    await drainNotifications(app.ctx);
    const key = { eventKey: { startsWith: `times_offered:${id}:` }, recipientId: customer.userId };
    expect(await app.ctx.db.notificationOutbox.count({ where: key })).toBe(1);
    expect(offered()).toBe(sent);
  });

  it("survives a crash between commit and send: a claimed row waits for its lease, then is sent once", async () => {
    const id = await request("Lighthouse");
    await settled();
    // What a process killed right after its commit leaves: the outbox row, no kick...
    await app.ctx.db.$transaction(async (tx) => {
      await tx.bookingRequest.update({ where: { id }, data: { status: "declined" } });
      await recordNotifications(app.ctx, tx, { type: "request_declined", requestId: id });
    });
    const where = { eventKey: `request_declined:${id}`, recipientId: customer.userId };
    // ...or a drain killed mid-send: the row claimed, never marked sent.
    await app.ctx.db.notificationOutbox.updateMany({
      where,
      data: { claimedUntil: new Date(Date.now() + 60_000), attempts: 1 },
    });
    const declined = () => count(customer.email, /^Jo cannot take your request$/);
    const before = declined();
    await drainNotifications(app.ctx);
    expect(declined()).toBe(before); // another drain leaves a live claim alone
    // The lease runs out: the next drain (the kick of any later event, or the cron sweep) sends it.
    await app.ctx.db.notificationOutbox.updateMany({ where, data: { claimedUntil: new Date(Date.now() - 1000) } });
    expect(await notificationSweep(app.ctx)).toHaveLength(1);
    await drainNotifications(app.ctx);
    await drainNotifications(app.ctx);
    expect(declined()).toBe(before + 1);
    expect(await app.ctx.db.notificationOutbox.findFirstOrThrow({ where })).toMatchObject({
      status: "sent",
      attempts: 2,
    });
  });

  it("a party who deleted their account is named so and not written to; the booking change still goes through", async () => {
    const leaving = await signedInOverSmtp(app, mailbox, "customer", "Lee");
    const res = await leaving.client.post("/api/bookings/requests", {
      artistId: artist.userId,
      idea: "Fern",
      placement: "ankle",
      size: "5 cm",
    });
    await mailbox.waitFor(artist.email, /^New booking request from Lee$/);
    expect((await leaving.client.request("DELETE", "/api/auth/me", { json: { password: PASSWORD } })).status).toBe(200);
    const declined = await artist.client.post(`/api/bookings/requests/${res.body.id}/decline`, {});
    expect(declined.status).toBe(200);
    expect(await app.ctx.db.notificationOutbox.count({ where: { eventKey: `request_declined:${res.body.id}` } })).toBe(
      0,
    );
  });
});
