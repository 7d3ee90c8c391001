// A multi-session piece: one project, one Stripe deposit (confirmed by the verified webhook),
// more sessions added by the artist with the deposit applied to a chosen one. The deposit
// travels with that session only: cancelling another session leaves it alone, cancelling the
// deposit session follows the artist's policy (refunded with enough notice, kept without).
import { describe, expect, it } from "vitest";
import { DateTime } from "luxon";
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
const ZONE = "Europe/Berlin";
const at = (days: number, h: number) =>
  DateTime.now().setZone(ZONE).plus({ days }).startOf("day").set({ hour: h }).toUTC().toISO()!;
const appointment = (client: HttpClient, id: string) => client.get(`/api/bookings/appointments/${id}`);

/** Request → offer → accept → deposit paid through the verified webhook. */
async function paidProject(
  start: string,
): Promise<{ customer: User; appointmentId: string; projectId: string; requestId: string }> {
  const { customer, requestId, offer } = await offeredRequest(
    app,
    artist,
    serviceId,
    start,
    { idea: "Full sleeve, koi and waves", placement: "left arm", size: "sleeve" },
    { title: "Koi sleeve" },
  );
  expect(offer.body.depositCents).toBe(8000);
  const appointmentId = await acceptAndPayDeposit(app, stripe, customer, requestId, start);
  const first = (await appointment(customer.client, appointmentId)).body;
  expect(first.project).toMatchObject({
    depositStatus: "paid",
    depositCents: 8000,
    depositAppointmentId: appointmentId,
  });
  return { customer, appointmentId, projectId: first.project.id, requestId };
}

suiteResources(async (track) => {
  ({ stripe, app, artist } = await startDepositBookingApp(track, {
    zone: ZONE,
    name: "Mo",
    cancelNoticeHours: 48,
    service: { name: "Sleeve session", durationMinutes: 180, depositCents: 8000 },
  }));
  serviceId = artist.serviceId;
});

describe("multi-session project with one deposit", () => {
  let customer: User;
  let projectId: string;
  const sessions: string[] = [];

  it("the artist adds two more sessions to the paid project and applies the deposit to the last one", async () => {
    const p = await paidProject(at(10, 10));
    customer = p.customer;
    projectId = p.projectId;
    sessions.push(p.appointmentId);

    const second = await artist.client.post("/api/bookings/appointments", { projectId, serviceId, start: at(17, 10) });
    expect(second.status).toBe(201);
    expect(second.body.status).toBe("confirmed");
    const third = await artist.client.post("/api/bookings/appointments", {
      projectId,
      serviceId,
      start: at(24, 10),
      applyDeposit: true,
    });
    expect(third.status).toBe(201);
    sessions.push(second.body.appointmentId, third.body.appointmentId);

    // All three belong to the one project, and the customer sees each of them.
    for (const id of sessions) {
      const a = (await appointment(customer.client, id)).body;
      expect(a).toMatchObject({ projectId, status: "confirmed", customerId: customer.userId });
      // The deposit is on the chosen (last) session only.
      expect(a.project.depositAppointmentId).toBe(sessions[2]);
      expect(a.project.depositStatus).toBe("paid");
    }
    // The project (seen through its request) holds the three sessions.
    const project = (await customer.client.get(`/api/bookings/requests/${p.requestId}`)).body.project;
    expect(project.appointments.map((a: { id: string }) => a.id).sort()).toEqual([...sessions].sort());
    // One payment for the whole project: adding sessions charged nothing more.
    expect(stripe.sessions().filter((s) => s.metadata.projectId === projectId)).toHaveLength(1);
  });

  it("cancelling sessions without the deposit leaves the deposit untouched", async () => {
    const refunds = stripe.refunds().length;
    const byCustomer = await customer.client.post(`/api/bookings/appointments/${sessions[1]}/cancel`, {
      reason: "moving it",
    });
    expect(byCustomer.body).toMatchObject({ status: "cancelled", cancelledBy: "customer", depositOutcome: null });
    // The first session, which the deposit was paid with, no longer holds it either.
    const byArtist = await artist.client.post(`/api/bookings/appointments/${sessions[0]}/cancel`, {
      reason: "split differently",
    });
    expect(byArtist.body).toMatchObject({ status: "cancelled", cancelledBy: "artist", depositOutcome: null });
    expect(stripe.refunds()).toHaveLength(refunds);
    const last = (await appointment(customer.client, sessions[2]!)).body;
    expect(last.project).toMatchObject({ depositStatus: "paid", depositAppointmentId: sessions[2] });
    expect((await app.ctx.db.payment.findFirstOrThrow({ where: { projectId } })).status).toBe("paid");
  });

  it("cancelling the deposit session with enough notice refunds the deposit, as the policy says", async () => {
    const res = await customer.client.post(`/api/bookings/appointments/${sessions[2]}/cancel`, {
      reason: "cannot make it",
    });
    expect(res.body).toMatchObject({
      status: "cancelled",
      cancelledBy: "customer",
      depositOutcome: "refunded",
      policy: { cancelNoticeHours: 48 },
    });
    expect(res.body.policy.noticeGivenHours).toBeGreaterThanOrEqual(48);
    const paidWith = stripe.sessions().find((s) => s.metadata.projectId === projectId)!;
    expect(stripe.refunds().filter((r) => r.payment_intent === paidWith.payment_intent)).toEqual([
      expect.objectContaining({ amount: 8000 }),
    ]);
    expect((await appointment(customer.client, sessions[2]!)).body).toMatchObject({
      depositOutcome: "refunded",
      project: { depositStatus: "refunded" },
    });
  });

  it("a deposit moved to a session inside the notice period is kept when the customer cancels it", async () => {
    const p = await paidProject(at(20, 14));
    const soon = await artist.client.post("/api/bookings/appointments", {
      projectId: p.projectId,
      serviceId,
      start: at(1, 14),
      applyDeposit: true,
    });
    expect(soon.status).toBe(201);
    const refunds = stripe.refunds().length;
    const res = await p.customer.client.post(`/api/bookings/appointments/${soon.body.appointmentId}/cancel`, {});
    expect(res.body).toMatchObject({ depositOutcome: "kept", policy: { cancelNoticeHours: 48 } });
    expect(res.body.policy.noticeGivenHours).toBeLessThan(48);
    expect(stripe.refunds()).toHaveLength(refunds);
    expect((await appointment(p.customer.client, p.appointmentId)).body.project.depositStatus).toBe("kept");
  });

  it("only the project's artist adds sessions; other people get 403/404", async () => {
    const p = await paidProject(at(30, 10));
    const byCustomer = await p.customer.client.post("/api/bookings/appointments", {
      projectId: p.projectId,
      serviceId,
      start: at(31, 10),
    });
    expect([byCustomer.status, byCustomer.body.error.code]).toEqual([403, "ARTIST_ONLY"]);
    const other = await signedInUser(app, { role: "artist" });
    await app.ctx.db.artistProfile.create({
      data: { userId: other.userId, displayName: "Other", timeZone: ZONE, visible: true },
    });
    const otherService = (
      await app.ctx.db.service.create({
        data: { artistId: other.userId, kind: "session", name: "Other", durationMinutes: 60 },
      })
    ).id;
    const byOther = await other.client.post("/api/bookings/appointments", {
      projectId: p.projectId,
      serviceId: otherService,
      start: at(31, 10),
    });
    expect(byOther.status).toBe(404);
    expect((await appointment(other.client, p.appointmentId)).status).toBe(404);
    expect((await other.client.get(`/api/bookings/requests/${p.requestId}`)).status).toBe(404);
    expect((await other.client.get("/api/bookings/appointments")).body.items).toEqual([]);
    // Nothing was added by either attempt.
    expect(await app.ctx.db.appointment.count({ where: { projectId: p.projectId } })).toBe(1);
  });

  it("sessions are only added once the customer has booked the project", async () => {
    const { requestId } = await offeredRequest(app, artist, serviceId, at(40, 10), {
      idea: "Back piece, phoenix",
      placement: "back",
      size: "40 cm",
    });
    const projectId = (await artist.client.get(`/api/bookings/requests/${requestId}`)).body.project.id;
    // Offered but not accepted: the customer has agreed to nothing yet.
    const early = await artist.client.post("/api/bookings/appointments", { projectId, serviceId, start: at(41, 10) });
    expect([early.status, early.body.error?.code]).toEqual([409, "PROJECT_NOT_BOOKED"]);
    await artist.client.post(`/api/bookings/requests/${requestId}/decline`, { reason: "fully booked" });
    const declined = await artist.client.post("/api/bookings/appointments", {
      projectId,
      serviceId,
      start: at(41, 10),
    });
    expect([declined.status, declined.body.error?.code]).toEqual([409, "PROJECT_NOT_BOOKED"]);
    expect(await app.ctx.db.appointment.count({ where: { projectId } })).toBe(0);
  });

  it("rejects bad input with a clear 4xx", async () => {
    const p = await paidProject(at(33, 10));
    const res = await artist.client.post("/api/bookings/appointments", {
      projectId: p.projectId,
      serviceId,
      start: "tomorrow",
    });
    expect(res.status).toBe(400);
    const clash = await artist.client.post("/api/bookings/appointments", {
      projectId: p.projectId,
      serviceId,
      start: at(33, 11),
    });
    expect(clash.status).toBe(409);
  });
});
