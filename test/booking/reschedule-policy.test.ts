// The deposit policy cannot be gamed by moving an appointment: a customer's reschedule inside
// the cancellation-notice window waits for the artist's approval (the appointment keeps its
// time until then), the refund decision measures notice before the start the deposit was paid
// for, a missed appointment cannot be moved by the customer, and no start may lie in the past
// or beyond the booking horizon (BOOKING_HORIZON_DAYS) — for offers, sessions and reschedules.
import { describe, expect, it } from "vitest";
import type { StripeStandIn } from "../../standins/stripe/index.ts";
import type { TestApp } from "../helpers/app.ts";
import { signedInUser } from "../helpers/accounts.ts";
import { acceptAndPayDeposit, offeredRequest, startDepositBookingApp } from "../helpers/booking-requests.ts";
import type { BookableArtist } from "../helpers/booking.ts";
import { suiteResources } from "../helpers/suite.ts";
import type { HttpClient } from "../helpers/http.ts";

type User = { client: HttpClient; userId: string };
let stripe: StripeStandIn;
let app: TestApp;
let artist: BookableArtist;
let serviceId: string;
const HOUR = 3_600_000,
  DAY = 24 * HOUR;
const HORIZON_DAYS = 200;
/** A whole hour `h` hours from now (the artist works around the clock, in UTC). */
const ahead = (ms: number) => new Date(Math.ceil((Date.now() + ms) / HOUR) * HOUR).toISOString();
const appointment = async (client: HttpClient, id: string) =>
  (await client.get(`/api/bookings/appointments/${id}`)).body;
const same = (a: string, b: string) => new Date(a).getTime() === new Date(b).getTime();

/** Request → offer → accept → deposit paid through the verified webhook. */
async function paidAppointment(start: string): Promise<{ customer: User; appointmentId: string; requestId: string }> {
  const { customer, requestId, offer } = await offeredRequest(app, artist, serviceId, start, {
    idea: "Swallow, fine line",
    placement: "wrist",
    size: "5 cm",
  });
  expect(offer.status, offer.text).toBe(200);
  const appointmentId = await acceptAndPayDeposit(app, stripe, customer, requestId, start);
  return { customer, appointmentId, requestId };
}
const refundsFor = (appointmentId: string) => {
  const paidWith = stripe.sessions().find((s) => s.metadata.appointmentId === appointmentId)!;
  return stripe.refunds().filter((r) => r.payment_intent === paidWith.payment_intent);
};

suiteResources(async (track) => {
  ({ stripe, app, artist } = await startDepositBookingApp(
    track,
    {
      zone: "UTC",
      name: "Ro",
      hours: { start: "00:00", end: "24:00" },
      cancelNoticeHours: 48,
      service: { name: "Small piece", durationMinutes: 60, depositCents: 5000 },
    },
    { BOOKING_HORIZON_DAYS: String(HORIZON_DAYS) },
  ));
  serviceId = artist.serviceId;
});

describe("moving a paid appointment cannot turn a kept deposit into a refund", () => {
  it("the attack: paid for tomorrow, moved months ahead, cancelled — the deposit is kept as the original booking implies", async () => {
    const original = ahead(24 * HOUR);
    const { customer, appointmentId } = await paidAppointment(original);
    const later = ahead(120 * DAY);

    // Inside the 48 h notice window the move only asks the artist; the time stays as it is.
    const asked = await customer.client.post(`/api/bookings/appointments/${appointmentId}/reschedule`, {
      start: later,
    });
    expect(asked.status, asked.text).toBe(202);
    expect(asked.body).toMatchObject({ appointmentId, approval: "pending", rescheduledBy: "customer" });
    expect(same(asked.body.requestedStart, later)).toBe(true);
    expect(asked.body.message).toMatch(/artist's approval/);
    const waiting = await appointment(customer.client, appointmentId);
    expect(same(waiting.start, original)).toBe(true);
    expect(same(waiting.requestedStart, later)).toBe(true);

    // The artist agrees to the new time...
    const approved = await artist.client.post(`/api/bookings/appointments/${appointmentId}/reschedule/approve`, {});
    expect(approved.status, approved.text).toBe(200);
    expect(approved.body).toMatchObject({ appointmentId, approval: "approved" });
    const moved = await appointment(customer.client, appointmentId);
    expect(same(moved.start, later)).toBe(true);
    expect(moved.requestedStart).toBeNull();

    // ...and the customer cancelling months before the new time still forfeits the deposit:
    // notice is measured before the start the deposit was paid for.
    const cancelled = await customer.client.post(`/api/bookings/appointments/${appointmentId}/cancel`, {
      reason: "changed my mind",
    });
    expect(cancelled.body).toMatchObject({
      status: "cancelled",
      cancelledBy: "customer",
      depositOutcome: "kept",
      policy: { cancelNoticeHours: 48 },
    });
    expect(cancelled.body.policy.noticeGivenHours).toBeLessThan(48);
    expect(refundsFor(appointmentId)).toEqual([]);
    expect((await appointment(customer.client, appointmentId)).project.depositStatus).toBe("kept");
  });

  it("a missed appointment (its start has passed) cannot be moved by the customer, and cancelling it keeps the deposit", async () => {
    const { customer, appointmentId } = await paidAppointment(ahead(30 * HOUR));
    // Time passes: the appointment was yesterday and nobody came.
    const start = new Date(Math.floor((Date.now() - DAY) / HOUR) * HOUR);
    await app.ctx.db.appointment.update({
      where: { id: appointmentId },
      data: { start, end: new Date(start.getTime() + HOUR), blockEnd: new Date(start.getTime() + HOUR) },
    });

    const res = await customer.client.post(`/api/bookings/appointments/${appointmentId}/reschedule`, {
      start: ahead(90 * DAY),
    });
    expect([res.status, res.body.error?.code]).toEqual([409, "APPOINTMENT_IN_PAST"]);
    expect(res.body.error.message).toMatch(/already (started|passed)/);
    const unchanged = await appointment(customer.client, appointmentId);
    expect(new Date(unchanged.start).getTime()).toBe(start.getTime());
    expect(unchanged.requestedStart).toBeNull();

    const cancelled = await customer.client.post(`/api/bookings/appointments/${appointmentId}/cancel`, {});
    expect(cancelled.body).toMatchObject({ depositOutcome: "kept" });
    expect(refundsFor(appointmentId)).toEqual([]);
  });

  it("inside the window the artist can decline: the appointment stays where it was", async () => {
    const original = ahead(36 * HOUR);
    const { customer, appointmentId } = await paidAppointment(original);
    expect(
      (await customer.client.post(`/api/bookings/appointments/${appointmentId}/reschedule`, { start: ahead(10 * DAY) }))
        .status,
    ).toBe(202);
    // A second request replaces the first one.
    const second = ahead(11 * DAY);
    expect(
      (await customer.client.post(`/api/bookings/appointments/${appointmentId}/reschedule`, { start: second })).status,
    ).toBe(202);
    expect(same((await appointment(artist.client, appointmentId)).requestedStart, second)).toBe(true);

    const declined = await artist.client.post(`/api/bookings/appointments/${appointmentId}/reschedule/decline`, {});
    expect(declined.status, declined.text).toBe(200);
    expect(declined.body).toMatchObject({ appointmentId, approval: "declined" });
    const after = await appointment(customer.client, appointmentId);
    expect(same(after.start, original)).toBe(true);
    expect(after.requestedStart).toBeNull();
    expect(after.status).toBe("confirmed");
    // Nothing left to approve.
    const late = await artist.client.post(`/api/bookings/appointments/${appointmentId}/reschedule/approve`, {});
    expect([late.status, late.body.error?.code]).toEqual([409, "NO_RESCHEDULE_REQUEST"]);
  });

  it("outside the window the customer moves it directly, and the policy keeps measuring from the paid-for start", async () => {
    const original = ahead(5 * DAY);
    const { customer, appointmentId } = await paidAppointment(original);
    const later = ahead(40 * DAY);
    const moved = await customer.client.post(`/api/bookings/appointments/${appointmentId}/reschedule`, {
      start: later,
    });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.body).toMatchObject({ rescheduledBy: "customer", approval: "not_needed" });
    const a = await appointment(customer.client, appointmentId);
    expect(same(a.start, later)).toBe(true);
    expect(same(a.policyStart, original)).toBe(true);
    // Five days of notice before the original start: refunded, as the original booking would be.
    const cancelled = await customer.client.post(`/api/bookings/appointments/${appointmentId}/cancel`, {});
    expect(cancelled.body).toMatchObject({ depositOutcome: "refunded" });
    expect(cancelled.body.policy.noticeGivenHours).toBeGreaterThan(48);
    expect(cancelled.body.policy.noticeGivenHours).toBeLessThan(6 * 24);
  });

  it("the artist moves an appointment directly, even inside the window, and the policy follows the artist's new time", async () => {
    const { customer, appointmentId } = await paidAppointment(ahead(40 * HOUR));
    const later = ahead(20 * DAY);
    const moved = await artist.client.post(`/api/bookings/appointments/${appointmentId}/reschedule`, { start: later });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.body).toMatchObject({ rescheduledBy: "artist" });
    expect(same((await appointment(customer.client, appointmentId)).policyStart, later)).toBe(true);
    const cancelled = await customer.client.post(`/api/bookings/appointments/${appointmentId}/cancel`, {});
    expect(cancelled.body).toMatchObject({ depositOutcome: "refunded" });
    expect(refundsFor(appointmentId)).toHaveLength(1);
  });
});

describe("approving and declining is the appointment's artist's alone", () => {
  it("the customer gets 403, another artist and another booking's customer 404, anonymous 401; nothing changes", async () => {
    const original = ahead(26 * HOUR);
    const { customer, appointmentId } = await paidAppointment(original);
    const requested = ahead(15 * DAY);
    expect(
      (await customer.client.post(`/api/bookings/appointments/${appointmentId}/reschedule`, { start: requested }))
        .status,
    ).toBe(202);
    const otherArtist = await signedInUser(app, { role: "artist" });
    const otherCustomer = (await paidAppointment(ahead(27 * HOUR))).customer;
    for (const action of ["approve", "decline"]) {
      const path = `/api/bookings/appointments/${appointmentId}/reschedule/${action}`;
      const own = await customer.client.post(path, {});
      expect([action, own.status, own.body.error?.code]).toEqual([action, 403, "ARTIST_ONLY"]);
      expect(own.body.error.message).toMatch(/artist/);
      expect([action, (await otherArtist.client.post(path, {})).status]).toEqual([action, 404]);
      expect([action, (await otherCustomer.client.post(path, {})).status]).toEqual([action, 404]);
      expect([action, (await app.client().post(path, {})).status]).toEqual([action, 401]);
    }
    const a = await appointment(artist.client, appointmentId);
    expect(same(a.start, original)).toBe(true);
    expect(same(a.requestedStart, requested)).toBe(true);
  });
});

describe("starts in the past or beyond the horizon are refused with 400", () => {
  it("offers", async () => {
    const customer = await signedInUser(app, { role: "customer" });
    const req = await customer.client.post("/api/bookings/requests", {
      artistId: artist.userId,
      idea: "Moth",
      placement: "chest",
      size: "15 cm",
    });
    const past = await artist.client.post(`/api/bookings/requests/${req.body.id}/offer`, {
      serviceId,
      slots: [{ start: ahead(-3 * HOUR) }],
    });
    expect([past.status, past.body.error?.code]).toEqual([400, "START_IN_PAST"]);
    expect(past.body.error.message).toMatch(/past/);
    const far = await artist.client.post(`/api/bookings/requests/${req.body.id}/offer`, {
      serviceId,
      slots: [{ start: ahead(3 * DAY) }, { start: ahead((HORIZON_DAYS + 5) * DAY) }],
    });
    expect([far.status, far.body.error?.code]).toEqual([400, "BEYOND_BOOKING_HORIZON"]);
    expect(far.body.error.message).toContain(`${HORIZON_DAYS} days`);
    expect((await artist.client.get(`/api/bookings/requests/${req.body.id}`)).body.status).toBe("pending");
  });

  it("reschedules, by either side, and extra sessions", async () => {
    const start = ahead(60 * DAY);
    const { customer, appointmentId, requestId } = await paidAppointment(start);
    for (const who of [customer, artist]) {
      const past = await who.client.post(`/api/bookings/appointments/${appointmentId}/reschedule`, {
        start: ahead(-2 * HOUR),
      });
      expect([past.status, past.body.error?.code]).toEqual([400, "START_IN_PAST"]);
      const far = await who.client.post(`/api/bookings/appointments/${appointmentId}/reschedule`, {
        start: ahead((HORIZON_DAYS + 1) * DAY),
      });
      expect([far.status, far.body.error?.code]).toEqual([400, "BEYOND_BOOKING_HORIZON"]);
    }
    expect(same((await appointment(customer.client, appointmentId)).start, start)).toBe(true);
    const projectId = (await artist.client.get(`/api/bookings/requests/${requestId}`)).body.project.id;
    const session = await artist.client.post("/api/bookings/appointments", {
      projectId,
      serviceId,
      start: ahead(-5 * HOUR),
    });
    expect([session.status, session.body.error?.code]).toEqual([400, "START_IN_PAST"]);
    const farSession = await artist.client.post("/api/bookings/appointments", {
      projectId,
      serviceId,
      start: ahead((HORIZON_DAYS + 30) * DAY),
    });
    expect([farSession.status, farSession.body.error?.code]).toEqual([400, "BEYOND_BOOKING_HORIZON"]);
    expect(await app.ctx.db.appointment.count({ where: { projectId } })).toBe(1);
  });
});
