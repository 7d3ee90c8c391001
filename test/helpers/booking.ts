// What the booking and calendar-sync tests through the API need: an artist open every day in
// their zone (10:00–18:00 unless told) with one session, confirmed appointments booked the customer's way
// (request → offer → accept), free slots as the public sees them, and the check that another
// artist cannot touch a connection.
import { expect } from "vitest";
import { signedInUser } from "./accounts.ts";
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "./app.ts";
import type { HttpClient } from "./http.ts";
import type { Track } from "./suite.ts";

export interface BookableArtist {
  client: HttpClient;
  userId: string;
  email: string;
  serviceId: string;
}

export interface BookableOptions {
  zone: string;
  name?: string;
  /** Open every day from `start` to `end` (default 10:00–18:00). */
  hours?: { start: string; end: string };
  cancelNoticeHours?: number;
  /** The one session it offers (default: "Session", 60 minutes, no deposit). */
  service?: { name: string; durationMinutes: number; depositCents?: number };
  /** An artist already signed up (e.g. verified over SMTP) instead of a new one. */
  user?: { client: HttpClient; email: string; userId: string };
}

/** A signed-in artist open every day in their zone, with one session service. */
export async function bookableArtist(app: TestApp, opts: BookableOptions): Promise<BookableArtist> {
  const artist = opts.user ?? (await signedInUser(app, { role: "artist" }));
  const hours = opts.hours ?? { start: "10:00", end: "18:00" };
  const week = Object.fromEntries(["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, [hours]]));
  const policy = opts.cancelNoticeHours === undefined ? {} : { cancelNoticeHours: opts.cancelNoticeHours };
  await app.ctx.db.artistProfile.create({
    data: {
      userId: artist.userId,
      displayName: opts.name ?? "Jo",
      timeZone: opts.zone,
      workingHours: week,
      bufferMinutes: 0,
      visible: true,
      ...policy,
    },
  });
  const service = await app.ctx.db.service.create({
    data: { artistId: artist.userId, kind: "session", ...(opts.service ?? { name: "Session", durationMinutes: 60 }) },
  });
  return { ...artist, serviceId: service.id };
}

/** The app on an isolated database, pointed at the stand-ins by `env` (closed after the
 *  suite through `track`), and an artist bookable in `opts.zone`. */
export async function startBookingApp(
  track: Track,
  env: Record<string, string>,
  opts: BookableOptions,
): Promise<{ app: TestApp; artist: BookableArtist }> {
  const app = track(await startTestApp({ databaseUrl: await isolatedDatabaseUrl(), env }));
  return { app, artist: await bookableArtist(app, opts) };
}

export async function confirmedAppointment(
  app: TestApp,
  artist: BookableArtist,
  start: string,
  idea = "Swallow",
): Promise<{ appointmentId: string; customer: { client: HttpClient } }> {
  const customer = await signedInUser(app, { role: "customer" });
  const req = await customer.client.post("/api/bookings/requests", {
    artistId: artist.userId,
    idea,
    placement: "forearm",
    size: "8 cm",
  });
  expect(
    (
      await artist.client.post(`/api/bookings/requests/${req.body.id}/offer`, {
        serviceId: artist.serviceId,
        slots: [{ start }],
      })
    ).status,
  ).toBe(200);
  const accepted = await customer.client.post(`/api/bookings/requests/${req.body.id}/accept`, { start });
  expect(accepted.body.status).toBe("confirmed");
  return { appointmentId: accepted.body.appointmentId, customer };
}

/** Start times of the free 60-minute slots between two instants, as ISO strings. */
export async function freeStarts(app: TestApp, artistId: string, from: string, to: string): Promise<string[]> {
  const res = await app
    .client()
    .get(
      `/api/artists/${artistId}/availability?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&durationMinutes=60`,
    );
  return res.body.slots.map((s: { start: string }) => new Date(s.start).toISOString());
}

/** The owner sees the connection healthy; another artist gets 404 on it and sees nothing. */
export async function expectHealthyAndPrivate(
  app: TestApp,
  owner: HttpClient,
  connectionId: string,
): Promise<HttpClient> {
  const list = await owner.get("/api/calendars");
  expect(list.body.items.find((c: { id: string }) => c.id === connectionId)).toMatchObject({
    lastError: null,
    needsReconnect: false,
    lastSuccessAt: expect.any(String),
  });
  const other = await signedInUser(app, { role: "artist" });
  expect((await other.client.post(`/api/calendars/${connectionId}/sync`)).status).toBe(404);
  expect((await other.client.put(`/api/calendars/${connectionId}`, { isPrimary: true })).status).toBe(404);
  expect((await other.client.delete(`/api/calendars/${connectionId}`)).status).toBe(404);
  expect((await other.client.get("/api/calendars")).body.items).toEqual([]);
  return other.client;
}

/** The appointment's event was deleted in the calendar: recorded on it, and the booking itself
 *  stands (the artist decides). */
export async function expectDeletedInCalendar(app: TestApp, appointmentId: string): Promise<void> {
  const after = await app.ctx.db.appointment.findUniqueOrThrow({ where: { id: appointmentId } });
  expect(after.calendarState).toBe("deleted_in_calendar");
  expect(after.status).toBe("confirmed");
}

/** "Sync now" on a connection, which must answer 200; returns its body. */
export async function syncNow(owner: HttpClient, connectionId: string): Promise<{ status: string; events: number }> {
  const res = await owner.post(`/api/calendars/${connectionId}/sync`);
  expect(res.status).toBe(200);
  return res.body;
}
