// The studio address and the booking policy through the API: the address is checked at the
// boundary (a whole address or none, coordinates in range, 400 with the field that is wrong), is
// written only by its artist, and reaches only a customer whose booking with that artist is
// confirmed — never search, the public profile, a pending checkout or anyone else's appointment.
// The deposit and cancellation policy is in words before requesting and before paying.
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import type { StripeStandIn } from "../../standins/stripe/index.ts";
import { signedInUser } from "../helpers/accounts.ts";
import type { TestApp } from "../helpers/app.ts";
import type { BookableArtist } from "../helpers/booking.ts";
import { offeredRequest, startDepositBookingApp } from "../helpers/booking-requests.ts";
import type { HttpClient } from "../helpers/http.ts";
import { until } from "../helpers/realtime.ts";
import { suiteResources } from "../helpers/suite.ts";

const ZONE = "Europe/Berlin";
const STREET = "Torstraße 1";
const POSTCODE = "10119";
const DEPOSIT_WORDS =
  "A deposit of €50 is due when you accept a time; it is refunded if you cancel at least 48 hours before the appointment.";

let stripe: StripeStandIn;
let app: TestApp;
let artist: BookableArtist;

const open = { start: "10:00", end: "18:00" };
const studioProfile = {
  displayName: "Jo Ink",
  studio: "Nadel & Faden",
  street: STREET,
  postcode: POSTCODE,
  city: "Berlin",
  country: "DE",
  styles: ["blackwork"],
  lat: 52.5299,
  lng: 13.4013,
  visible: true,
  timeZone: ZONE,
  workingHours: Object.fromEntries(["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, [open]])),
  bufferMinutes: 0,
  cancelNoticeHours: 48,
};
const day = DateTime.now().setZone(ZONE).plus({ days: 10 }).startOf("day");
const at = (h: number) => day.set({ hour: h }).toUTC().toISO()!;

suiteResources(async (track) => {
  ({ stripe, app, artist } = await startDepositBookingApp(track, {
    zone: ZONE,
    cancelNoticeHours: 48,
    service: { name: "Back piece", durationMinutes: 120, depositCents: 5000 },
  }));
  const put = await artist.client.put("/api/me/artist-profile", studioProfile);
  expect(put.status, put.text).toBe(200);
  expect(put.body).toMatchObject({ street: STREET, postcode: POSTCODE, city: "Berlin", country: "DE" });
});

const fieldsOf = async (client: HttpClient, body: Record<string, unknown>) => {
  const res = await client.put("/api/me/artist-profile", { ...studioProfile, ...body });
  expect(res.status, res.text).toBe(400);
  expect(res.body.error.code).toBe("VALIDATION_FAILED");
  return res.body.error.fields as Record<string, string>;
};

describe("the studio address at the API boundary", () => {
  it("answers 400 naming each field that is wrong, and keeps what was saved", async () => {
    const c = artist.client;
    // A street needs the rest of the address; each missing part is named.
    expect(await fieldsOf(c, { postcode: null, city: "  ", country: null })).toEqual({
      postcode: "Enter the postcode to complete the studio address.",
      city: "Enter the city to complete the studio address.",
      country: "Enter the country code to complete the studio address.",
    });
    expect(Object.keys(await fieldsOf(c, { street: null, city: null }))).toEqual(["street", "city"]);
    expect(Object.keys(await fieldsOf(c, { street: "x".repeat(201) }))).toEqual(["street"]);
    expect(Object.keys(await fieldsOf(c, { postcode: "1".repeat(21) }))).toEqual(["postcode"]);
    expect(await fieldsOf(c, { lat: 91 })).toEqual({ lat: "Latitude is between -90 and 90." });
    expect(await fieldsOf(c, { lng: -181 })).toEqual({ lng: "Longitude is between -180 and 180." });
    expect(await fieldsOf(c, { lat: "52,53" })).toEqual({ lat: "Latitude is a number, e.g. 52.52." });
    expect(await fieldsOf(c, { lng: null })).toEqual({ lng: "Give both latitude and longitude, or neither." });
    expect(Object.keys(await fieldsOf(c, { displayName: " " }))).toEqual(["displayName"]);
    expect(Object.keys(await fieldsOf(c, { lat: null, lng: null }))).toEqual(["visible"]);

    const saved = (await c.get("/api/me/artist-profile")).body;
    expect(saved).toMatchObject({ street: STREET, postcode: POSTCODE, lat: 52.5299, lng: 13.4013 });
    // No address at all is fine (city and country alone are public profile text).
    const other = await signedInUser(app, { role: "artist" });
    const bare = await other.client.put("/api/me/artist-profile", {
      ...studioProfile,
      street: null,
      postcode: null,
      visible: false,
    });
    expect(bare.status, bare.text).toBe(201);
    expect(bare.body).toMatchObject({ street: null, postcode: null, city: "Berlin" });
  });

  it("is written by its artist only: a customer gets 403, another artist writes only their own", async () => {
    const customer = await signedInUser(app, { role: "customer" });
    const refused = await customer.client.put("/api/me/artist-profile", { ...studioProfile, street: "Elsewhere 9" });
    expect(refused.status).toBe(403);
    const other = await signedInUser(app, { role: "artist" });
    const own = await other.client.put("/api/me/artist-profile", { ...studioProfile, street: "Elsewhere 9" });
    expect(own.status).toBe(201);
    expect(own.body.id).toBe(other.userId);
    expect((await artist.client.get("/api/me/artist-profile")).body.street).toBe(STREET);
  });
});

describe("who sees the studio address", () => {
  it("never the public: not in search, not on the public profile", async () => {
    const anon = app.client();
    const profile = await anon.get(`/api/artists/${artist.userId}`);
    expect(profile.status).toBe(200);
    expect(profile.body).toMatchObject({ city: "Berlin", country: "DE", studio: "Nadel & Faden" });
    const search = await anon.get("/api/artists?lat=52.53&lng=13.40&radiusKm=5");
    expect(search.body.items.map((i: { id: string }) => i.id)).toContain(artist.userId);
    for (const json of [profile.text, search.text, (await anon.get("/api/artists?q=Jo%20Ink")).text]) {
      expect(json).not.toContain("Torstra");
      expect(json).not.toContain(POSTCODE);
      expect(json).not.toMatch(/"street"|"postcode"/);
    }
  });

  it("a customer once the booking is confirmed (deposit paid), not while the checkout is pending", async () => {
    const { customer, requestId, offer } = await offeredRequest(app, artist, artist.serviceId, at(11), {
      idea: "Dragon",
      placement: "back",
      size: "30 cm",
    });
    expect(offer.status, offer.text).toBe(200);
    // Before paying: the policy in words with the offered deposit, and no address yet.
    const [request] = (await customer.client.get("/api/bookings/requests")).body.items;
    expect(request.policy[0]).toBe(DEPOSIT_WORDS);
    expect(request.artist).toMatchObject({ id: artist.userId, displayName: "Jo Ink" });
    expect(JSON.stringify(request)).not.toContain("Torstra");

    const accepted = await customer.client.post(`/api/bookings/requests/${requestId}/accept`, { start: at(11) });
    expect(accepted.body).toMatchObject({ status: "pending_deposit", checkoutUrl: expect.any(String) });
    const id = accepted.body.appointmentId as string;
    const pending = await customer.client.get(`/api/bookings/appointments/${id}`);
    expect(pending.body).toMatchObject({ status: "pending_deposit", address: null });
    expect(pending.text).not.toContain("Torstra");

    const session = stripe.sessions().find((s) => s.metadata.appointmentId === id)!;
    expect((await stripe.completeCheckout(session.id, `${app.url}/api/webhooks/stripe`)).status).toBe(200);
    await until(
      async () => (await customer.client.get(`/api/bookings/appointments/${id}`)).body.status === "confirmed",
      5000,
      "the deposit confirmation",
    );
    const address = {
      studio: "Nadel & Faden",
      street: STREET,
      postcode: POSTCODE,
      city: "Berlin",
      country: "DE",
      location: { lat: 52.5299, lng: 13.4013 },
    };
    const detail = (await customer.client.get(`/api/bookings/appointments/${id}`)).body;
    expect(detail).toMatchObject({ address, artist: { displayName: "Jo Ink" } });
    expect(detail.policy[0]).toBe(DEPOSIT_WORDS);
    const [listed] = (await customer.client.get("/api/bookings/appointments")).body.items;
    expect(listed).toMatchObject({ id, address });

    // Nobody else: another customer (with only a request at this artist), or another artist.
    const stranger = await signedInUser(app, { role: "customer" });
    await stranger.client.post("/api/bookings/requests", {
      artistId: artist.userId,
      idea: "Rose",
      placement: "arm",
      size: "5 cm",
    });
    expect((await stranger.client.get(`/api/bookings/appointments/${id}`)).status).toBe(404);
    const theirs = await stranger.client.get("/api/bookings/appointments");
    expect(theirs.body.items).toEqual([]);
    const theirRequests = await stranger.client.get("/api/bookings/requests");
    expect(theirRequests.body.items).toHaveLength(1);
    expect(theirRequests.text).not.toContain("Torstra");
    // Before an offer the policy names the requested service's deposit… here: the artist's only one.
    expect(theirRequests.body.items[0].policy[0]).toBe(DEPOSIT_WORDS);
    const otherArtist = await signedInUser(app, { role: "artist" });
    expect((await otherArtist.client.get(`/api/bookings/appointments/${id}`)).status).toBe(404);
  });
});
