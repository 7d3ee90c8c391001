// The booking flow through the API: request with references → offer → accept → reschedule /
// cancel, availability that respects calendars and bookings, and no double booking even when
// 20 customers take the same slot at the same moment (the database decides).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DateTime } from "luxon";
import { isolatedDatabaseUrl, startTestApp, uniqueEmail, type TestApp } from "../helpers/app.ts";
import { signedInUser } from "../helpers/accounts.ts";
import type { HttpClient } from "../helpers/http.ts";
import { isOverlapViolation } from "../../service/booking/appointments.ts";

let app: TestApp;
let artist: { client: HttpClient; userId: string };
let serviceId: string;
const ZONE = "Europe/Berlin";
// A weekday far enough ahead to be bookable, at 10:00 and 13:00 Berlin time.
const day = DateTime.now().setZone(ZONE).plus({ days: 10 }).startOf("day");
const at = (h: number, m = 0) => day.set({ hour: h, minute: m }).toUTC().toISO()!;
const PNG = Buffer.from("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489", "hex");

async function customerRequest(client: HttpClient) {
  const res = await client.post("/api/bookings/requests", {
    artistId: artist.userId,
    idea: "Fine-line swallow",
    placement: "forearm",
    size: "8 cm",
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

beforeAll(async () => {
  app = await startTestApp({ databaseUrl: await isolatedDatabaseUrl() });
  artist = await signedInUser(app, { role: "artist" });
  const week = Object.fromEntries(
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, [{ start: "10:00", end: "18:00" }]]),
  );
  await app.ctx.db.artistProfile.create({
    data: {
      userId: artist.userId,
      displayName: "Jo Ink",
      timeZone: ZONE,
      workingHours: week,
      bufferMinutes: 15,
      visible: true,
      styles: ["fine-line"],
    },
  });
  serviceId = (
    await app.ctx.db.service.create({
      data: {
        artistId: artist.userId,
        kind: "session",
        name: "Half-day session",
        durationMinutes: 120,
        depositCents: 0,
      },
    })
  ).id;
});
afterAll(async () => {
  await app?.close();
});

describe("request → offer → accept", () => {
  let requestId: string, appointmentId: string;
  const customer = { client: undefined as unknown as HttpClient, userId: "" };

  it("a customer sends a request with a reference image", async () => {
    Object.assign(customer, await signedInUser(app, { role: "customer" }));
    const form = new FormData();
    for (const [k, v] of Object.entries({
      artistId: artist.userId,
      idea: "Koi sleeve, colour",
      placement: "left arm",
      size: "full sleeve",
      budget: "2000 EUR",
    }))
      form.set(k, v);
    form.append("files", new Blob([PNG], { type: "image/png" }), "koi.png");
    const res = await customer.client.form("/api/bookings/requests", form);
    expect(res.status).toBe(201);
    requestId = res.body.id;
    expect(res.body.references).toEqual([expect.objectContaining({ filename: "koi.png", contentType: "image/png" })]);
    const ref = await artist.client.bytes(
      `/api/bookings/requests/${requestId}/references/${res.body.references[0].id}`,
    );
    expect(ref.body.equals(PNG)).toBe(true);
    expect((await customer.client.post("/api/bookings/requests", { artistId: artist.userId, idea: "x" })).status).toBe(
      400,
    );
  });

  it("the artist offers free slots only", async () => {
    const outside = await artist.client.post(`/api/bookings/requests/${requestId}/offer`, {
      serviceId,
      slots: [{ start: at(8) }],
    });
    expect([outside.status, outside.body.error.code]).toEqual([409, "SLOT_NOT_FREE"]);
    const res = await artist.client.post(`/api/bookings/requests/${requestId}/offer`, {
      serviceId,
      slots: [{ start: at(10) }, { start: at(13) }],
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: "offered",
      slots: [{ start: at(10).replace("+00:00", "Z") }, expect.anything()],
    });
    expect(
      (
        await customer.client.post(`/api/bookings/requests/${requestId}/offer`, {
          serviceId,
          slots: [{ start: at(10) }],
        })
      ).status,
    ).toBe(403);
  });

  it("the customer picks a slot; it is confirmed and no longer available (buffer included)", async () => {
    const wrong = await customer.client.post(`/api/bookings/requests/${requestId}/accept`, { start: at(11) });
    expect([wrong.status, wrong.body.error.code]).toEqual([400, "SLOT_NOT_OFFERED"]);
    const res = await customer.client.post(`/api/bookings/requests/${requestId}/accept`, { start: at(10) });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe("confirmed");
    appointmentId = res.body.appointmentId;
    const avail = await app
      .client()
      .get(
        `/api/artists/${artist.userId}/availability?from=${encodeURIComponent(at(9))}&to=${encodeURIComponent(at(18))}&serviceId=${serviceId}`,
      );
    expect(avail.status).toBe(200);
    const starts = avail.body.slots.map((s: { start: string }) => new Date(s.start).toISOString());
    expect(starts).not.toContain(new Date(at(10)).toISOString());
    expect(starts).not.toContain(new Date(at(12)).toISOString()); // 12:00 is inside 10–12 + 15 min buffer
    expect(starts).toContain(new Date(at(12, 30)).toISOString());
  });

  it("a calendar's busy time is not offered", async () => {
    const account = await app.ctx.db.connectedAccount.create({
      data: {
        userId: artist.userId,
        provider: "apple-calendar",
        externalId: "jo@icloud.test",
        address: "jo@icloud.test",
        credentials: "v1.x.y.z",
        scopes: [],
      },
    });
    const conn = await app.ctx.db.calendarConnection.create({
      data: {
        userId: artist.userId,
        accountId: account.id,
        provider: "apple-calendar",
        calendarExternalId: "/cal/home/",
        name: "Home",
      },
    });
    await app.ctx.db.busyBlock.create({
      data: {
        connectionId: conn.id,
        userId: artist.userId,
        externalId: "dentist",
        start: new Date(at(15)),
        end: new Date(at(16)),
      },
    });
    const avail = await app
      .client()
      .get(
        `/api/artists/${artist.userId}/availability?from=${encodeURIComponent(at(9))}&to=${encodeURIComponent(at(18))}&durationMinutes=60`,
      );
    const starts = avail.body.slots.map((s: { start: string }) => new Date(s.start).toISOString());
    expect(starts).not.toContain(new Date(at(15)).toISOString());
    expect(starts).not.toContain(new Date(at(14)).toISOString()); // 14–15 + buffer runs into the dentist
    expect(starts).toContain(new Date(at(16, 30)).toISOString());
  });

  it("either side can reschedule into free time; nobody else can see or touch it", async () => {
    const moved = await customer.client.post(`/api/bookings/appointments/${appointmentId}/reschedule`, {
      start: at(12, 30),
    });
    expect(moved.status).toBe(200);
    expect(moved.body.rescheduledBy).toBe("customer");
    const intoBusy = await artist.client.post(`/api/bookings/appointments/${appointmentId}/reschedule`, {
      start: at(15),
    });
    expect([intoBusy.status, intoBusy.body.error.code]).toEqual([409, "SLOT_TAKEN"]);
    const stranger = await signedInUser(app, { email: uniqueEmail("stranger") });
    expect((await stranger.client.get(`/api/bookings/appointments/${appointmentId}`)).status).toBe(404);
    expect((await stranger.client.post(`/api/bookings/appointments/${appointmentId}/cancel`, {})).status).toBe(404);
    expect((await stranger.client.get(`/api/bookings/requests/${requestId}`)).status).toBe(404);
  });

  it("cancelling records who cancelled and the policy", async () => {
    const res = await artist.client.post(`/api/bookings/appointments/${appointmentId}/cancel`, { reason: "sick" });
    expect(res.body).toMatchObject({
      status: "cancelled",
      cancelledBy: "artist",
      depositOutcome: null,
      policy: { cancelNoticeHours: 48 },
    });
    expect((await customer.client.post(`/api/bookings/appointments/${appointmentId}/cancel`, {})).body.error.code).toBe(
      "APPOINTMENT_CLOSED",
    );
  });
});

describe("no double booking", () => {
  it("20 customers accepting the same slot at once: exactly one gets it", async () => {
    const customers = await Promise.all(Array.from({ length: 20 }, () => signedInUser(app, { role: "customer" })));
    const requests: string[] = [];
    for (const c of customers) requests.push(await customerRequest(c.client));
    for (const id of requests)
      expect(
        (await artist.client.post(`/api/bookings/requests/${id}/offer`, { serviceId, slots: [{ start: at(10) }] }))
          .status,
      ).toBe(200);
    const results = await Promise.all(
      customers.map((c, i) => c.client.post(`/api/bookings/requests/${requests[i]}/accept`, { start: at(10) })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    expect(results.filter((r) => r.status === 409).every((r) => r.body.error.code === "SLOT_TAKEN")).toBe(true);
    const live = await app.ctx.db.appointment.count({
      where: { artistId: artist.userId, status: { in: ["confirmed", "pending_deposit"] }, start: new Date(at(10)) },
    });
    expect(live).toBe(1);
  });

  it("the database refuses an overlapping insert even when the code's check is bypassed", async () => {
    const existing = await app.ctx.db.appointment.findFirstOrThrow({
      where: { artistId: artist.userId, status: "confirmed" },
    });
    const result = await app.ctx.db.$executeRaw`
      INSERT INTO "Appointment" (id, "artistId", "customerId", start, "end", "blockEnd", "timeZone", status, "updatedAt")
      VALUES (gen_random_uuid(), ${artist.userId}::uuid, ${existing.customerId}::uuid, ${existing.start}, ${existing.end}, ${existing.blockEnd}, 'UTC', 'confirmed', now())`.then(
      () => "inserted",
      (err: unknown) => err,
    );
    expect(isOverlapViolation(result)).toBe(true);
  });
});
