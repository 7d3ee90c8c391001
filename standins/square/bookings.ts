// /v2/bookings/* of the Square stand-in: list (window + keyset cursor), create (idempotency
// keys), retrieve, bulk-retrieve, update and cancel with Square's optimistic-concurrency
// `version`, plus the business and team-member booking profiles.
import { arr, badRequest, decodeCursor, encodeCursor, notFound, num, obj, SquareApiError, str } from "./http.ts";
import { CANCELLED, rfc3339, type Booking, type Merchant, type Segment, type SquareState } from "./state.ts";

export interface BookingsContext {
  state: SquareState;
  /** Upper bound of a page whatever `limit` asks (lets tests page with few bookings). */
  maxPageSize: () => number;
}

const DAY = 86_400_000;
/** ListBookings rejects windows wider than 31 days. */
const MAX_WINDOW_MS = 31 * DAY;
const NOTE_MAX = 4096;

type Json = Record<string, unknown>;

function time(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(t))
    throw badRequest("INVALID_TIME", `Invalid RFC 3339 timestamp for \`${field}\`.`, field);
  return t;
}

function getBooking(m: Merchant, id: string): Booking {
  const b = m.bookings.get(id);
  if (!b) throw notFound(`Booking with ID \`${id}\` not found.`);
  return b;
}

/** Same key + same body: the first answer again; same key + another body: IDEMPOTENCY_KEY_REUSED. */
function idempotent(m: Merchant, scope: string, body: Json, run: () => Json): Json {
  const key = str(body, "idempotency_key");
  if (!key) return run();
  const slot = `${scope}|${key}`;
  const text = JSON.stringify(body);
  const prior = m.idempotency.get(slot);
  if (prior) {
    if (prior.body !== text)
      throw badRequest(
        "IDEMPOTENCY_KEY_REUSED",
        "The idempotency key was already used with a different request.",
        "idempotency_key",
      );
    return prior.response as Json;
  }
  const response = run();
  m.idempotency.set(slot, { body: text, status: 200, response: structuredClone(response) });
  return response;
}

function requireSellerWrites(m: Merchant): void {
  if (!m.sellerLevelWrites)
    throw new SquareApiError(
      403,
      "MERCHANT_SUBSCRIPTION_ERROR",
      "FORBIDDEN",
      "Seller-level writes require a Square Appointments Plus or Premium subscription.",
    );
}

function note(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw badRequest("INVALID_VALUE", `\`${field}\` must be a string.`, field);
  if (value.length > NOTE_MAX)
    throw badRequest("VALUE_TOO_LONG", `\`${field}\` must be at most ${NOTE_MAX} characters.`, field);
  return value;
}

function segments(m: Merchant, locationId: string, raw: unknown[] | undefined, field: string): Segment[] {
  if (!raw?.length) throw badRequest("MISSING_REQUIRED_PARAMETER", `Missing required parameter \`${field}\`.`, field);
  return raw.map((r, i) => {
    const s = (r && typeof r === "object" ? r : {}) as Json;
    const at = `${field}[${i}]`;
    const teamMemberId = str(s, "team_member_id");
    const tm = m.teamMembers.find((t) => t.id === teamMemberId);
    if (!tm || tm.status !== "ACTIVE" || !tm.bookable || !tm.location_ids.includes(locationId))
      throw badRequest("INVALID_VALUE", "The team member is not bookable at this location.", `${at}.team_member_id`);
    const variationId = str(s, "service_variation_id");
    const sv = m.services.find((v) => v.id === variationId);
    if (!sv || !sv.available_for_booking || (sv.team_member_ids.length > 0 && !sv.team_member_ids.includes(tm.id)))
      throw badRequest(
        "INVALID_VALUE",
        "The service variation is not bookable by this team member.",
        `${at}.service_variation_id`,
      );
    const version = num(s, "service_variation_version");
    if (version !== sv.version)
      throw badRequest(
        "INVALID_VALUE",
        "The service variation version is not the current version.",
        `${at}.service_variation_version`,
      );
    const duration = num(s, "duration_minutes") ?? sv.duration_minutes;
    if (!Number.isInteger(duration) || duration < 1 || duration > 1440)
      throw badRequest("INVALID_VALUE", "`duration_minutes` must be between 1 and 1440.", `${at}.duration_minutes`);
    const intermission = num(s, "intermission_minutes") ?? 0;
    return {
      duration_minutes: duration,
      service_variation_id: sv.id,
      team_member_id: tm.id,
      service_variation_version: sv.version,
      any_team_member: false,
      intermission_minutes: intermission,
    };
  });
}

function listBookings(ctx: BookingsContext, m: Merchant, q: URLSearchParams): Json {
  const min = time(q.get("start_at_min") ?? undefined, "start_at_min") ?? Date.now();
  const max = time(q.get("start_at_max") ?? undefined, "start_at_max") ?? min + MAX_WINDOW_MS;
  if (max < min) throw badRequest("INVALID_TIME_RANGE", "`start_at_max` must be after `start_at_min`.", "start_at_max");
  if (max - min > MAX_WINDOW_MS)
    throw badRequest(
      "INVALID_TIME_RANGE",
      "The time range between `start_at_min` and `start_at_max` must not exceed 31 days.",
      "start_at_max",
    );
  const limitRaw = q.get("limit");
  const limit = limitRaw === null ? 100 : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
    throw badRequest("INVALID_VALUE", "`limit` must be between 1 and 10000.", "limit");
  const filter = {
    location_id: q.get("location_id"),
    team_member_id: q.get("team_member_id"),
    customer_id: q.get("customer_id"),
    min,
    max,
  };
  const after = decodeCursor(q.get("cursor"), JSON.stringify(filter));
  const key = (b: Booking) => `${b.start_at}|${b.id}`;
  const matching = [...m.bookings.values()]
    .filter((b) => {
      const t = Date.parse(b.start_at);
      return (
        t >= min &&
        t <= max &&
        (!filter.location_id || b.location_id === filter.location_id) &&
        (!filter.customer_id || b.customer_id === filter.customer_id) &&
        (!filter.team_member_id || b.appointment_segments.some((s) => s.team_member_id === filter.team_member_id))
      );
    })
    .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
    .filter((b) => after === undefined || key(b) > after);
  const page = matching.slice(0, Math.min(limit, ctx.maxPageSize()));
  const more = matching.length > page.length;
  return {
    bookings: page,
    errors: [],
    ...(more ? { cursor: encodeCursor({ after: key(page[page.length - 1]!), q: JSON.stringify(filter) }) } : {}),
  };
}

function createBooking(ctx: BookingsContext, m: Merchant, body: Json): Json {
  requireSellerWrites(m);
  return idempotent(m, "create", body, () => {
    const b = obj(body, "booking");
    if (!b) throw badRequest("MISSING_REQUIRED_PARAMETER", "Missing required parameter `booking`.", "booking");
    const startAt = time(str(b, "start_at"), "booking.start_at");
    if (startAt === undefined)
      throw badRequest(
        "MISSING_REQUIRED_PARAMETER",
        "Missing required parameter `booking.start_at`.",
        "booking.start_at",
      );
    const locationId = str(b, "location_id");
    if (!m.locations.some((l) => l.id === locationId && l.status === "ACTIVE"))
      throw badRequest("INVALID_VALUE", "Invalid `booking.location_id`.", "booking.location_id");
    const customerId = str(b, "customer_id");
    if (!customerId || !m.customers.has(customerId))
      throw badRequest("INVALID_VALUE", "Invalid `booking.customer_id`.", "booking.customer_id");
    const segs = segments(m, locationId!, arr(b, "appointment_segments"), "booking.appointment_segments");
    const booking = ctx.state.addBooking(m, {
      status: "ACCEPTED",
      start_at: rfc3339(new Date(startAt)),
      location_id: locationId!,
      customer_id: customerId,
      customer_note: note(b.customer_note, "booking.customer_note") ?? "",
      seller_note: note(b.seller_note, "booking.seller_note") ?? "",
      all_day: false,
      location_type: "BUSINESS_LOCATION",
      transition_time_minutes: 0,
      appointment_segments: segs,
      creator_details: { creator_type: "TEAM_MEMBER", team_member_id: segs[0]!.team_member_id },
      source: "API",
    });
    return { booking: structuredClone(booking), errors: [] };
  });
}

function checkVersion(b: Booking, version: number | undefined, field: string): void {
  if (version !== undefined && version !== b.version)
    throw new SquareApiError(
      409,
      "INVALID_REQUEST_ERROR",
      "CONFLICT",
      `Booking version mismatch: the request has version ${version}, the booking is at version ${b.version}.`,
      field,
    );
}

function updateBooking(ctx: BookingsContext, m: Merchant, id: string, body: Json): Json {
  requireSellerWrites(m);
  return idempotent(m, `update:${id}`, body, () => {
    const b = getBooking(m, id);
    const patch = obj(body, "booking");
    if (!patch) throw badRequest("MISSING_REQUIRED_PARAMETER", "Missing required parameter `booking`.", "booking");
    checkVersion(b, num(patch, "version"), "booking.version");
    if (CANCELLED.has(b.status)) throw badRequest("BAD_REQUEST", "A cancelled booking cannot be updated.");
    const change: Parameters<typeof ctx.state.touch>[1] = {};
    const startAt = time(str(patch, "start_at"), "booking.start_at");
    if (startAt !== undefined) change.start_at = rfc3339(new Date(startAt));
    if ("appointment_segments" in patch)
      change.appointment_segments = segments(
        m,
        b.location_id,
        arr(patch, "appointment_segments"),
        "booking.appointment_segments",
      );
    const sellerNote = note(patch.seller_note, "booking.seller_note");
    if (sellerNote !== undefined) change.seller_note = sellerNote;
    const customerNote = note(patch.customer_note, "booking.customer_note");
    if (customerNote !== undefined) change.customer_note = customerNote;
    const customerId = str(patch, "customer_id");
    if (customerId !== undefined) {
      if (!m.customers.has(customerId))
        throw badRequest("INVALID_VALUE", "Invalid `booking.customer_id`.", "booking.customer_id");
      change.customer_id = customerId;
    }
    ctx.state.touch(b, change);
    return { booking: structuredClone(b), errors: [] };
  });
}

function cancelBooking(ctx: BookingsContext, m: Merchant, id: string, body: Json): Json {
  requireSellerWrites(m);
  return idempotent(m, `cancel:${id}`, body, () => {
    const b = getBooking(m, id);
    checkVersion(b, num(body, "booking_version"), "booking_version");
    if (CANCELLED.has(b.status)) throw badRequest("BAD_REQUEST", "The booking has already been cancelled.");
    ctx.state.touch(b, { status: "CANCELLED_BY_SELLER" });
    return { booking: structuredClone(b), errors: [] };
  });
}

function bulkRetrieve(m: Merchant, body: Json): Json {
  const idsRaw = arr(body, "booking_ids");
  if (!idsRaw?.length || idsRaw.length > 100 || idsRaw.some((x) => typeof x !== "string"))
    throw badRequest("INVALID_VALUE", "`booking_ids` must hold 1 to 100 booking IDs.", "booking_ids");
  const out: Record<string, Json> = {};
  for (const id of idsRaw as string[]) {
    const b = m.bookings.get(id);
    out[id] = b
      ? { booking: structuredClone(b), errors: [] }
      : {
          errors: [
            { category: "INVALID_REQUEST_ERROR", code: "NOT_FOUND", detail: `Booking with ID \`${id}\` not found.` },
          ],
        };
  }
  return { bookings: out, errors: [] };
}

function businessProfile(m: Merchant): Json {
  return {
    business_booking_profile: {
      seller_id: m.id,
      created_at: m.createdAt,
      booking_enabled: m.bookingEnabled,
      customer_timezone_choice: "SELLER_CHOICE",
      booking_policy: "ACCEPT_ALL",
      allow_user_cancel: true,
      business_appointment_settings: {
        location_types: ["BUSINESS_LOCATION"],
        alignment_time: "HALF_HOURLY",
        min_booking_lead_time_seconds: 0,
        max_booking_lead_time_seconds: 31_536_000,
        any_team_member_booking_enabled: true,
        multiple_service_booking_enabled: true,
        cancellation_window_seconds: 86_400,
        cancellation_policy: "CUSTOM_POLICY",
        skip_booking_flow_staff_selection: false,
      },
      support_seller_level_writes: m.sellerLevelWrites,
    },
    errors: [],
  };
}

function teamMemberProfiles(ctx: BookingsContext, m: Merchant, q: URLSearchParams): Json {
  const bookableOnly = q.get("bookable_only") === "true";
  const locationId = q.get("location_id");
  const limit = Math.min(Number(q.get("limit") ?? 100) || 100, ctx.maxPageSize());
  const after = decodeCursor(q.get("cursor"), JSON.stringify({ bookableOnly, locationId }));
  const all = m.teamMembers
    .filter(
      (t) =>
        t.status === "ACTIVE" && (!bookableOnly || t.bookable) && (!locationId || t.location_ids.includes(locationId)),
    )
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .filter((t) => after === undefined || t.id > after);
  const page = all.slice(0, limit);
  return {
    team_member_booking_profiles: page.map((t) => ({
      team_member_id: t.id,
      display_name: `${t.given_name} ${t.family_name}`.trim(),
      is_bookable: t.bookable,
      description: "",
    })),
    errors: [],
    ...(all.length > page.length
      ? { cursor: encodeCursor({ after: page[page.length - 1]!.id, q: JSON.stringify({ bookableOnly, locationId }) }) }
      : {}),
  };
}

/** Routes under /v2/bookings; undefined when the path is not one of them. */
export function routeBookings(
  ctx: BookingsContext,
  m: Merchant,
  method: string,
  parts: string[],
  q: URLSearchParams,
  body: () => Json,
): Json | undefined {
  // parts: path segments after /v2/bookings
  const [a, b] = parts;
  if (a === undefined) {
    if (method === "GET") return listBookings(ctx, m, q);
    if (method === "POST") return createBooking(ctx, m, body());
    return undefined;
  }
  if (a === "business-booking-profile" && !b && method === "GET") return businessProfile(m);
  if (a === "team-member-booking-profiles" && !b && method === "GET") return teamMemberProfiles(ctx, m, q);
  if (a === "bulk-retrieve" && !b && method === "POST") return bulkRetrieve(m, body());
  if (b === undefined) {
    if (method === "GET") return { booking: structuredClone(getBooking(m, a)), errors: [] };
    if (method === "PUT") return updateBooking(ctx, m, a, body());
    return undefined;
  }
  if (b === "cancel" && parts.length === 2 && method === "POST") return cancelBooking(ctx, m, a, body());
  return undefined;
}
