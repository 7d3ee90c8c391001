// After the start: the artist marks an appointment completed or a no-show (a no-show keeps the
// deposit, as the policy says, and gets no aftercare); before the start, or for anything but a
// confirmed appointment, the answer is 409 with the reason. Multi-session projects: the artist
// adds the next session (inside the working hours and free, refused with the reason otherwise)
// and chooses which session holds the deposit (never a cancelled one, never once it is kept).
// Only the appointment's artist: the customer gets 403, another artist 404.
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { runReminderBatch } from "../../service/reminders/run.ts";
import type { StripeStandIn } from "../../standins/stripe/index.ts";
import { signedInUser } from "../helpers/accounts.ts";
import type { TestApp } from "../helpers/app.ts";
import type { BookableArtist } from "../helpers/booking.ts";
import { acceptAndPayDeposit, offeredRequest, startDepositBookingApp } from "../helpers/booking-requests.ts";
import type { HttpClient } from "../helpers/http.ts";
import { suiteResources } from "../helpers/suite.ts";

let stripe: StripeStandIn;
let app: TestApp;
let artist: BookableArtist;
let other: { client: HttpClient; userId: string };
/** A session without a deposit: booked, it is confirmed at once. */
let freeServiceId: string;
const ZONE = "Europe/Berlin";
const HOUR = 3_600_000;
/** `h` o'clock in the studio's zone, `days` from today. */
const at = (days: number, h: number) =>
  DateTime.now().setZone(ZONE).plus({ days }).startOf("day").set({ hour: h }).toUTC().toISO()!;
const get = async (client: HttpClient, id: string) => (await client.get(`/api/bookings/appointments/${id}`)).body;

/** Time passes: the appointment started `hoursAgo` hours ago (and lasted an hour). Each test picks
 *  its own hour: live appointments of one artist never overlap, in the past either. */
async function startedAgo(id: string, hoursAgo: number) {
  const start = new Date(Math.floor((Date.now() - hoursAgo * HOUR) / HOUR) * HOUR);
  const end = new Date(start.getTime() + HOUR);
  await app.ctx.db.appointment.update({ where: { id }, data: { start, end, blockEnd: end, policyStart: start } });
  return { start, end };
}

async function paidProject(start: string) {
  const { customer, requestId, offer } = await offeredRequest(app, artist, artist.serviceId, start, {
    idea: "Koi, back piece",
    placement: "back",
    size: "40 cm",
  });
  expect(offer.status, offer.text).toBe(200);
  const appointmentId = await acceptAndPayDeposit(app, stripe, customer, requestId, start);
  const projectId = (await get(customer.client, appointmentId)).projectId as string;
  return { customer, appointmentId, projectId, requestId };
}

suiteResources(async (track) => {
  ({ stripe, app, artist } = await startDepositBookingApp(track, {
    zone: ZONE,
    name: "Vera Ink",
    cancelNoticeHours: 48,
    service: { name: "Session", durationMinutes: 60, depositCents: 5000 },
  }));
  other = await signedInUser(app, { role: "artist" });
  freeServiceId = (
    await app.ctx.db.service.create({
      data: { artistId: artist.userId, kind: "session", name: "Small piece", durationMinutes: 60 },
    })
  ).id;
});

/** A new customer's booking of `start` with the deposit-free service, confirmed at once. */
async function confirmedAppointment(start: string, idea: string) {
  const { customer, requestId, offer } = await offeredRequest(app, artist, freeServiceId, start, {
    idea,
    placement: "forearm",
    size: "8 cm",
  });
  expect(offer.status, offer.text).toBe(200);
  const accepted = await customer.client.post(`/api/bookings/requests/${requestId}/accept`, { start });
  expect(accepted.body.status).toBe("confirmed");
  return { appointmentId: accepted.body.appointmentId as string, customer };
}

describe("completed and no-show", () => {
  it("neither before the start: 409 with the reason; the appointment stays confirmed", async () => {
    const { appointmentId } = await confirmedAppointment(at(3, 11), "Swallow");
    for (const step of ["complete", "no-show"]) {
      const res = await artist.client.post(`/api/bookings/appointments/${appointmentId}/${step}`, {});
      expect([res.status, res.body.error.code]).toEqual([409, "APPOINTMENT_NOT_STARTED"]);
      expect(res.body.error.message).toMatch(/has not started yet/);
    }
    expect((await get(artist.client, appointmentId)).status).toBe("confirmed");
  });

  it("completed after the start: recorded with when and by whom; only once; then closed to cancel and reschedule", async () => {
    const { appointmentId, customer } = await confirmedAppointment(at(4, 11), "Rose");
    await startedAgo(appointmentId, 2);
    const res = await artist.client.post(`/api/bookings/appointments/${appointmentId}/complete`, {});
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ appointmentId, status: "completed", depositOutcome: null });
    const seen = await get(customer.client, appointmentId);
    expect(seen).toMatchObject({ status: "completed", outcomeById: artist.userId });
    expect(Math.abs(new Date(seen.outcomeAt).getTime() - Date.now())).toBeLessThan(60_000);

    const again = await artist.client.post(`/api/bookings/appointments/${appointmentId}/no-show`, {});
    expect([again.status, again.body.error.code]).toEqual([409, "APPOINTMENT_CLOSED"]);
    expect(again.body.error.message).toMatch(/already marked completed/);
    const cancel = await customer.client.post(`/api/bookings/appointments/${appointmentId}/cancel`, {});
    expect(cancel.status).toBe(409);
    // The customer's card on the artist's side counts the session.
    expect((await get(artist.client, appointmentId)).customer.history).toMatchObject({ sessions: 1, noShows: 0 });
  });

  it("a no-show keeps the paid deposit (no refund), is on the customer's history and gets no aftercare", async () => {
    const p = await paidProject(at(6, 12));
    const completed = await confirmedAppointment(at(6, 15), "Moth");
    const { end } = await startedAgo(p.appointmentId, 3);
    await startedAgo(completed.appointmentId, 5);
    const refunds = stripe.refunds().length;

    // The booking page's preview says what the step will do before the artist confirms it.
    const before = await get(artist.client, p.appointmentId);
    expect(before.consequences).toMatchObject({ depositCents: 5000, currency: "eur", noShow: "kept" });

    const res = await artist.client.post(`/api/bookings/appointments/${p.appointmentId}/no-show`, {});
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({
      status: "no_show",
      depositOutcome: "kept",
      deposit: { cents: 5000, currency: "eur" },
    });
    expect(stripe.refunds()).toHaveLength(refunds);
    const seen = await get(p.customer.client, p.appointmentId);
    expect(seen).toMatchObject({ status: "no_show", depositOutcome: "kept", project: { depositStatus: "kept" } });
    expect((await app.ctx.db.payment.findFirstOrThrow({ where: { projectId: p.projectId } })).status).toBe("paid");
    expect((await get(artist.client, p.appointmentId)).customer.history).toMatchObject({ noShows: 1 });
    // Cancelling it afterwards changes nothing.
    const cancel = await p.customer.client.post(`/api/bookings/appointments/${p.appointmentId}/cancel`, {});
    expect([cancel.status, cancel.body.error.code]).toEqual([409, "APPOINTMENT_CLOSED"]);

    // Aftercare goes out for the completed session, never for the no-show.
    expect(
      (await artist.client.post(`/api/bookings/appointments/${completed.appointmentId}/complete`, {})).status,
    ).toBe(200);
    await runReminderBatch(app.ctx, { asOfMs: end.getTime() + HOUR, range: { from: null, to: null } });
    const reminders = await app.ctx.db.reminder.findMany({
      where: { appointmentId: { in: [p.appointmentId, completed.appointmentId] } },
    });
    expect(reminders.map((r) => [r.appointmentId, r.kind])).toEqual([[completed.appointmentId, "aftercare"]]);
  });

  it("only the appointment's artist: the customer gets 403, another artist 404, a bad id 404", async () => {
    const { appointmentId, customer } = await confirmedAppointment(at(8, 11), "Fern");
    await startedAgo(appointmentId, 1);
    for (const step of ["complete", "no-show"]) {
      const byCustomer = await customer.client.post(`/api/bookings/appointments/${appointmentId}/${step}`, {});
      expect([byCustomer.status, byCustomer.body.error.code]).toEqual([403, "ARTIST_ONLY"]);
      expect((await other.client.post(`/api/bookings/appointments/${appointmentId}/${step}`, {})).status).toBe(404);
      expect((await artist.client.post(`/api/bookings/appointments/not-an-id/${step}`, {})).status).toBe(404);
    }
    expect((await get(artist.client, appointmentId)).status).toBe("confirmed");
  });

  it("an appointment still waiting for its deposit cannot be a no-show", async () => {
    const { customer, requestId } = await offeredRequest(app, artist, artist.serviceId, at(9, 11), {
      idea: "Dagger",
      placement: "arm",
      size: "12 cm",
    });
    const accepted = await customer.client.post(`/api/bookings/requests/${requestId}/accept`, { start: at(9, 11) });
    expect(accepted.body.status).toBe("pending_deposit");
    await startedAgo(accepted.body.appointmentId, 7);
    const res = await artist.client.post(`/api/bookings/appointments/${accepted.body.appointmentId}/no-show`, {});
    expect([res.status, res.body.error.code]).toEqual([409, "APPOINTMENT_CLOSED"]);
    expect(res.body.error.message).toMatch(/waiting for its deposit/);
  });
});

describe("the next session of a project", () => {
  it("adds it with the project's service; refuses bad input, times outside the hours and busy times with the reason", async () => {
    const p = await paidProject(at(12, 10));
    const path = `/api/bookings/projects/${p.projectId}/sessions`;

    const bad = await artist.client.post(path, { start: "next tuesday", applyDeposit: "yes" });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.fields).sort()).toEqual(["applyDeposit", "start"]);

    const late = await artist.client.post(path, { start: at(13, 20) });
    expect([late.status, late.body.error.code, late.body.error.reason]).toEqual([
      409,
      "SLOT_NOT_FREE",
      "outside_hours",
    ]);
    expect(late.body.error.message).toMatch(
      /20:00–21:00 \(Europe\/Berlin time\) is outside your working hours: you work 10:00–18:00/,
    );

    const clash = await artist.client.post(path, { start: at(12, 10) });
    expect([clash.status, clash.body.error.code, clash.body.error.reason]).toEqual([409, "SLOT_NOT_FREE", "busy"]);

    const added = await artist.client.post(path, { start: at(19, 10) });
    expect(added.status, added.text).toBe(201);
    expect(added.body).toMatchObject({ projectId: p.projectId, status: "confirmed" });
    const session = await get(p.customer.client, added.body.appointmentId);
    expect(session).toMatchObject({ projectId: p.projectId, serviceId: artist.serviceId, status: "confirmed" });
    // Both sessions are listed on either one, by start; the deposit stays where it was.
    expect(session.sessions.map((s: { id: string }) => s.id)).toEqual([p.appointmentId, added.body.appointmentId]);
    expect(session.project.depositAppointmentId).toBe(p.appointmentId);
  });

  it("only the project's artist: the customer 403, another artist 404; not before the customer booked", async () => {
    const p = await paidProject(at(14, 10));
    const path = `/api/bookings/projects/${p.projectId}/sessions`;
    const byCustomer = await p.customer.client.post(path, { start: at(21, 10) });
    expect([byCustomer.status, byCustomer.body.error.code]).toEqual([403, "ARTIST_ONLY"]);
    expect((await other.client.post(path, { start: at(21, 10) })).status).toBe(404);
    expect((await artist.client.post("/api/bookings/projects/nope/sessions", { start: at(21, 10) })).status).toBe(404);

    const { requestId } = await offeredRequest(app, artist, artist.serviceId, at(22, 10), {
      idea: "Owl",
      placement: "calf",
      size: "15 cm",
    });
    const offeredProject = (await artist.client.get(`/api/bookings/requests/${requestId}`)).body.project.id;
    const early = await artist.client.post(`/api/bookings/projects/${offeredProject}/sessions`, { start: at(23, 10) });
    expect([early.status, early.body.error.code]).toEqual([409, "PROJECT_NOT_BOOKED"]);
    expect(await app.ctx.db.appointment.count({ where: { projectId: { in: [p.projectId, offeredProject] } } })).toBe(1);
  });
});

describe("which session holds the deposit", () => {
  it("moves to another live session of the project, never to a cancelled one or another project's", async () => {
    const p = await paidProject(at(25, 10));
    const path = `/api/bookings/projects/${p.projectId}/deposit-session`;
    const second = (await artist.client.post(`/api/bookings/projects/${p.projectId}/sessions`, { start: at(26, 10) }))
      .body.appointmentId as string;
    const third = (await artist.client.post(`/api/bookings/projects/${p.projectId}/sessions`, { start: at(27, 10) }))
      .body.appointmentId as string;
    const elsewhere = await paidProject(at(28, 10));

    const bad = await artist.client.put(path, { appointmentId: "first" });
    expect([bad.status, Object.keys(bad.body.error.fields)]).toEqual([400, ["appointmentId"]]);
    const foreign = await artist.client.put(path, { appointmentId: elsewhere.appointmentId });
    expect([foreign.status, foreign.body.error.fields.appointmentId]).toEqual([400, "Pick a session of this project."]);

    expect((await artist.client.post(`/api/bookings/appointments/${third}/cancel`, {})).status).toBe(200);
    const cancelled = await artist.client.put(path, { appointmentId: third });
    expect([cancelled.status, cancelled.body.error.code]).toEqual([409, "SESSION_CLOSED"]);
    expect(cancelled.body.error.message).toMatch(/cancelled session cannot hold the deposit/);

    const moved = await artist.client.put(path, { appointmentId: second });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.body).toMatchObject({ depositAppointmentId: second, depositCents: 5000, depositStatus: "paid" });
    expect((await get(p.customer.client, p.appointmentId)).project.depositAppointmentId).toBe(second);
    // The preview on each session follows: the first now holds nothing.
    expect((await get(p.customer.client, p.appointmentId)).consequences).toMatchObject({
      depositCents: 0,
      cancel: null,
    });
    expect((await get(p.customer.client, second)).consequences).toMatchObject({
      depositCents: 5000,
      cancel: "refunded",
    });

    expect([(await p.customer.client.put(path, { appointmentId: p.appointmentId })).status]).toEqual([403]);
    expect((await other.client.put(path, { appointmentId: p.appointmentId })).status).toBe(404);
  });

  it("stays put once the deposit is kept (a no-show)", async () => {
    const p = await paidProject(at(30, 10));
    const next = (await artist.client.post(`/api/bookings/projects/${p.projectId}/sessions`, { start: at(31, 10) }))
      .body.appointmentId as string;
    await startedAgo(p.appointmentId, 9);
    expect((await artist.client.post(`/api/bookings/appointments/${p.appointmentId}/no-show`, {})).status).toBe(200);
    const res = await artist.client.put(`/api/bookings/projects/${p.projectId}/deposit-session`, {
      appointmentId: next,
    });
    expect([res.status, res.body.error.code]).toEqual([409, "DEPOSIT_SETTLED"]);
    expect(res.body.error.message).toMatch(/already kept/);
  });
});
