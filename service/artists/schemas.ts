// Boundary schemas of the artist profile, its services and the public search. Each parse
// error becomes a 400 with per-field messages (service/http/validate.ts).
import { z } from "zod";
import { canonicalZone } from "../time/zones.ts";
import { ARTIST_STYLES, MAX_STYLES_PER_ARTIST } from "./styles.ts";

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];
export interface Interval {
  start: string;
  end: string;
}
export type WorkingHours = Record<Weekday, Interval[]>;

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

const interval = z.strictObject({
  start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Use a 24-hour time like "09:30".'),
  // "24:00" closes a day that runs to midnight.
  end: z
    .string()
    .regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'Use a 24-hour time like "18:00" (or "24:00" for midnight).'),
});

/** One day's intervals: each ends after it starts, none overlap (touching is fine); stored sorted. */
const dayIntervals = z
  .array(interval)
  .max(8, "At most 8 intervals per day.")
  .superRefine((list, ctx) => {
    list.forEach((iv, i) => {
      if (minutes(iv.end) <= minutes(iv.start))
        ctx.addIssue({ code: "custom", path: [i, "end"], message: "The end must be after the start." });
    });
    const sorted = list.map((iv, i) => ({ ...iv, i })).sort((a, b) => minutes(a.start) - minutes(b.start));
    for (let k = 1; k < sorted.length; k++) {
      const prev = sorted[k - 1]!,
        cur = sorted[k]!;
      if (minutes(cur.start) < minutes(prev.end))
        ctx.addIssue({
          code: "custom",
          path: [cur.i],
          message: `${cur.start}–${cur.end} overlaps ${prev.start}–${prev.end}.`,
        });
    }
  })
  .transform((list) => [...list].sort((a, b) => minutes(a.start) - minutes(b.start)));

export const workingHoursSchema = z
  .strictObject(
    Object.fromEntries(WEEKDAYS.map((d) => [d, dayIntervals.default([])])) as Record<
      Weekday,
      z.ZodDefault<typeof dayIntervals>
    >,
  )
  .transform((w) => w as WorkingHours);

const style = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(ARTIST_STYLES, { error: () => `Unknown style. Use one of: ${ARTIST_STYLES.join(", ")}.` }));

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `At most ${max} characters.`)
    .nullish()
    .transform((v) => v || null);

const ADDRESS_PARTS = [
  ["street", "street and number"],
  ["postcode", "postcode"],
  ["city", "city"],
  ["country", "country code"],
] as const;

/**
 * PUT /api/me/artist-profile: the whole profile (fields left out take their defaults), so a
 * client can send back what GET returned — read-only fields in it are ignored.
 */
export const profileBody = z
  .object({
    displayName: z.string().trim().min(1, "Enter the name customers know you by.").max(80, "At most 80 characters."),
    studio: optionalText(120),
    styles: z
      .array(style)
      .max(MAX_STYLES_PER_ARTIST, `Pick at most ${MAX_STYLES_PER_ARTIST} styles.`)
      .default([])
      .transform((s) => [...new Set(s)]),
    bio: optionalText(2000),
    // The street address is private (told to booked customers); city and country are public.
    street: optionalText(200),
    postcode: optionalText(20),
    city: optionalText(100),
    country: z
      .string()
      .trim()
      .regex(/^[A-Za-z]{2}$/, 'Use the two-letter country code, e.g. "DE".')
      .transform((c) => c.toUpperCase())
      .nullish()
      .transform((c) => c ?? null),
    lat: z
      .number({ error: "Latitude is a number, e.g. 52.52." })
      .min(-90, "Latitude is between -90 and 90.")
      .max(90, "Latitude is between -90 and 90.")
      .nullish()
      .transform((v) => v ?? null),
    lng: z
      .number({ error: "Longitude is a number, e.g. 13.405." })
      .min(-180, "Longitude is between -180 and 180.")
      .max(180, "Longitude is between -180 and 180.")
      .nullish()
      .transform((v) => v ?? null),
    visible: z.boolean().default(false),
    bookingOpen: z.boolean().default(true),
    timeZone: z
      .string()
      .trim()
      .default("UTC")
      .transform((tz, ctx) => {
        const canonical = canonicalZone(tz);
        if (!canonical) ctx.addIssue({ code: "custom", message: 'Use an IANA time zone such as "Europe/Berlin".' });
        return canonical ?? tz;
      }),
    workingHours: workingHoursSchema.default(
      Object.fromEntries(WEEKDAYS.map((d) => [d, []])) as unknown as WorkingHours,
    ),
    bufferMinutes: z.number().int("Whole minutes only.").min(0).max(240, "At most 240 minutes.").default(15),
    cancelNoticeHours: z.number().int("Whole hours only.").min(0).max(720, "At most 720 hours (30 days).").default(48),
  })
  .superRefine((p, ctx) => {
    // A street without its city (or a postcode alone) sends a customer nowhere: all or none.
    if (p.street !== null || p.postcode !== null)
      for (const [field, words] of ADDRESS_PARTS)
        if (p[field] === null)
          ctx.addIssue({
            code: "custom",
            path: [field],
            message: `Enter the ${words} to complete the studio address.`,
          });
    if ((p.lat === null) !== (p.lng === null))
      ctx.addIssue({
        code: "custom",
        path: [p.lat === null ? "lat" : "lng"],
        message: "Give both latitude and longitude, or neither.",
      });
    else if (p.visible && p.lat === null)
      ctx.addIssue({
        code: "custom",
        path: ["visible"],
        message: "Set your studio's location before showing your profile on the map.",
      });
  });
export type ProfileInput = z.output<typeof profileBody>;

export const serviceBody = z.object({
  kind: z.enum(["consultation", "session"], { error: () => 'Choose "consultation" or "session".' }),
  name: z.string().trim().min(1, "Give the service a name.").max(80, "At most 80 characters."),
  durationMinutes: z
    .number()
    .int("Whole minutes only.")
    .min(15, "At least 15 minutes.")
    .max(720, "At most 720 minutes (12 hours)."),
  depositCents: z
    .number()
    .int("A whole number of cents.")
    .min(0, "The deposit cannot be negative.")
    .max(10_000_000)
    .default(0),
  currency: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{3}$/, 'Use a three-letter currency code, e.g. "eur".')
    .transform((c) => c.toLowerCase())
    .default("eur"),
  active: z.boolean().default(true),
});
export type ServiceInput = z.output<typeof serviceBody>;

export const captionBody = z.object({ caption: optionalText(300) });
export const reorderBody = z.object({ ids: z.array(z.uuid("Not an image id.")).max(1000) });

// ---- public search ------------------------------------------------------------------------

// Query strings arrive as text; "" or "abc" must be a 400, never a silent 0 (z.coerce would).
const decimal = z
  .string()
  .trim()
  .regex(/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/, "Must be a number.")
  .transform(Number);
const inRange = (min: number, max: number, what: string) =>
  decimal.pipe(
    z.number().min(min, `${what} is between ${min} and ${max}.`).max(max, `${what} is between ${min} and ${max}.`),
  );

export const MAX_RADIUS_KM = 500;
export const DEFAULT_RADIUS_KM = 25;

const bbox = z
  .string()
  .trim()
  .transform((raw, ctx) => {
    const parts = raw.split(",").map((s) => s.trim());
    const nums = parts.map((s) => (/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(s) ? Number(s) : NaN));
    if (parts.length !== 4 || nums.some((n) => !Number.isFinite(n))) {
      ctx.addIssue({ code: "custom", message: "Use four numbers: minLng,minLat,maxLng,maxLat." });
      return z.NEVER;
    }
    const [minLng, minLat, maxLng, maxLat] = nums as [number, number, number, number];
    if ([minLng, maxLng].some((v) => v < -180 || v > 180))
      ctx.addIssue({ code: "custom", message: "Longitudes are between -180 and 180." });
    else if ([minLat, maxLat].some((v) => v < -90 || v > 90))
      ctx.addIssue({ code: "custom", message: "Latitudes are between -90 and 90." });
    else if (minLat >= maxLat) ctx.addIssue({ code: "custom", message: "minLat must be below maxLat." });
    else if (minLng === maxLng) ctx.addIssue({ code: "custom", message: "The box has no width (minLng = maxLng)." });
    // minLng > maxLng is allowed: a viewport across the antimeridian.
    return { minLng, minLat, maxLng, maxLat };
  });

const styleList = z
  .union([z.string(), z.array(z.string()).max(8)])
  .transform((v) =>
    (Array.isArray(v) ? v : [v])
      .flatMap((s) => s.split(","))
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  )
  .pipe(
    z.array(z.enum(ARTIST_STYLES, { error: () => `Unknown style. Use one of: ${ARTIST_STYLES.join(", ")}.` })).max(8),
  );

/**
 * GET /api/artists. Unknown parameters are rejected so a typo ("radius=5") is a clear 400 rather
 * than a silently ignored filter.
 */
export const searchQuery = z
  .strictObject({
    lat: inRange(-90, 90, "Latitude").optional(),
    lng: inRange(-180, 180, "Longitude").optional(),
    radiusKm: decimal
      .pipe(
        z
          .number()
          .gt(0, "The radius must be positive.")
          .max(MAX_RADIUS_KM, `The radius is at most ${MAX_RADIUS_KM} km.`),
      )
      .optional(),
    bbox: bbox.optional(),
    style: styleList.optional(),
    q: z.string().trim().min(2, "At least 2 characters.").max(100, "At most 100 characters.").optional(),
    cursor: z.string().max(500).optional(),
    limit: z
      .string()
      .regex(/^\d{1,3}$/, "A whole number from 1 to 100.")
      .transform(Number)
      .pipe(z.number().min(1, "At least 1.").max(100, "At most 100."))
      .default(20),
  })
  .superRefine((q, ctx) => {
    if ((q.lat === undefined) !== (q.lng === undefined))
      ctx.addIssue({ code: "custom", path: [q.lat === undefined ? "lat" : "lng"], message: "Give both lat and lng." });
    if (q.bbox && q.lat !== undefined)
      ctx.addIssue({
        code: "custom",
        path: ["bbox"],
        message: "Search either around lat/lng or inside bbox, not both.",
      });
    if (q.radiusKm !== undefined && q.lat === undefined)
      ctx.addIssue({ code: "custom", path: ["radiusKm"], message: "radiusKm needs lat and lng." });
    // Without a place or a text there is nothing to rank by but the name over every artist.
    if (q.lat === undefined && q.lng === undefined && !q.bbox && !q.q)
      ctx.addIssue({
        code: "custom",
        path: [],
        message: "Search around a point (lat, lng), inside a map area (bbox) or by name (q).",
      });
  });
export type SearchQuery = z.output<typeof searchQuery>;
