// GET /api/me/home: what waits for the signed-in person. An artist sees the coming days'
// appointments in the studio's zone with the customer's name, requests waiting (who sent them),
// unread conversations per channel, open deposits and the setup steps still to do; a customer
// sees upcoming bookings and open requests. Nobody sees another person's.
import { DateTime } from "luxon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sealJson } from "../../service/security/secret-box.ts";
import { signedInUser } from "../helpers/accounts.ts";
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "../helpers/app.ts";
import { bookableArtist, confirmedAppointment, type BookableArtist } from "../helpers/booking.ts";

const ZONE = "Pacific/Auckland"; // far from UTC: "today" is the studio's day, not the server's
let app: TestApp;
let artist: BookableArtist;

/** Tomorrow at `hour` in the studio's zone (inside its 10:00–18:00 hours). */
const tomorrowAt = (hour: number) =>
  DateTime.now().setZone(ZONE).plus({ days: 1 }).set({ hour, minute: 0, second: 0, millisecond: 0 }).toUTC().toISO()!;

beforeAll(async () => {
  app = await startTestApp({ databaseUrl: await isolatedDatabaseUrl() });
  artist = await bookableArtist(app, { zone: ZONE, name: "Home Ink" });
}, 60_000);
afterAll(async () => {
  await app?.close();
});

/** A connected account with one unread conversation on `channel`. */
async function unreadConversation(userId: string, channel: string) {
  const account = await app.ctx.db.connectedAccount.create({
    data: {
      userId,
      provider: channel,
      externalId: `${userId}-${channel}`,
      address: `${channel}@studio.test`,
      credentials: sealJson(app.ctx.config.tokenEncryptionKey, {}),
      scopes: [],
    },
  });
  await app.ctx.db.conversation.create({
    data: {
      userId,
      accountId: account.id,
      channel,
      threadKey: `t-${channel}`,
      lastMessageAt: new Date(),
      unreadCount: 2,
    },
  });
}

describe("GET /api/me/home", () => {
  it("an artist sees tomorrow's appointment with the customer's name, the waiting request and who sent it, unread per channel, and the setup steps left", async () => {
    const start = tomorrowAt(11);
    const { customer } = await confirmedAppointment(app, artist, start, "Swallow");
    const asker = await signedInUser(app, { role: "customer" });
    await asker.client.post("/api/bookings/requests", {
      artistId: artist.userId,
      idea: "Koi on the calf",
      placement: "calf",
      size: "15 cm",
    });
    await unreadConversation(artist.userId, "gmail");
    // Another artist's request and conversation never show up here.
    const other = await bookableArtist(app, { zone: "Europe/Berlin", name: "Elsewhere" });
    await asker.client.post("/api/bookings/requests", {
      artistId: other.userId,
      idea: "Other",
      placement: "arm",
      size: "s",
    });
    await unreadConversation(other.userId, "twilio");

    // Distinct names, so the page shows who is who.
    const customerName = "Casey Customer";
    const askerName = "Alex Asker";
    const customerId = (await customer.client.get("/api/auth/me")).body.user.id;
    await app.ctx.db.user.update({ where: { id: customerId }, data: { name: customerName } });
    await app.ctx.db.user.update({ where: { id: asker.userId }, data: { name: askerName } });
    const res = await artist.client.get("/api/me/home");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      role: "artist",
      timeZone: ZONE,
      appointments: [{ start: new Date(start).toISOString(), status: "confirmed", customer: { name: customerName } }],
      requests: { waiting: 1, oldest: [{ idea: "Koi on the calf", customer: { id: asker.userId, name: askerName } }] },
      // Each customer's requests are a thread in the built-in Tatu bookings channel, unread until opened.
      unread: [
        { channel: "gmail", conversations: 1 },
        { channel: "tatu", conversations: 2 },
      ],
      depositsPending: 0,
      setupComplete: false,
    });
    const steps = Object.fromEntries(res.body.setup.map((s: { id: string; done: boolean }) => [s.id, s.done]));
    // bookableArtist: verified, hours and a service, visible — but no location and no calendar yet.
    expect(steps).toEqual({
      "verify-email": true,
      profile: false,
      service: true,
      channel: true,
      calendar: false,
      visible: true,
    });
    expect(JSON.stringify(res.body)).not.toContain(other.userId);
    expect(JSON.stringify(res.body)).not.toContain("Other");
  });

  it("setting the location completes that step", async () => {
    await app.ctx.db.artistProfile.update({ where: { userId: artist.userId }, data: { lat: -36.85, lng: 174.76 } });
    const res = await artist.client.get("/api/me/home");
    expect(res.body.setup.find((s: { id: string }) => s.id === "profile")).toMatchObject({
      done: true,
      link: "/profile",
    });
  });

  it("a customer sees their upcoming booking with the artist and their open request, and nothing of others", async () => {
    const start = tomorrowAt(14);
    const { customer } = await confirmedAppointment(app, artist, start, "Rose");
    await customer.client.post("/api/bookings/requests", {
      artistId: artist.userId,
      idea: "A second piece",
      placement: "back",
      size: "20 cm",
    });
    const res = await customer.client.get("/api/me/home");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      role: "customer",
      upcoming: [
        {
          id: expect.any(String),
          start: new Date(start).toISOString(),
          end: expect.any(String),
          timeZone: ZONE,
          status: "confirmed",
          artist: { id: artist.userId, name: "Home Ink" },
        },
      ],
      requests: [
        {
          id: expect.any(String),
          status: "pending",
          idea: "A second piece",
          createdAt: expect.any(String),
          artist: { id: artist.userId, name: "Home Ink" },
        },
      ],
    });
  });

  it("answers 401 without a session", async () => {
    expect((await app.client().get("/api/me/home")).status).toBe(401);
  });
});
