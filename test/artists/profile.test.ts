// The artist's own profile, portfolio and services through the HTTP API, and what the public
// gets to see of them: rounded locations only, visible + verified artists only.
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signedInUser } from "../helpers/accounts.ts";
import type { HttpClient } from "../helpers/http.ts";
import type { TestApp } from "../helpers/app.ts";
import { startArtistApp } from "./app.ts";

let app: TestApp;
let db: pg.Client;
let artist: { client: HttpClient; userId: string };

// Exact studio coordinates with many decimals: none of these digits may reach the public.
const EXACT = { lat: 52.5234567, lng: 13.4012345 };
const SYDNEY = { lat: -33.8688197, lng: 151.2092955 };

const validProfile = {
  displayName: "  Ink & Iron  ",
  studio: "Iron Studio",
  styles: ["Blackwork", "fine-line", "blackwork"],
  bio: "Bold lines since 2009.",
  city: "Berlin",
  country: "de",
  lat: EXACT.lat,
  lng: EXACT.lng,
  visible: false,
  bookingOpen: true,
  timeZone: "europe/berlin",
  workingHours: {
    tue: [
      { start: "14:00", end: "19:00" },
      { start: "10:00", end: "13:00" },
    ],
    sat: [{ start: "12:00", end: "24:00" }],
  },
  bufferMinutes: 30,
  cancelNoticeHours: 72,
};

const png = (size = 2048) =>
  Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(size)]);
const jpeg = (size = 4096) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(size)]);
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

function imageForm(files: { bytes: Buffer; type: string; name: string }[], caption?: string): FormData {
  const form = new FormData();
  for (const f of files) form.append("images", new Blob([new Uint8Array(f.bytes)], { type: f.type }), f.name);
  if (caption !== undefined) form.append("caption", caption);
  return form;
}

beforeAll(async () => {
  app = await startArtistApp();
  db = new pg.Client(app.ctx.config.databaseUrl);
  await db.connect();
  artist = await signedInUser(app, { role: "artist" });
});
afterAll(async () => {
  await db?.end();
  await app?.close();
});

describe("who may have a profile", () => {
  it("asks for a sign-in, and tells a customer that profiles are for artists", async () => {
    const anon = app.client();
    expect((await anon.get("/api/me/artist-profile")).status).toBe(401);
    const customer = await signedInUser(app, { role: "customer" });
    for (const res of [
      await customer.client.get("/api/me/artist-profile"),
      await customer.client.put("/api/me/artist-profile", validProfile),
      await customer.client.get("/api/me/artist-profile/services"),
      await customer.client.form(
        "/api/me/artist-profile/portfolio",
        imageForm([{ bytes: png(), type: "image/png", name: "a.png" }]),
      ),
    ]) {
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe("ARTISTS_ONLY");
      expect(res.body.error.message).toMatch(/artist accounts/i);
    }
    expect(
      await db.query(`SELECT 1 FROM "ArtistProfile" WHERE "userId" = $1`, [customer.userId]).then((r) => r.rowCount),
    ).toBe(0);
  });

  it("has no profile until the artist saves one; portfolio and services need it first", async () => {
    const fresh = await signedInUser(app, { role: "artist" });
    expect((await fresh.client.get("/api/me/artist-profile")).body.error.code).toBe("PROFILE_NOT_FOUND");
    const services = await fresh.client.post("/api/me/artist-profile/services", {
      kind: "session",
      name: "Half day",
      durationMinutes: 240,
    });
    expect(services.status).toBe(409);
    expect(services.body.error.code).toBe("PROFILE_REQUIRED");
  });
});

describe("profile validation", () => {
  const errorsFor = async (patch: Record<string, unknown>) => {
    const res = await artist.client.put("/api/me/artist-profile", { ...validProfile, ...patch });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("VALIDATION_FAILED");
    return res.body.error.fields as Record<string, string>;
  };

  it("names the field that is wrong", async () => {
    expect(Object.keys(await errorsFor({ displayName: "   " }))).toEqual(["displayName"]);
    expect(Object.keys(await errorsFor({ styles: ["blackwork", "cyberpunk"] }))).toEqual(["styles.1"]);
    expect((await errorsFor({ timeZone: "Mars/Olympus_Mons" })).timeZone).toMatch(/IANA/);
    expect(Object.keys(await errorsFor({ timeZone: "+02:00" }))).toEqual(["timeZone"]);
    expect(Object.keys(await errorsFor({ lat: 91 }))).toEqual(["lat"]);
    expect(Object.keys(await errorsFor({ lng: -180.5 }))).toEqual(["lng"]);
    expect(Object.keys(await errorsFor({ lng: null }))).toEqual(["lng"]);
    expect(Object.keys(await errorsFor({ lat: null, lng: null, visible: true }))).toEqual(["visible"]);
    expect(Object.keys(await errorsFor({ country: "Germany" }))).toEqual(["country"]);
    expect(Object.keys(await errorsFor({ bufferMinutes: -5 }))).toEqual(["bufferMinutes"]);
    expect(Object.keys(await errorsFor({ cancelNoticeHours: 1.5 }))).toEqual(["cancelNoticeHours"]);
    expect(Object.keys(await errorsFor({ lat: "52.5" }))).toEqual(["lat"]);
  });

  it("rejects working hours that overlap, run backwards, are malformed or name no weekday", async () => {
    expect(
      await errorsFor({
        workingHours: {
          mon: [
            { start: "10:00", end: "14:00" },
            { start: "13:30", end: "18:00" },
          ],
        },
      }),
    ).toHaveProperty("workingHours.mon.1");
    expect(
      await errorsFor({
        workingHours: {
          mon: [
            { start: "09:00", end: "12:00" },
            { start: "11:00", end: "11:30" },
          ],
        },
      }),
    ).toHaveProperty("workingHours.mon.1");
    expect(await errorsFor({ workingHours: { wed: [{ start: "18:00", end: "10:00" }] } })).toHaveProperty(
      "workingHours.wed.0.end",
    );
    expect(await errorsFor({ workingHours: { wed: [{ start: "12:00", end: "12:00" }] } })).toHaveProperty(
      "workingHours.wed.0.end",
    );
    expect(await errorsFor({ workingHours: { thu: [{ start: "9:00", end: "17:00" }] } })).toHaveProperty(
      "workingHours.thu.0.start",
    );
    expect(await errorsFor({ workingHours: { fri: [{ start: "09:00", end: "24:30" }] } })).toHaveProperty(
      "workingHours.fri.0.end",
    );
    expect(Object.keys(await errorsFor({ workingHours: { funday: [] } }))).toEqual(["workingHours"]);
    // Nothing was stored by any of the rejected requests.
    expect((await artist.client.get("/api/me/artist-profile")).status).toBe(404);
  });

  it("saves a valid profile, normalised: canonical zone, sorted hours, unique lower-case styles", async () => {
    const created = await artist.client.put("/api/me/artist-profile", validProfile);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: artist.userId,
      displayName: "Ink & Iron",
      styles: ["blackwork", "fine-line"],
      country: "DE",
      timeZone: "Europe/Berlin",
      lat: EXACT.lat,
      lng: EXACT.lng,
      publicLocation: { lat: 52.52, lng: 13.4 },
      bufferMinutes: 30,
      cancelNoticeHours: 72,
    });
    expect(created.body.workingHours).toEqual({
      mon: [],
      tue: [
        { start: "10:00", end: "13:00" },
        { start: "14:00", end: "19:00" },
      ],
      wed: [],
      thu: [],
      fri: [],
      sat: [{ start: "12:00", end: "24:00" }],
      sun: [],
    });
    // Touching intervals are not an overlap; a second PUT replaces the profile (200).
    const again = await artist.client.put("/api/me/artist-profile", {
      ...created.body,
      workingHours: {
        mon: [
          { start: "10:00", end: "12:00" },
          { start: "12:00", end: "16:00" },
        ],
      },
    });
    expect(again.status).toBe(200);
    expect(again.body.workingHours.mon).toHaveLength(2);
    expect(again.body.workingHours.tue).toEqual([]);
    const own = await artist.client.get("/api/me/artist-profile");
    expect(own.body.lat).toBe(EXACT.lat);
  });
});

describe("services", () => {
  it("creates, validates, updates and retires services; the public sees active ones only", async () => {
    const c = artist.client;
    const bad = await c.post("/api/me/artist-profile/services", {
      kind: "piercing",
      name: "",
      durationMinutes: 10,
      depositCents: -1,
      currency: "euro",
    });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.fields).sort()).toEqual([
      "currency",
      "depositCents",
      "durationMinutes",
      "kind",
      "name",
    ]);
    expect(
      (await c.post("/api/me/artist-profile/services", { kind: "session", name: "Marathon", durationMinutes: 721 }))
        .status,
    ).toBe(400);

    const consult = await c.post("/api/me/artist-profile/services", {
      kind: "consultation",
      name: "Consultation",
      durationMinutes: 15,
    });
    expect(consult.status).toBe(201);
    expect(consult.body).toMatchObject({
      kind: "consultation",
      durationMinutes: 15,
      depositCents: 0,
      currency: "eur",
      active: true,
    });
    const session = await c.post("/api/me/artist-profile/services", {
      kind: "session",
      name: "Full day",
      durationMinutes: 720,
      depositCents: 15000,
      currency: "USD",
    });
    expect(session.body.currency).toBe("usd");

    const updated = await c.put(`/api/me/artist-profile/services/${session.body.id}`, {
      kind: "session",
      name: "Full day (8h)",
      durationMinutes: 480,
      depositCents: 20000,
      currency: "usd",
    });
    expect(updated.body).toMatchObject({ name: "Full day (8h)", durationMinutes: 480, depositCents: 20000 });
    const retired = await c.delete(`/api/me/artist-profile/services/${consult.body.id}`);
    expect(retired.body.active).toBe(false);
    expect(
      (await c.get("/api/me/artist-profile/services")).body.services.map((s: { id: string; active: boolean }) => [
        s.id,
        s.active,
      ]),
    ).toEqual([
      [consult.body.id, false],
      [session.body.id, true],
    ]);

    // Another artist cannot touch them.
    const other = await signedInUser(app, { role: "artist" });
    await other.client.put("/api/me/artist-profile", { displayName: "Other" });
    expect(
      (
        await other.client.put(`/api/me/artist-profile/services/${session.body.id}`, {
          kind: "session",
          name: "x",
          durationMinutes: 60,
        })
      ).status,
    ).toBe(404);
    expect((await other.client.delete(`/api/me/artist-profile/services/${session.body.id}`)).status).toBe(404);

    await c.put("/api/me/artist-profile", { ...validProfile, visible: true });
    const pub = await app.client().get(`/api/artists/${artist.userId}`);
    expect(pub.body.services).toEqual([
      {
        id: session.body.id,
        kind: "session",
        name: "Full day (8h)",
        durationMinutes: 480,
        depositCents: 20000,
        currency: "usd",
        // The policy in words, told before anyone requests (cancelNoticeHours 72 in validProfile).
        policy: [
          "A deposit of $200 is due when you accept a time; it is refunded if you cancel at least 72 hours before the appointment.",
          "If you cancel later than that, the artist keeps the deposit. If the artist cancels, you get it back.",
          "You can move the appointment yourself until 72 hours before it starts; after that, a new time needs the artist's approval.",
        ],
      },
    ]);
    // With one service, that is also the policy before a service is picked.
    expect(pub.body.policy).toEqual(pub.body.services[0].policy);
  });
});

describe("portfolio", () => {
  it("uploads, streams back byte-identical, reorders and deletes images; public only while visible", async () => {
    const c = artist.client;
    await c.put("/api/me/artist-profile", { ...validProfile, visible: false });
    const a = png(5000),
      b = jpeg(7000),
      d = png(300);
    const up = await c.form(
      "/api/me/artist-profile/portfolio",
      imageForm(
        [
          { bytes: a, type: "image/png", name: "a.png" },
          // Declared type differs from the bytes: the stored type is what the bytes are.
          { bytes: b, type: "image/png", name: "b.png" },
        ],
        "Flash sheet",
      ),
    );
    expect(up.status).toBe(201);
    expect(
      up.body.images.map((i: { contentType: string; size: number; caption: string; position: number }) => [
        i.contentType,
        i.size,
        i.caption,
        i.position,
      ]),
    ).toEqual([
      ["image/png", a.length, "Flash sheet", 0],
      ["image/jpeg", b.length, "Flash sheet", 1],
    ]);
    const [ia, ib] = up.body.images as { id: string; url: string; publicUrl: string }[];
    const third = await c.form(
      "/api/me/artist-profile/portfolio",
      imageForm([{ bytes: d, type: "image/png", name: "d.png" }]),
    );
    const id3 = third.body.images[0].id as string;

    // Hidden profile: the owner sees the bytes, the public does not.
    const own = await c.bytes(ia!.url);
    expect(own.status).toBe(200);
    expect(sha(own.body)).toBe(sha(a));
    expect((await app.client().bytes(ia!.publicUrl)).status).toBe(404);

    await c.put("/api/me/artist-profile", { ...validProfile, visible: true });
    const pub = await app.client().bytes(ib!.publicUrl);
    expect(pub.status).toBe(200);
    expect(pub.headers.get("content-type")).toBe("image/jpeg");
    expect(pub.headers.get("content-length")).toBe(String(b.length));
    expect(pub.headers.get("content-security-policy")).toMatch(/sandbox/);
    expect(sha(pub.body)).toBe(sha(b));
    // An image id under another artist's id is not found.
    const other = await signedInUser(app, { role: "artist" });
    expect((await app.client().bytes(`/api/artists/${other.userId}/portfolio/${ib!.id}`)).status).toBe(404);

    // Reorder: the public profile and the search preview follow.
    const bad = await c.put("/api/me/artist-profile/portfolio/order", { ids: [id3, ia!.id] });
    expect(bad.status).toBe(400);
    expect((await c.put("/api/me/artist-profile/portfolio/order", { ids: [id3, ib!.id, ib!.id] })).status).toBe(400);
    expect((await c.put("/api/me/artist-profile/portfolio/order", { ids: [id3, ia!.id, ib!.id] })).status).toBe(200);
    const profile = await app.client().get(`/api/artists/${artist.userId}`);
    expect(profile.body.portfolio.map((i: { id: string }) => i.id)).toEqual([id3, ia!.id, ib!.id]);
    const found = await app.client().get(`/api/artists?lat=52.52&lng=13.4&radiusKm=5`);
    expect(found.body.items.find((i: { id: string }) => i.id === artist.userId).portfolioPreview).toBe(
      `/api/artists/${artist.userId}/portfolio/${id3}`,
    );

    // Captions can be edited; delete removes the row and the bytes.
    expect(
      (await c.request("PATCH", `/api/me/artist-profile/portfolio/${ia!.id}`, { json: { caption: "Rose" } })).body
        .caption,
    ).toBe("Rose");
    const key = (await db.query(`SELECT "storageKey" FROM "PortfolioImage" WHERE id = $1`, [id3])).rows[0].storageKey;
    expect(await app.ctx.storage.get(key)).toBeDefined();
    expect((await c.delete(`/api/me/artist-profile/portfolio/${id3}`)).status).toBe(204);
    expect((await c.delete(`/api/me/artist-profile/portfolio/${id3}`)).status).toBe(404);
    expect(await app.ctx.storage.get(key)).toBeUndefined();
    expect((await app.client().bytes(`/api/artists/${artist.userId}/portfolio/${id3}`)).status).toBe(404);
    expect(
      (await app.client().get(`/api/artists/${artist.userId}`)).body.portfolio.map((i: { id: string }) => i.id),
    ).toEqual([ia!.id, ib!.id]);
  });

  it("answers 415 for non-images and files whose bytes are not an image, 413 when too large, 400 without images", async () => {
    const c = artist.client;
    const before = (await db.query(`SELECT count(*)::int AS n FROM "PortfolioImage"`)).rows[0].n;
    const text = await c.form(
      "/api/me/artist-profile/portfolio",
      imageForm([{ bytes: Buffer.from("hello"), type: "text/plain", name: "notes.txt" }]),
    );
    expect(text.status).toBe(415);
    expect(text.body.error.code).toBe("UNSUPPORTED_IMAGE_TYPE");
    const heic = await c.form(
      "/api/me/artist-profile/portfolio",
      imageForm([{ bytes: randomBytes(100), type: "image/heic", name: "IMG_1.HEIC" }]),
    );
    expect(heic.status).toBe(415);
    const fake = await c.form(
      "/api/me/artist-profile/portfolio",
      imageForm([
        { bytes: png(), type: "image/png", name: "ok.png" },
        { bytes: Buffer.from("%PDF-1.7\n" + "x".repeat(500)), type: "image/jpeg", name: "invoice.jpg" },
      ]),
    );
    expect(fake.status).toBe(415);
    expect(fake.body.error.message).toMatch(/invoice\.jpg/);
    const json = await c.post("/api/me/artist-profile/portfolio", { images: [] });
    expect(json.status).toBe(415);
    const huge = await c.form(
      "/api/me/artist-profile/portfolio",
      imageForm([{ bytes: png(10 * 1024 * 1024), type: "image/png", name: "huge.png" }]),
    );
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe("IMAGE_TOO_LARGE");
    const empty = await c.form("/api/me/artist-profile/portfolio", imageForm([], "caption only"));
    expect(empty.status).toBe(400);
    expect(empty.body.error.fields).toHaveProperty("images");
    // Nothing half-stored: the valid image sent alongside the fake one was not kept either.
    expect((await db.query(`SELECT count(*)::int AS n FROM "PortfolioImage"`)).rows[0].n).toBe(before);
  });
  it("the same image deleted (and captioned) by several requests at once: one 204, the rest 404, never a 500", async () => {
    const racer = await signedInUser(app, { role: "artist" });
    await racer.client.put("/api/me/artist-profile", { displayName: "Racer" });
    for (let round = 0; round < 3; round++) {
      const up = await racer.client.form(
        "/api/me/artist-profile/portfolio",
        imageForm([{ bytes: png(64), type: "image/png", name: "r.png" }]),
      );
      const id = up.body.images[0].id as string;
      const answers = await Promise.all([
        ...Array.from({ length: 6 }, () => racer.client.delete(`/api/me/artist-profile/portfolio/${id}`)),
        ...Array.from({ length: 2 }, () =>
          racer.client.request("PATCH", `/api/me/artist-profile/portfolio/${id}`, { json: { caption: "late" } }),
        ),
      ]);
      const deletes = answers
        .slice(0, 6)
        .map((a) => a.status)
        .sort();
      expect(deletes).toEqual([204, 404, 404, 404, 404, 404]);
      for (const patch of answers.slice(6)) expect([200, 404]).toContain(patch.status);
    }
  });

  it("holds at most 60 images; a full portfolio answers 409 and keeps nothing of the refused upload", async () => {
    const full = await signedInUser(app, { role: "artist" });
    await full.client.put("/api/me/artist-profile", { displayName: "Prolific" });
    const ten = () =>
      imageForm(Array.from({ length: 10 }, (_, i) => ({ bytes: png(64), type: "image/png", name: `${i}.png` })));
    for (let i = 0; i < 6; i++)
      expect((await full.client.form("/api/me/artist-profile/portfolio", ten())).status).toBe(201);
    const more = await full.client.form(
      "/api/me/artist-profile/portfolio",
      imageForm([{ bytes: png(64), type: "image/png", name: "61.png" }]),
    );
    expect(more.status).toBe(409);
    expect(more.body.error.code).toBe("PORTFOLIO_FULL");
    const positions = (
      await db.query(`SELECT position FROM "PortfolioImage" WHERE "artistId" = $1 ORDER BY position`, [full.userId])
    ).rows.map((r) => r.position);
    expect(positions).toEqual(Array.from({ length: 60 }, (_, i) => i));
    // Local blob store (the test default): one file per kept image, no temp files or strays.
    const blobs = await fs.promises.readdir(path.join(app.ctx.config.dataDir, "attachments/portfolio", full.userId));
    expect(blobs).toHaveLength(60);
  });
});

describe("what the public sees", () => {
  it("never sees exact coordinates, only the point rounded to 2 decimals", async () => {
    const syd = await signedInUser(app, { role: "artist" });
    const put = await syd.client.put("/api/me/artist-profile", {
      displayName: "Harbour Ink",
      city: "Sydney",
      country: "AU",
      lat: SYDNEY.lat,
      lng: SYDNEY.lng,
      visible: true,
      styles: ["japanese"],
    });
    expect(put.body.publicLocation).toEqual({ lat: -33.87, lng: 151.21 });
    await artist.client.put("/api/me/artist-profile", { ...validProfile, visible: true });

    const anon = app.client();
    const responses = [
      await anon.get(`/api/artists/${artist.userId}`),
      await anon.get(`/api/artists/${syd.userId}`),
      await anon.get(`/api/artists?lat=52.5&lng=13.4&radiusKm=50`),
      await anon.get(`/api/artists?lat=-33.9&lng=151.25&radiusKm=10`),
      await anon.get(`/api/artists?bbox=13,52,14,53`),
      await anon.get(`/api/artists?q=ink`),
    ];
    for (const res of responses) {
      expect(res.status).toBe(200);
      for (const digits of ["52.523", "13.401", "33.868", "151.209", "5234567", "4012345", "8688197", "2092955"])
        expect(res.text).not.toContain(digits);
    }
    expect(responses[0]!.body.location).toEqual({ lat: 52.52, lng: 13.4 });
    expect(responses[1]!.body.location).toEqual({ lat: -33.87, lng: 151.21 });
    for (const key of ["lat", "lng", "publicLat", "publicLng", "workingHours", "bufferMinutes", "visible", "email"])
      expect(responses[0]!.body).not.toHaveProperty(key);
    const hit = responses[2]!.body.items.find((i: { id: string }) => i.id === artist.userId);
    expect(hit).toMatchObject({ displayName: "Ink & Iron", location: { lat: 52.52, lng: 13.4 }, bookingOpen: true });
    expect(responses[3]!.body.items.map((i: { id: string }) => i.id)).toEqual([syd.userId]);
  });

  it("lists only visible artists of verified accounts", async () => {
    const hidden = await signedInUser(app, { role: "artist" });
    await hidden.client.put("/api/me/artist-profile", {
      displayName: "Hidden Hand",
      lat: 48.1372,
      lng: 11.5756,
      visible: false,
    });
    const shown = await signedInUser(app, { role: "artist" });
    await shown.client.put("/api/me/artist-profile", {
      displayName: "Shown Hand",
      lat: 48.1391,
      lng: 11.5802,
      visible: true,
    });
    const lapsed = await signedInUser(app, { role: "artist" });
    await lapsed.client.put("/api/me/artist-profile", {
      displayName: "Lapsed Hand",
      lat: 48.1401,
      lng: 11.5702,
      visible: true,
    });
    const img = await lapsed.client.form(
      "/api/me/artist-profile/portfolio",
      imageForm([{ bytes: png(), type: "image/png", name: "x.png" }]),
    );
    // The account's email is no longer verified (e.g. changed): it drops off the map at once.
    await db.query(`UPDATE "User" SET "emailVerifiedAt" = NULL WHERE id = $1`, [lapsed.userId]);

    const anon = app.client();
    const ids = (await anon.get(`/api/artists?lat=48.1372&lng=11.5756&radiusKm=20`)).body.items.map(
      (i: { id: string }) => i.id,
    );
    expect(ids).toEqual([shown.userId]);
    expect((await anon.get(`/api/artists?q=hand`)).body.items.map((i: { id: string }) => i.id)).toEqual([shown.userId]);
    expect((await anon.get(`/api/artists/${hidden.userId}`)).status).toBe(404);
    expect((await anon.get(`/api/artists/${lapsed.userId}`)).status).toBe(404);
    expect((await anon.bytes(img.body.images[0].publicUrl)).status).toBe(404);
    expect((await anon.get(`/api/artists/${shown.userId}`)).status).toBe(200);
    expect((await anon.get(`/api/artists/not-a-uuid`)).status).toBe(404);
  });
});
