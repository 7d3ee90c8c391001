// Who is who: the artist's requests and appointments name the customer (name, email, phone) and
// their history with this artist; the customer's name the artist (views.ts). Nobody else's details leak:
// another artist sees none of these, and a customer never sees another customer.
import { DateTime } from "luxon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signedInUser } from "../helpers/accounts.ts";
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "../helpers/app.ts";
import { bookableArtist, confirmedAppointment, type BookableArtist } from "../helpers/booking.ts";

const ZONE = "Europe/Lisbon";
let app: TestApp;
let artist: BookableArtist;

beforeAll(async () => {
  app = await startTestApp({ databaseUrl: await isolatedDatabaseUrl() });
  artist = await bookableArtist(app, { zone: ZONE, name: "Parties Ink" });
}, 60_000);
afterAll(async () => {
  await app?.close();
});

const at = (days: number, hour: number) =>
  DateTime.now().setZone(ZONE).plus({ days }).set({ hour, minute: 0, second: 0, millisecond: 0 }).toUTC().toISO()!;

describe("booking requests and appointments say who is who", () => {
  it("the artist sees the customer's name, email, phone and history; the customer sees the artist's name", async () => {
    const { appointmentId, customer } = await confirmedAppointment(app, artist, at(2, 11), "First piece");
    const me = (await customer.client.get("/api/auth/me")).body.user;
    await app.ctx.db.user.update({ where: { id: me.id }, data: { name: "Robin Regular", phone: "+351912345678" } });
    await app.ctx.db.appointment.update({ where: { id: appointmentId }, data: { status: "completed" } });
    const second = await customer.client.post("/api/bookings/requests", {
      artistId: artist.userId,
      idea: "Second piece",
      placement: "shoulder",
      size: "10 cm",
    });
    expect(second.status).toBe(201);

    const card = {
      id: me.id,
      name: "Robin Regular",
      email: me.email,
      phone: "+351912345678",
      history: { requests: 2, sessions: 1, noShows: 0 },
    };
    const list = await artist.client.get("/api/bookings/requests?as=artist");
    expect(list.body.items.map((r: { idea: string; customer: unknown }) => [r.idea, r.customer])).toEqual([
      ["Second piece", card],
      ["First piece", card],
    ]);
    expect((await artist.client.get(`/api/bookings/requests/${second.body.id}`)).body.customer).toEqual(card);
    expect((await artist.client.get(`/api/bookings/appointments/${appointmentId}`)).body.customer).toEqual(card);
    const appts = await artist.client.get("/api/bookings/appointments");
    expect(appts.body.items.find((a: { id: string }) => a.id === appointmentId).customer).toEqual(card);

    // The customer's view names the artist, and carries no customer card.
    const mine = await customer.client.get("/api/bookings/requests");
    for (const r of mine.body.items) {
      expect(r.artist).toMatchObject({ id: artist.userId, displayName: "Parties Ink" });
      expect(r.customer).toBeUndefined();
    }
  });

  it("a first-time customer has no history; another artist and another customer see none of it", async () => {
    const newcomer = await signedInUser(app, { role: "customer" });
    const sent = await newcomer.client.post("/api/bookings/requests", {
      artistId: artist.userId,
      idea: "Tiny star",
      placement: "ankle",
      size: "2 cm",
    });
    const mine = await artist.client.get(`/api/bookings/requests/${sent.body.id}`);
    expect(mine.body.customer).toMatchObject({
      id: newcomer.userId,
      phone: null,
      history: { requests: 1, sessions: 0 },
    });

    const otherArtist = await bookableArtist(app, { zone: ZONE, name: "Other Ink" });
    expect((await otherArtist.client.get(`/api/bookings/requests/${sent.body.id}`)).status).toBe(404);
    expect((await otherArtist.client.get("/api/bookings/requests?as=artist")).body.items).toEqual([]);
    const stranger = await signedInUser(app, { role: "customer" });
    expect((await stranger.client.get(`/api/bookings/requests/${sent.body.id}`)).status).toBe(404);
    const strangerList = await stranger.client.get("/api/bookings/requests");
    expect(JSON.stringify(strangerList.body)).not.toContain(newcomer.email);
  });
});
