// The public artist search against ground truth: ~2,000 artists at generated points, and a
// brute-force haversine scan written here, independently of the service, decides what every
// radius / bbox / style / text query must return and in which order.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestApp } from "../helpers/app.ts";
import { startArtistApp } from "./app.ts";
import { mulberry32 } from "../../bench/lib/random.ts";

const STYLES = [
  "traditional",
  "neo-traditional",
  "blackwork",
  "fine-line",
  "realism",
  "japanese",
  "tribal",
  "watercolor",
  "geometric",
  "lettering",
  "dotwork",
  "illustrative",
  "trash-polka",
  "chicano",
  "minimalist",
  "portrait",
];
const CITIES = [
  { name: "Berlin", lat: 52.52, lng: 13.405 },
  { name: "London", lat: 51.507, lng: -0.128 },
  { name: "New York", lat: 40.713, lng: -74.006 },
  { name: "Los Angeles", lat: 34.052, lng: -118.244 },
  { name: "Tokyo", lat: 35.68, lng: 139.69 },
  { name: "Sydney", lat: -33.87, lng: 151.21 },
  { name: "São Paulo", lat: -23.55, lng: -46.63 },
  { name: "Reykjavik", lat: 64.15, lng: -21.94 },
  { name: "Suva", lat: -18.14, lng: 178.44 },
];
const WORDS = ["Rose", "Anchor", "Dagger", "Lotus", "Iron", "Needle", "Crow", "Koi", "Moth", "Serpent"];

// ---- independent ground truth ----------------------------------------------------------------
const R = 6_371_008.8; // mean Earth radius (m)
const rad = (d: number) => (d * Math.PI) / 180;
function haversineM(a: { lat: number; lng: number }, b: { lat: number; lng: number }): number {
  const h =
    Math.sin(rad(b.lat - a.lat) / 2) ** 2 +
    Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(rad(b.lng - a.lng) / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
}

const SEED = Number(process.env.ARTIST_SEARCH_SEED ?? 20261125);
const rnd = mulberry32(SEED);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
const clampLat = (v: number) => Math.max(-90, Math.min(90, v));
const wrapLng = (v: number) => ((((v + 180) % 360) + 360) % 360) - 180;
const grid = (v: number) => Math.round(v * 100) / 100 + 0;

interface Artist {
  id: string;
  displayName: string;
  studio: string;
  city: string;
  lat: number;
  lng: number;
  styles: string[];
  visible: boolean;
  verified: boolean;
}
const artists: Artist[] = [];
const TIE_POINT = { lat: 45.07, lng: 7.69 };

function generate(n: number) {
  for (let i = 0; i < n; i++) {
    const kind = rnd();
    let lat: number, lng: number, city: string;
    if (i < 40) {
      lat = TIE_POINT.lat;
      lng = TIE_POINT.lng;
      city = "Turin";
    } // 40 artists on one public point
    else if (kind < 0.7) {
      const c = pick(CITIES);
      const spread = pick([0.05, 0.2, 0.6, 2]);
      lat = clampLat(c.lat + gauss() * spread);
      lng = wrapLng(c.lng + gauss() * spread);
      city = c.name;
    } else if (kind < 0.9) {
      lat = (Math.asin(2 * rnd() - 1) * 180) / Math.PI;
      lng = rnd() * 360 - 180;
      city = "Nowhere";
    } else {
      lat = rnd() * 40 - 20;
      lng = wrapLng(178 + rnd() * 4);
      city = "Dateline";
    }
    const styles = STYLES.filter(() => rnd() < 0.15).slice(0, 4);
    const studio = i % 97 === 0 ? "100%_Pure Ink" : `${pick(WORDS)} ${pick(WORDS)} Studio`;
    artists.push({
      id: randomUUID(),
      displayName: `Artist ${String(i % 1900).padStart(4, "0")}`,
      studio,
      city,
      lat: grid(lat),
      lng: grid(lng),
      styles,
      visible: i < 40 || rnd() > 0.1,
      verified: i < 40 || rnd() > 0.08,
    });
  }
}

function brute(filter: (a: Artist) => boolean, centre: { lat: number; lng: number }, styles: string[], q?: string) {
  return artists
    .filter((a) => a.visible && a.verified && styles.every((s) => a.styles.includes(s)))
    .filter((a) => !q || [a.displayName, a.studio, a.city].some((t) => t.toLowerCase().includes(q.toLowerCase())))
    .filter(filter)
    .map((a) => ({ a, d: haversineM(centre, a) }))
    .sort((x, y) => x.d - y.d || (x.a.id < y.a.id ? -1 : x.a.id > y.a.id ? 1 : 0));
}

let app: TestApp;
let db: pg.Client;
const byId = new Map<string, Artist>();

beforeAll(async () => {
  app = await startArtistApp();
  db = new pg.Client(app.ctx.config.databaseUrl);
  await db.connect();
  generate(2000);
  for (const a of artists) byId.set(a.id, a);
  const col = <T>(f: (a: Artist) => T) => artists.map(f);
  await db.query(
    `INSERT INTO "User" (id, email, name, role, "passwordHash", "emailVerifiedAt", "updatedAt")
     SELECT id, 'seed-' || id || '@example.test', name, 'artist', 'not-a-hash', CASE WHEN verified THEN now() END, now()
     FROM unnest($1::uuid[], $2::text[], $3::bool[]) AS t(id, name, verified)`,
    [col((a) => a.id), col((a) => a.displayName), col((a) => a.verified)],
  );
  // Exact coordinates differ from the public point (as the service derives it); the search
  // must only ever use the public one.
  await db.query(
    `INSERT INTO "ArtistProfile" ("userId", "displayName", studio, city, styles, lat, lng, "publicLat", "publicLng", visible, "updatedAt")
     SELECT id, name, studio, city, string_to_array(styles, ','), plat + 0.004, plng - 0.004, plat, plng, visible, now()
     FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::float8[], $8::bool[]) AS t(id, name, studio, city, styles, plat, plng, visible)`,
    [
      col((a) => a.id),
      col((a) => a.displayName),
      col((a) => a.studio),
      col((a) => a.city),
      col((a) => a.styles.join(",")),
      col((a) => a.lat),
      col((a) => a.lng),
      col((a) => a.visible),
    ],
  );
  await db.query(`ANALYZE "ArtistProfile"`);
}, 120_000);
afterAll(async () => {
  await db?.end();
  await app?.close();
});

interface Item {
  id: string;
  distanceKm: number | null;
  location: { lat: number; lng: number };
  styles: string[];
}

/** Walks every page; fails on a repeated id or a runaway cursor. */
async function allPages(query: string, limit: number): Promise<{ items: Item[]; pages: number }> {
  const client = app.client();
  const items: Item[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res: { status: number; text: string; body: any } = await client.get(
      `/api/artists?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    );
    expect(res.status, res.text).toBe(200);
    expect(res.body.items.length).toBeLessThanOrEqual(limit);
    if (res.body.nextCursor) expect(res.body.items.length).toBe(limit);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
    pages++;
    expect(pages).toBeLessThan(500);
  } while (cursor);
  expect(new Set(items.map((i) => i.id)).size).toBe(items.length);
  return { items, pages };
}

/** Same ids, same order (by distance, within 1 m), distances within 0.1 % (or the 2-decimal rounding). */
function expectMatches(
  actual: Item[],
  expected: { a: Artist; d: number }[],
  centre: { lat: number; lng: number },
  boundaryM?: number,
  label = "",
) {
  // Points within 1 m of the radius may fall either way (two float formulas of one distance).
  const near = (d: number) => boundaryM !== undefined && Math.abs(d - boundaryM) <= 1;
  const got = new Set(actual.map((i) => i.id));
  const want = new Set(expected.map((e) => e.a.id));
  const missing = expected.filter((e) => !got.has(e.a.id) && !near(e.d));
  const extra = actual.filter((i) => !want.has(i.id) && !(byId.has(i.id) && near(haversineM(centre, byId.get(i.id)!))));
  expect({ label, missing: missing.map((m) => m.a.id), extra: extra.map((e) => e.id) }).toEqual({
    label,
    missing: [],
    extra: [],
  });
  const exp = expected.filter((e) => got.has(e.a.id));
  const act = actual.filter((i) => want.has(i.id));
  expect(act.length).toBe(exp.length);
  for (let i = 0; i < act.length; i++) {
    const a = byId.get(act[i]!.id)!;
    const d = haversineM(centre, a);
    expect(Math.abs(d - exp[i]!.d), `${label} position ${i}`).toBeLessThanOrEqual(1);
    const km = act[i]!.distanceKm!;
    expect(Math.abs(km - d / 1000), `${label} distance of ${a.id}`).toBeLessThanOrEqual(
      Math.max(0.001 * (d / 1000), 0.005 + 1e-9),
    );
    expect(act[i]!.location).toEqual({ lat: a.lat, lng: a.lng });
    // Artists on the very same public point come in id order.
    const prev = i > 0 ? byId.get(act[i - 1]!.id)! : undefined;
    if (prev && prev.lat === a.lat && prev.lng === a.lng) expect(prev.id < a.id).toBe(true);
  }
}

const styleFilter = (): string[] => {
  const r = rnd();
  return r < 0.6 ? [] : r < 0.9 ? [pick(STYLES)] : [pick(STYLES), pick(STYLES)];
};
const textFilter = (): string | undefined =>
  rnd() < 0.15
    ? pick([...WORDS.map((w) => w.toLowerCase().slice(0, 3)), "berl", "0%_", "artist 01", "TOKYO"])
    : undefined;
const styleParam = (s: string[]) => (s.length ? `&style=${s.join(",")}` : "");
const qParam = (q?: string) => (q ? `&q=${encodeURIComponent(q)}` : "");

describe("radius search", () => {
  it("returns exactly the brute-force haversine result, nearest first, for many random centres, radii and filters", async () => {
    let nonEmpty = 0,
      multiPage = 0;
    for (let n = 0; n < 160; n++) {
      const r = rnd();
      const base =
        r < 0.6
          ? pick(CITIES)
          : r < 0.8
            ? { lat: (Math.asin(2 * rnd() - 1) * 180) / Math.PI, lng: rnd() * 360 - 180 }
            : r < 0.9
              ? { lat: rnd() * 30 - 15, lng: wrapLng(179 + rnd() * 2) }
              : TIE_POINT;
      const centre =
        r < 0.6 ? { lat: clampLat(base.lat + gauss() * 0.3), lng: wrapLng(base.lng + gauss() * 0.3) } : base;
      const radiusKm =
        rnd() < 0.1 ? undefined : pick([0.5, 2, 5, 25, 60, 150, 500, Number((rnd() * 499 + 1).toFixed(3))]);
      const styles = styleFilter(),
        q = textFilter();
      const rKm = radiusKm ?? 25;
      const expected = brute((a) => haversineM(centre, a) <= rKm * 1000, centre, styles, q);
      // Small pages where results are few; at most ~25 pages per query to keep the run short.
      const limit = Math.max(pick([1, 3, 10, 25, 100]), Math.ceil(expected.length / 25));
      const query = `lat=${centre.lat}&lng=${centre.lng}${radiusKm === undefined ? "" : `&radiusKm=${radiusKm}`}${styleParam(styles)}${qParam(q)}`;
      const { items, pages } = await allPages(query, limit);
      expectMatches(items, expected, centre, rKm * 1000, query);
      if (items.length) nonEmpty++;
      if (pages > 2) multiPage++;
    }
    // The generated data exercises something: most queries find artists, many span pages.
    expect(nonEmpty).toBeGreaterThan(60);
    expect(multiPage).toBeGreaterThan(30);
  }, 120_000);

  it("pages through 40 artists on one public point one at a time, each exactly once, in id order", async () => {
    const { items, pages } = await allPages(`lat=${TIE_POINT.lat}&lng=${TIE_POINT.lng}&radiusKm=0.5`, 1);
    const tied = artists
      .filter((a) => a.lat === TIE_POINT.lat && a.lng === TIE_POINT.lng && a.visible && a.verified)
      .map((a) => a.id)
      .sort();
    expect(items.map((i) => i.id)).toEqual(tied);
    expect(pages).toBe(tied.length);
    expect(new Set(items.map((i) => i.distanceKm))).toEqual(new Set([0]));
  });
});

describe("bbox search (search this area)", () => {
  it("returns exactly the artists inside the box, nearest to its centre first, across the antimeridian too", async () => {
    let nonEmpty = 0;
    for (let n = 0; n < 120; n++) {
      const r = rnd();
      const c =
        r < 0.7
          ? pick(CITIES)
          : r < 0.85
            ? { lat: rnd() * 30 - 15, lng: wrapLng(179 + rnd() * 2) }
            : { lat: rnd() * 120 - 60, lng: rnd() * 360 - 180 };
      const w = pick([0.1, 0.5, 2, 8, 30, 120]) * (0.5 + rnd()),
        h = pick([0.1, 0.5, 2, 8, 30]) * (0.5 + rnd());
      // Some edges exactly on the 0.01° grid of the public points: the box is inclusive.
      const snap = rnd() < 0.3 ? grid : (v: number) => v;
      let minLat = snap(clampLat(c.lat - h / 2)),
        maxLat = snap(clampLat(c.lat + h / 2));
      if (minLat >= maxLat) {
        minLat = -10;
        maxLat = 10;
      }
      const minLng = snap(wrapLng(c.lng - w / 2)),
        maxLng = snap(wrapLng(c.lng + w / 2));
      if (minLng === maxLng) continue;
      const wraps = minLng > maxLng;
      const centre = {
        lat: (minLat + maxLat) / 2,
        lng: wraps ? wrapLng((minLng + maxLng + 360) / 2) : (minLng + maxLng) / 2,
      };
      const styles = styleFilter(),
        q = textFilter();
      const inBox = (a: Artist) =>
        a.lat >= minLat &&
        a.lat <= maxLat &&
        (wraps ? a.lng >= minLng || a.lng <= maxLng : a.lng >= minLng && a.lng <= maxLng);
      const expected = brute(inBox, centre, styles, q);
      const limit = Math.max(pick([2, 10, 50]), Math.ceil(expected.length / 25));
      const query = `bbox=${minLng},${minLat},${maxLng},${maxLat}${styleParam(styles)}${qParam(q)}`;
      const { items } = await allPages(query, limit);
      expectMatches(items, expected, centre, undefined, query);
      if (items.length) nonEmpty++;
    }
    expect(nonEmpty).toBeGreaterThan(50);
  }, 120_000);

  it("covers the whole world with the widest box", async () => {
    const expected = brute(() => true, { lat: 0, lng: 0 }, ["blackwork"]);
    const { items } = await allPages(`bbox=-180,-90,180,90&style=blackwork`, 100);
    expectMatches(items, expected, { lat: 0, lng: 0 });
  });
});

describe("text-only search", () => {
  it("finds by name, studio or city without a location, each once, % and _ taken literally", async () => {
    for (const q of ["rose", "0%_", "artist 00", "suva"]) {
      const expected = brute(() => true, { lat: 0, lng: 0 }, [], q)
        .map((e) => e.a.id)
        .sort();
      const { items } = await allPages(`q=${encodeURIComponent(q)}`, 37);
      expect(items.map((i) => i.id).sort()).toEqual(expected);
      expect(items.every((i) => i.distanceKm === null)).toBe(true);
    }
    expect((await app.client().get(`/api/artists?q=${encodeURIComponent("0%_")}`)).body.items.length).toBeGreaterThan(
      0,
    );
  });
});

describe("invalid queries", () => {
  it("answers 400 with field errors, never 500", async () => {
    const c = app.client();
    const cases: [string, string][] = [
      ["lat=91&lng=0", "lat"],
      ["lat=-90.5&lng=0", "lat"],
      ["lat=0&lng=181", "lng"],
      ["lat=abc&lng=1", "lat"],
      ["lat=&lng=1", "lat"],
      ["lat=1&lat=2&lng=1", "lat"],
      ["lat=10", "lng"],
      ["lng=10", "lat"],
      ["lat=1&lng=1&radiusKm=501", "radiusKm"],
      ["lat=1&lng=1&radiusKm=0", "radiusKm"],
      ["lat=1&lng=1&radiusKm=-3", "radiusKm"],
      ["radiusKm=5", "radiusKm"],
      ["bbox=1,2,3", "bbox"],
      ["bbox=1,2,3,x", "bbox"],
      ["bbox=0,50,10,40", "bbox"],
      ["bbox=0,-95,10,40", "bbox"],
      ["bbox=-190,0,10,40", "bbox"],
      ["bbox=5,0,5,10", "bbox"],
      ["bbox=1,1,2,2&lat=1&lng=1", "bbox"],
      ["style=cyberpunk", "style.0"],
      ["style=blackwork,nope", "style.1"],
      ["limit=0", "limit"],
      ["limit=101", "limit"],
      ["limit=ten", "limit"],
      ["radius=5&lat=1&lng=1", "_"],
      ["q=" + "x".repeat(101), "q"],
      ["", "_"],
      ["style=blackwork", "_"],
      ["q=a", "q"],
      ["q=%20%20", "q"],
      ["lat=NaN&lng=0", "lat"],
      ["lat=Infinity&lng=0", "lat"],
      ["lat=1e999&lng=0", "lat"],
    ];
    for (const [query, field] of cases) {
      const res = await c.get(`/api/artists?${query}`);
      expect({ query, status: res.status, code: res.body.error?.code }).toEqual({
        query,
        status: 400,
        code: "VALIDATION_FAILED",
      });
      expect(res.body.error.fields, query).toHaveProperty([field]);
    }
  });

  it("rejects a malformed cursor and a cursor of another query", async () => {
    const c = app.client();
    const first = await c.get(`/api/artists?lat=${TIE_POINT.lat}&lng=${TIE_POINT.lng}&radiusKm=1&limit=2`);
    expect(first.body.nextCursor).toBeTruthy();
    for (const cursor of [
      "garbage",
      Buffer.from('[1,"x","d",-1,"nope"]').toString("base64url"),
      first.body.nextCursor.slice(0, -3),
    ]) {
      const res = await c.get(
        `/api/artists?lat=${TIE_POINT.lat}&lng=${TIE_POINT.lng}&radiusKm=1&limit=2&cursor=${encodeURIComponent(cursor)}`,
      );
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("INVALID_CURSOR");
    }
    const other = await c.get(
      `/api/artists?lat=${TIE_POINT.lat}&lng=${TIE_POINT.lng}&radiusKm=2&limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`,
    );
    expect(other.status).toBe(400);
    expect(other.body.error.code).toBe("INVALID_CURSOR");
    const byName = await c.get(`/api/artists?q=artist&limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(byName.status).toBe(400);
  });
});
