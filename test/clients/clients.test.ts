// The artist's client records (/api/clients): who their clients are (anyone with a request or
// appointment with them), and one client's record — contact, the conversations in the artist's
// unified inbox with that person (linked by email in any case, by phone in any notation; a
// conversation with someone else never), requests with their reference images, sessions, and
// the artist's private notes, which no other artist and never the customer can read or change.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PASSWORD, signedInUser } from "../helpers/accounts.ts";
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "../helpers/app.ts";
import { bookableArtist, type BookableArtist } from "../helpers/booking.ts";
import type { HttpClient } from "../helpers/http.ts";
import { connectedChannel, PNG, receive, requestWithReference } from "./seed.ts";

let app: TestApp;
let artist: BookableArtist;
let other: BookableArtist;
let casey: { client: HttpClient; userId: string; email: string };
let request: { requestId: string; referenceId: string };
const conv = { email: "", sms: "", stranger: "", otherPhone: "", otherArtist: "" };

const PHONE = "+14155550123";
const at = (days: number, hour = 11) => {
  const d = new Date(Date.now() + days * 86_400_000);
  d.setUTCHours(hour, 0, 0, 0);
  return d.toISOString();
};

beforeAll(async () => {
  app = await startTestApp({ databaseUrl: await isolatedDatabaseUrl() });
  artist = await bookableArtist(app, { zone: "UTC", name: "Record Ink" });
  other = await bookableArtist(app, { zone: "UTC", name: "Other Ink" });
  casey = await signedInUser(app, { role: "customer" });
  await app.ctx.db.user.update({ where: { id: casey.userId }, data: { name: "Casey Client" } });
  // The customer's own phone, set the way they set it (notification settings).
  expect((await casey.client.put("/api/notifications/preferences", { phone: PHONE })).status).toBe(200);
  request = await requestWithReference(casey.client, artist.userId, {
    idea: "A swallow, fine line",
    placement: "wrist",
    size: "5 cm",
    budget: "200 EUR",
  });

  // The artist's inbox: Casey by email (written in another case) and by text (another notation),
  // and two other people — one by email, one by phone.
  const mail = await connectedChannel(app, artist.userId, "gmail");
  const sms = await connectedChannel(app, artist.userId, "twilio");
  conv.email = await receive(
    app,
    mail,
    { handle: casey.email.toUpperCase(), name: "Casey" },
    "Can we move it?",
    "Swallow",
  );
  conv.sms = await receive(app, sms, { handle: "+1 (415) 555-0123" }, "Running 5 min late");
  conv.stranger = await receive(app, mail, { handle: "someone.else@example.test" }, "Hi from someone else", "Other");
  conv.otherPhone = await receive(app, sms, { handle: "+14155550999" }, "Wrong person");
  // Another artist's inbox has Casey's mail too: it is theirs, never on this artist's record.
  const otherMail = await connectedChannel(app, other.userId, "gmail");
  conv.otherArtist = await receive(app, otherMail, { handle: casey.email }, "Hello other artist", "Elsewhere");
}, 60_000);
afterAll(async () => {
  await app?.close();
});

/** The artist's "Tatu bookings" conversation with Casey, which a booking request opens. */
const bookingThread = async (artistId: string) =>
  (await app.ctx.db.conversation.findFirstOrThrow({ where: { userId: artistId, channel: "tatu" } })).id;

describe("GET /api/clients/:customerId", () => {
  it("shows the contact, the conversations linked by email and by phone (no one else's), the request with its reference, and the session", async () => {
    // A session: the artist offers a time and Casey accepts (no deposit on this service).
    const start = at(3);
    await artist.client.post(`/api/bookings/requests/${request.requestId}/offer`, {
      serviceId: artist.serviceId,
      slots: [{ start }],
    });
    const accepted = await casey.client.post(`/api/bookings/requests/${request.requestId}/accept`, { start });
    expect(accepted.body.status).toBe("confirmed");

    const res = await artist.client.get(`/api/clients/${casey.userId}`);
    expect(res.status).toBe(200);
    expect(res.body.client).toEqual({
      id: casey.userId,
      name: "Casey Client",
      email: casey.email,
      phone: PHONE,
      deleted: false,
    });
    const byId = Object.fromEntries(res.body.conversations.map((c: { id: string }) => [c.id, c]));
    // The request opened the artist's "Tatu bookings" thread with Casey: on the record too.
    const thread = await bookingThread(artist.userId);
    expect(Object.keys(byId).sort()).toEqual([conv.email, conv.sms, thread].sort());
    expect(byId[thread]).toMatchObject({ channel: "tatu", matchedBy: "email" });
    expect(byId[conv.email]).toMatchObject({
      channel: "gmail",
      matchedBy: "email",
      subject: "Swallow",
      snippet: "Can we move it?",
      unreadCount: 1,
      link: `/inbox/${conv.email}`,
    });
    expect(byId[conv.sms]).toMatchObject({ channel: "twilio", matchedBy: "phone", snippet: "Running 5 min late" });
    for (const id of [conv.stranger, conv.otherPhone, conv.otherArtist]) expect(res.text).not.toContain(id);

    expect(res.body.requests).toEqual([
      expect.objectContaining({
        id: request.requestId,
        idea: "A swallow, fine line",
        placement: "wrist",
        size: "5 cm",
        budget: "200 EUR",
        status: "booked",
        references: [
          {
            id: request.referenceId,
            filename: "reference.png",
            contentType: "image/png",
            size: PNG.length,
            url: `/api/bookings/requests/${request.requestId}/references/${request.referenceId}`,
          },
        ],
      }),
    ]);
    // The reference's url serves the image to the artist.
    const image = await artist.client.bytes(res.body.requests[0].references[0].url);
    expect(image.status).toBe(200);
    expect(image.body.equals(PNG)).toBe(true);

    expect(res.body.sessions).toEqual([
      expect.objectContaining({
        id: accepted.body.appointmentId,
        start,
        status: "confirmed",
        requestId: request.requestId,
        deposit: null,
      }),
    ]);
    expect(res.body.notes).toEqual([]);
  });

  it("a thread on another channel comes along when the inbox knows it is the same contact (another handle)", async () => {
    // Casey's Instagram DMs, once the inbox holds them under the contact of Casey's email.
    const ig = await connectedChannel(app, artist.userId, "instagram");
    const dm = await receive(app, ig, { handle: "17841400000000001", name: "casey.ink" }, "Sent you my sketch");
    const emailContact = await app.ctx.db.conversation.findUniqueOrThrow({ where: { id: conv.email } });
    const igContact = await app.ctx.db.conversation.findUniqueOrThrow({ where: { id: dm } });
    expect((await artist.client.get(`/api/clients/${casey.userId}`)).text).not.toContain(dm);
    await app.ctx.db.contactIdentity.updateMany({
      where: { contactId: igContact.contactId! },
      data: { contactId: emailContact.contactId! },
    });
    await app.ctx.db.conversation.update({ where: { id: dm }, data: { contactId: emailContact.contactId } });

    const res = await artist.client.get(`/api/clients/${casey.userId}`);
    expect(res.body.conversations.find((c: { id: string }) => c.id === dm)).toMatchObject({
      channel: "instagram",
      matchedBy: "contact",
      contact: { name: "casey.ink", handle: "17841400000000001" },
      link: `/inbox/${dm}`,
    });
  });

  it("a cancelled session stays on the record with who cancelled", async () => {
    const { body } = await artist.client.get(`/api/clients/${casey.userId}`);
    const id = body.sessions[0].id as string;
    expect((await casey.client.post(`/api/bookings/appointments/${id}/cancel`, { reason: "Flu" })).status).toBe(200);
    const after = await artist.client.get(`/api/clients/${casey.userId}`);
    expect(after.body.sessions[0]).toMatchObject({ id, status: "cancelled", cancelledBy: "customer" });
  });

  it("answers 404 for a person who is not the artist's client, another artist's client and a non-id", async () => {
    const stranger = await signedInUser(app, { role: "customer" });
    for (const path of [
      `/api/clients/${stranger.userId}`,
      "/api/clients/00000000-0000-4000-8000-000000000000",
      "/api/clients/not-an-id",
    ]) {
      const res = await artist.client.get(path);
      expect(res.status, path).toBe(404);
      expect(res.body.error.message).toEqual(expect.any(String));
    }
    // The other artist has no request or appointment with Casey: Casey is not their client.
    expect((await other.client.get(`/api/clients/${casey.userId}`)).status).toBe(404);
  });

  it("is for artists only: a customer gets 403 (their own id too), nobody signed in 401", async () => {
    for (const path of ["/api/clients", `/api/clients/${casey.userId}`]) {
      const res = await casey.client.get(path);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe("ARTISTS_ONLY");
      expect((await app.client().get(path)).status).toBe(401);
    }
    expect((await casey.client.post(`/api/clients/${casey.userId}/notes`, { body: "me" })).status).toBe(403);
  });
});

describe("GET /api/clients", () => {
  it("lists the artist's clients with counts and last activity, searchable by name or email, paged", async () => {
    const asker = await signedInUser(app, { role: "customer" });
    await app.ctx.db.user.update({ where: { id: asker.userId }, data: { name: "Alex Asker" } });
    await asker.client.post("/api/bookings/requests", {
      artistId: artist.userId,
      idea: "Koi on the calf",
      placement: "calf",
      size: "15 cm",
    });

    const all = await artist.client.get("/api/clients");
    expect(all.status).toBe(200);
    expect(all.body.items.map((c: { id: string }) => c.id)).toEqual([asker.userId, casey.userId]);
    expect(all.body.items[1]).toMatchObject({
      name: "Casey Client",
      email: casey.email,
      requests: 1,
      sessions: { total: 1, completed: 0 },
      lastActivityAt: expect.any(String),
      nextSessionAt: null,
    });
    expect(all.body.nextCursor).toBeNull();

    const byName = await artist.client.get("/api/clients?q=casey%20cl");
    expect(byName.body.items.map((c: { id: string }) => c.id)).toEqual([casey.userId]);
    const byEmail = await artist.client.get(`/api/clients?q=${encodeURIComponent(casey.email.toUpperCase())}`);
    expect(byEmail.body.items.map((c: { id: string }) => c.id)).toEqual([casey.userId]);
    expect((await artist.client.get("/api/clients?q=%25")).body.items).toEqual([]);

    const first = await artist.client.get("/api/clients?limit=1");
    expect(first.body.items.map((c: { id: string }) => c.id)).toEqual([asker.userId]);
    const second = await artist.client.get(`/api/clients?limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((c: { id: string }) => c.id)).toEqual([casey.userId]);
    expect(second.body.nextCursor).toBeNull();

    // Another artist's list holds only their own clients.
    expect((await other.client.get("/api/clients")).body.items).toEqual([]);
  });

  it("answers 400 with the field for a bad limit, search or cursor", async () => {
    const limit = await artist.client.get("/api/clients?limit=0");
    expect(limit.status).toBe(400);
    expect(limit.body.error.fields).toEqual({ limit: expect.any(String) });
    const q = await artist.client.get(`/api/clients?q=${"x".repeat(101)}`);
    expect(q.body.error.fields).toEqual({ q: expect.any(String) });
    const cursor = await artist.client.get("/api/clients?cursor=nonsense");
    expect(cursor.status).toBe(400);
    expect(cursor.body.error.code).toBe("INVALID_CURSOR");
  });
});

describe("private notes", () => {
  const notesPath = () => `/api/clients/${casey.userId}/notes`;

  it("the artist adds, edits and deletes a note; the record shows it newest first", async () => {
    const first = await artist.client.post(notesPath(), { body: "  Prefers mornings.  " });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ id: expect.any(String), body: "Prefers mornings." });
    const second = await artist.client.post(notesPath(), { body: "Allergic to latex <b>gloves</b>" });
    let record = await artist.client.get(`/api/clients/${casey.userId}`);
    expect(record.body.notes.map((n: { body: string }) => n.body)).toEqual([
      "Allergic to latex <b>gloves</b>",
      "Prefers mornings.",
    ]);

    const edited = await artist.client.request("PATCH", `${notesPath()}/${first.body.id}`, {
      json: { body: "Prefers mornings, not Mondays." },
    });
    expect(edited.status).toBe(200);
    expect(edited.body.body).toBe("Prefers mornings, not Mondays.");

    expect((await artist.client.delete(`${notesPath()}/${second.body.id}`)).status).toBe(204);
    expect((await artist.client.delete(`${notesPath()}/${second.body.id}`)).status).toBe(404);
    record = await artist.client.get(`/api/clients/${casey.userId}`);
    expect(record.body.notes.map((n: { body: string }) => n.body)).toEqual(["Prefers mornings, not Mondays."]);
  });

  it("answers 400 with the field for an empty, missing, too long or extra-keyed note", async () => {
    for (const json of [{ body: "   " }, {}, { body: 42 }, { body: "x".repeat(5_001) }]) {
      const res = await artist.client.post(notesPath(), json);
      expect(res.status, JSON.stringify(json).slice(0, 40)).toBe(400);
      expect(res.body.error.fields).toEqual({ body: expect.any(String) });
    }
    const extra = await artist.client.post(notesPath(), { body: "ok", customerId: casey.userId });
    expect(extra.status).toBe(400);
    expect(extra.body.error.fields).toEqual({ _: expect.any(String) });
    const { body } = await artist.client.get(`/api/clients/${casey.userId}`);
    const patch = await artist.client.request("PATCH", `${notesPath()}/${body.notes[0].id}`, { json: { body: "" } });
    expect(patch.status).toBe(400);
    expect(patch.body.error.fields).toEqual({ body: "Write the note." });
    // Nothing was stored by the refused requests.
    expect((await artist.client.get(`/api/clients/${casey.userId}`)).body.notes).toHaveLength(1);
  });

  it("another artist who also has Casey as a client never sees or changes this artist's notes", async () => {
    await requestWithReference(casey.client, other.userId, { idea: "Rose", placement: "arm", size: "8 cm" });
    const mine = (await artist.client.get(`/api/clients/${casey.userId}`)).body.notes[0];
    const theirs = await other.client.get(`/api/clients/${casey.userId}`);
    expect(theirs.status).toBe(200);
    expect(theirs.body.notes).toEqual([]);
    expect(theirs.text).not.toContain(mine.body);
    // Their own inbox's conversation with Casey is on their record, this artist's are not.
    expect(theirs.body.conversations.map((c: { id: string }) => c.id).sort()).toEqual(
      [conv.otherArtist, await bookingThread(other.userId)].sort(),
    );

    const edit = await other.client.request("PATCH", `${notesPath()}/${mine.id}`, { json: { body: "Hijacked" } });
    expect(edit.status).toBe(404);
    expect((await other.client.delete(`${notesPath()}/${mine.id}`)).status).toBe(404);
    const own = await other.client.post(notesPath(), { body: "Their note" });
    expect(own.status).toBe(201);
    expect((await artist.client.get(`/api/clients/${casey.userId}`)).body.notes).toEqual([mine]);
    // A note id under another client's path is not found either.
    const asker = (await artist.client.get("/api/clients")).body.items.find(
      (c: { id: string }) => c.id !== casey.userId,
    );
    expect((await artist.client.delete(`/api/clients/${asker.id}/notes/${mine.id}`)).status).toBe(404);
  });

  it("the customer never gets the notes: not from the client API, nor with their own requests and appointments", async () => {
    const mine = (await artist.client.get(`/api/clients/${casey.userId}`)).body.notes[0].body as string;
    for (const path of [
      `/api/clients/${casey.userId}`,
      "/api/bookings/requests",
      `/api/bookings/requests/${request.requestId}`,
      "/api/bookings/appointments",
      "/api/me/home",
    ]) {
      const res = await casey.client.get(path);
      expect(res.text, path).not.toContain(mine);
    }
  });
});

describe("deleting an account", () => {
  it("an artist's deletion removes their notes; a customer's removes the notes about them and the record says so", async () => {
    const leaving = await bookableArtist(app, { zone: "UTC" });
    const someone = await signedInUser(app, { role: "customer" });
    await someone.client.post("/api/bookings/requests", {
      artistId: leaving.userId,
      idea: "Anchor",
      placement: "arm",
      size: "6 cm",
    });
    await someone.client.post("/api/bookings/requests", {
      artistId: artist.userId,
      idea: "Heart",
      placement: "arm",
      size: "6 cm",
    });
    expect((await leaving.client.post(`/api/clients/${someone.userId}/notes`, { body: "Leaving note" })).status).toBe(
      201,
    );
    expect((await artist.client.post(`/api/clients/${someone.userId}/notes`, { body: "About them" })).status).toBe(201);

    const del = (c: HttpClient) => c.request("DELETE", "/api/auth/me", { json: { password: PASSWORD } });
    expect((await del(leaving.client)).status).toBe(200);
    expect(await app.ctx.db.clientNote.count({ where: { artistId: leaving.userId } })).toBe(0);

    expect((await del(someone.client)).status).toBe(200);
    expect(await app.ctx.db.clientNote.count({ where: { customerId: someone.userId } })).toBe(0);
    // The request stays in the artist's books; the person is gone, and no note can be kept about them.
    const record = await artist.client.get(`/api/clients/${someone.userId}`);
    expect(record.status).toBe(200);
    expect(record.body.client).toEqual({
      id: someone.userId,
      name: "Deleted account",
      email: null,
      phone: null,
      deleted: true,
    });
    expect(record.body.notes).toEqual([]);
    const late = await artist.client.post(`/api/clients/${someone.userId}/notes`, { body: "Too late" });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe("CLIENT_DELETED");
  });
});
