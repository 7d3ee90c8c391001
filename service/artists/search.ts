// The public artist search behind the map: visible artists of verified accounts, around a
// point (radius) or inside a viewport (bbox), nearest first, with keyset pagination.
//
// Everything spatial goes through the partial GiST index "ArtistProfile_public_point" on
// ll_to_earth("publicLat","publicLng") WHERE visible AND both coordinates are set; every WHERE
// below repeats that predicate verbatim so the planner may use the index. A radius is
// pre-filtered with earth_box (a cube around the centre, a superset of the circle) and then
// decided by the exact earth_distance; a bbox by an earth_box that provably contains it plus
// the exact lat/lng ranges.
//
// Order: nearest first by the chord distance `point <-> centre` (monotonic in the great-circle
// distance, and the operator the GiST index can walk nearest-first), ties by id. Postgres will
// not walk the index for a two-key ORDER BY, so the shipped ("knn") statement works in two
// steps: the KNN walk finds the distance D of the (limit+1)-th match, then a box of radius D
// fetches every match up to D (ties at D included) to sort by (distance, id). Both steps touch
// about one page of rows, however many artists the radius holds — sorting every match in the
// radius (the "box" strategy) costs O(matches), thousands of rows in a dense city.
import type { AppContext } from "../context.ts";
import { Prisma } from "../db/client.ts";
import { keysetPage } from "../db/keyset.ts";
import { decodeSearchCursor, encodeSearchCursor, queryFingerprint, type SearchKey } from "./cursor.ts";
import { bboxBoundRadians, bboxCentre, EARTH_MEAN_RADIUS_M, wrapsAntimeridian } from "./geo.ts";
import { DEFAULT_RADIUS_KM, type SearchQuery } from "./schemas.ts";

/** What a hit shows of the artist's profile, straight from its row. */
interface ArtistWords {
  id: string;
  displayName: string;
  studio: string | null;
  styles: string[];
  city: string | null;
  country: string | null;
}

export interface SearchItem extends ArtistWords {
  /** The public (rounded) point, never the studio's exact location. */
  location: { lat: number; lng: number };
  /** Great-circle km (mean Earth radius) from the search centre, 2 decimals; null without one. */
  distanceKm: number | null;
  bookingOpen: boolean;
  portfolioPreview: string | null;
}

export interface SearchResult {
  items: SearchItem[];
  nextCursor: string | null;
  /** The point distances are measured from (the box centre for bbox searches). */
  centre: { lat: number; lng: number } | null;
  radiusKm: number | null;
}

export interface SearchRow extends ArtistWords {
  publicLat: number;
  publicLng: number;
  bookingOpen: boolean;
  d: number | null;
  distanceKm: number | null;
  previewId: string | null;
}

export const portfolioImageUrl = (artistId: string, imageId: string) => `/api/artists/${artistId}/portfolio/${imageId}`;

const PT = Prisma.sql`ll_to_earth(a."publicLat", a."publicLng")`;

/**
 * A float8 parameter sent as text. Prisma's $queryRaw serialises JS numbers with ~15
 * significant digits (0.30000000000000004 arrives as 0.3), which would make a cursor's
 * distance differ from the row it came from; JS's shortest round-trip string parses back to
 * the identical double in Postgres.
 */
const float8 = (n: number) => Prisma.sql`${String(n)}::float8`;

export interface SearchSql {
  sql: Prisma.Sql;
  fingerprint: string;
  byDistance: boolean;
  centre: { lat: number; lng: number } | null;
  radiusKm: number | null;
}

/**
 * How the spatial part runs. "knn" is what the service uses. "box" (earth_box pre-filter, then
 * sort every match) and "scan" (the same statement without earth_box: earth_distance over every
 * visible row) return the same rows; bench/search.ts measures them as baselines.
 */
export type SearchStrategy = "knn" | "box" | "scan";

export function buildSearchSql(q: SearchQuery, opts: { strategy?: SearchStrategy } = {}): SearchSql {
  const strategy = opts.strategy ?? "knn";
  const styles = [...new Set(q.style ?? [])].sort();
  const where: Prisma.Sql[] = [
    // Verbatim the partial index's predicate (see the header comment).
    Prisma.sql`a.visible AND a."publicLat" IS NOT NULL AND a."publicLng" IS NOT NULL`,
    Prisma.sql`u."emailVerifiedAt" IS NOT NULL`,
  ];
  if (styles.length) where.push(Prisma.sql`a.styles @> ARRAY[${Prisma.join(styles)}]::text[]`);
  if (q.q) {
    const like = `%${q.q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    where.push(Prisma.sql`(a."displayName" ILIKE ${like} OR a.studio ILIKE ${like} OR a.city ILIKE ${like})`);
  }

  let centre: { lat: number; lng: number } | null = null;
  let radiusKm: number | null = null;
  let fingerprint: string;
  if (q.lat !== undefined && q.lng !== undefined) {
    centre = { lat: q.lat, lng: q.lng };
    radiusKm = q.radiusKm ?? DEFAULT_RADIUS_KM;
    fingerprint = queryFingerprint(["r", q.lat, q.lng, radiusKm, styles, q.q ?? ""]);
    const c = Prisma.sql`ll_to_earth(${float8(q.lat)}, ${float8(q.lng)})`;
    // The radius in earth() units; the box gets 1 m of slack so float rounding in the cube test
    // can never drop a point the exact filter would keep.
    const r = Prisma.sql`(${float8(radiusKm * 1000)} * earth() / ${float8(EARTH_MEAN_RADIUS_M)})`;
    if (strategy !== "scan") where.push(Prisma.sql`earth_box(${c}, ${r} + 1) @> ${PT}`);
    where.push(Prisma.sql`earth_distance(${c}, ${PT}) <= ${r}`);
  } else if (q.bbox) {
    const b = q.bbox;
    centre = bboxCentre(b);
    fingerprint = queryFingerprint(["b", b.minLng, b.minLat, b.maxLng, b.maxLat, styles, q.q ?? ""]);
    const c = Prisma.sql`ll_to_earth(${float8(centre.lat)}, ${float8(centre.lng)})`;
    if (strategy !== "scan")
      where.push(Prisma.sql`earth_box(${c}, ${float8(bboxBoundRadians(b))} * earth() + 1) @> ${PT}`);
    where.push(
      Prisma.sql`a."publicLat" BETWEEN ${float8(b.minLat)} AND ${float8(b.maxLat)}`,
      wrapsAntimeridian(b)
        ? Prisma.sql`(a."publicLng" >= ${float8(b.minLng)} OR a."publicLng" <= ${float8(b.maxLng)})`
        : Prisma.sql`a."publicLng" BETWEEN ${float8(b.minLng)} AND ${float8(b.maxLng)}`,
    );
  } else {
    fingerprint = queryFingerprint(["n", styles, q.q ?? ""]);
  }

  const byDistance = centre !== null;
  const after = decodeSearchCursor(q.cursor, fingerprint, byDistance ? "distance" : "name");
  const c = centre ? Prisma.sql`ll_to_earth(${float8(centre.lat)}, ${float8(centre.lng)})` : null;
  // The sort key: chord length in earth() units (cube's Euclidean distance).
  const dist = c ? Prisma.sql`(${PT} <-> ${c})` : Prisma.sql`NULL::float8`;
  if (after?.kind === "distance")
    where.push(Prisma.sql`(${dist}, a."userId") > (${float8(after.d)}, ${after.id}::uuid)`);
  if (after?.kind === "name")
    where.push(Prisma.sql`(a."displayName", a."userId") > (${after.name}, ${after.id}::uuid)`);
  const order = byDistance ? Prisma.sql`d, id` : Prisma.sql`"displayName", id`;
  const from = Prisma.sql`FROM "ArtistProfile" a JOIN "User" u ON u.id = a."userId"`;
  const cols = Prisma.sql`a."userId" AS id, a."displayName", a.studio, a.styles, a.city, a.country, a."publicLat", a."publicLng", a."bookingOpen", ${dist} AS d`;
  const take = q.limit + 1;

  let page: Prisma.Sql;
  if (byDistance && strategy === "knn") {
    // Step 1: KNN walk (ORDER BY the bare operator, as the index needs) to the distance D of the
    // (limit+1)-th match. Step 2: every match within D — a box of radius D around the centre
    // holds them all — sorted by (distance, id). NULL D (no match) yields no rows.
    const bound = Prisma.sql`(SELECT dmax FROM bound)`;
    page = Prisma.sql`
      WITH bound AS MATERIALIZED (
        SELECT max(k.d) AS dmax FROM (SELECT ${dist} AS d ${from} WHERE ${Prisma.join(where, " AND ")} ORDER BY ${dist} LIMIT ${take}) k)
      SELECT ${cols} ${from}
      WHERE ${Prisma.join(where, " AND ")}
        AND earth_box(${c!}, sec_to_gc(${bound}) + 1) @> ${PT} AND ${dist} <= ${bound}
      ORDER BY ${order} LIMIT ${take}`;
  } else {
    page = Prisma.sql`SELECT ${cols} ${from} WHERE ${Prisma.join(where, " AND ")} ORDER BY ${order} LIMIT ${take}`;
  }

  const sql = Prisma.sql`
    SELECT s.*, sec_to_gc(s.d) / earth() * ${float8(EARTH_MEAN_RADIUS_M / 1000)} AS "distanceKm",
           (SELECT p.id FROM "PortfolioImage" p WHERE p."artistId" = s.id ORDER BY p.position, p."createdAt", p.id LIMIT 1) AS "previewId"
    FROM (${page}) s
    ORDER BY ${order}`;
  return { sql, fingerprint, byDistance, centre, radiusKm };
}

export async function searchArtists(ctx: AppContext, q: SearchQuery): Promise<SearchResult> {
  const { sql, fingerprint, byDistance, centre, radiusKm } = buildSearchSql(q);
  const rows = await ctx.db.$queryRaw<SearchRow[]>(sql);
  return toResult(rows, q.limit, fingerprint, byDistance, centre, radiusKm);
}

export function toResult(
  rows: SearchRow[],
  limit: number,
  fingerprint: string,
  byDistance: boolean,
  centre: SearchResult["centre"],
  radiusKm: number | null,
): SearchResult {
  const cursorAfter = (last: SearchRow) => {
    const key: SearchKey = byDistance
      ? { kind: "distance", d: last.d!, id: last.id }
      : { kind: "name", name: last.displayName, id: last.id };
    return encodeSearchCursor(fingerprint, key);
  };
  const { items, nextCursor } = keysetPage(rows, limit, cursorAfter, (r) => ({
    id: r.id,
    displayName: r.displayName,
    studio: r.studio,
    styles: r.styles,
    city: r.city,
    country: r.country,
    location: { lat: r.publicLat, lng: r.publicLng },
    distanceKm: r.distanceKm === null ? null : Math.round(r.distanceKm * 100) / 100,
    bookingOpen: r.bookingOpen,
    portfolioPreview: r.previewId ? portfolioImageUrl(r.id, r.previewId) : null,
  }));
  return { items, nextCursor, centre, radiusKm };
}
