// Geometry for the public artist map. Exact studio coordinates stay private; everything the
// public sees (and every distance it gets) is computed from a point rounded to 2 decimals.
//
// Distances: earthdistance models the Earth as a sphere of radius earth() (6,378,168 m by
// default — the equatorial radius, 0.11 % above the mean). We report distances on the
// mean-radius sphere (IUGG R1 = 6,371,008.8 m), what a haversine with the usual radius gives,
// and scale in SQL with earth() so a redefined earth() stays consistent.

export const EARTH_MEAN_RADIUS_M = 6_371_008.8;

/** ~1.1 km of latitude: enough to find a studio's neighbourhood, not its door. */
export function publicCoordinate(value: number): number {
  return Math.round(value * 100) / 100 + 0; // + 0 turns -0 into 0
}

export interface BBox {
  minLng: number;
  minLat: number;
  maxLng: number;
  maxLat: number;
}

/** True when the box crosses the antimeridian (a viewport over the Pacific). */
export const wrapsAntimeridian = (b: BBox): boolean => b.minLng > b.maxLng;

/** Centre of the box (longitude wrap-aware), the point results are ordered by. */
export function bboxCentre(b: BBox): { lat: number; lng: number } {
  const span = lngSpan(b);
  let lng = b.minLng + span / 2;
  if (lng > 180) lng -= 360;
  return { lat: (b.minLat + b.maxLat) / 2, lng };
}

function lngSpan(b: BBox): number {
  return wrapsAntimeridian(b) ? b.maxLng + 360 - b.minLng : b.maxLng - b.minLng;
}

const rad = (deg: number) => (deg * Math.PI) / 180;

/**
 * An upper bound (radians of arc) on the distance from the box centre to any point inside
 * the box, so the GiST index (earth_box around the centre) can pre-filter a lat/lng box.
 * For p = (φ, λ) and centre c = (φc, λc), via q = (φ, λc):
 *   d(c, p) ≤ d(c, q) + d(q, p) ≤ |φ − φc| + |λ − λc|·cos φ
 * (the meridian arc is a geodesic; the arc along the parallel is never shorter than the
 * geodesic between its ends). Capped at π, where the box covers the whole sphere.
 */
export function bboxBoundRadians(b: BBox): number {
  const halfLat = rad(b.maxLat - b.minLat) / 2;
  const halfLng = rad(lngSpan(b)) / 2;
  const straddlesEquator = b.minLat <= 0 && b.maxLat >= 0;
  const maxCos = straddlesEquator ? 1 : Math.cos(rad(Math.min(Math.abs(b.minLat), Math.abs(b.maxLat))));
  return Math.min(Math.PI, halfLat + halfLng * maxCos);
}
