// Ground truth of the Square stand-in: merchants (one access token each) with their
// locations, team members, bookable services (catalog item variations), customers and
// bookings. Records are stored in Square's snake_case wire shape so the REST layer can
// answer with them as they are.
import { randomBytes, randomInt } from "node:crypto";

export type BookingStatus =
  | "PENDING"
  | "CANCELLED_BY_CUSTOMER"
  | "CANCELLED_BY_SELLER"
  | "DECLINED"
  | "ACCEPTED"
  | "NO_SHOW";
export const CANCELLED: ReadonlySet<BookingStatus> = new Set([
  "CANCELLED_BY_CUSTOMER",
  "CANCELLED_BY_SELLER",
  "DECLINED",
]);

export interface Segment {
  duration_minutes: number;
  service_variation_id: string;
  team_member_id: string;
  service_variation_version: number;
  any_team_member: boolean;
  intermission_minutes: number;
}

export interface Booking {
  id: string;
  version: number;
  status: BookingStatus;
  created_at: string;
  updated_at: string;
  start_at: string;
  location_id: string;
  customer_id: string;
  customer_note: string;
  seller_note: string;
  all_day: boolean;
  location_type: "BUSINESS_LOCATION";
  transition_time_minutes: number;
  appointment_segments: Segment[];
  creator_details:
    | { creator_type: "TEAM_MEMBER"; team_member_id: string }
    | { creator_type: "CUSTOMER"; customer_id: string };
  source: "FIRST_PARTY_MERCHANT" | "FIRST_PARTY_BUYER" | "API";
}

export interface Location {
  id: string;
  name: string;
  business_name: string;
  timezone: string;
  status: "ACTIVE" | "INACTIVE";
  merchant_id: string;
  capabilities: string[];
  country: string;
  language_code: string;
  currency: string;
  type: "PHYSICAL";
  created_at: string;
}

export interface TeamMember {
  id: string;
  given_name: string;
  family_name: string;
  is_owner: boolean;
  status: "ACTIVE" | "INACTIVE";
  /** Square Appointments: takes bookings. */
  bookable: boolean;
  location_ids: string[];
  created_at: string;
}

export interface ServiceVariation {
  id: string;
  item_id: string;
  item_name: string;
  name: string;
  version: number;
  duration_minutes: number;
  available_for_booking: boolean;
  /** Empty: any bookable team member performs it. */
  team_member_ids: string[];
}

export interface Customer {
  id: string;
  version: number;
  given_name?: string;
  family_name?: string;
  email_address?: string;
  phone_number?: string;
  reference_id?: string;
  note?: string;
  created_at: string;
  updated_at: string;
  creation_source: "THIRD_PARTY" | "APPOINTMENTS";
  preferences: { email_unsubscribed: boolean };
}

export interface Merchant {
  id: string;
  token: string;
  businessName: string;
  /** Business booking profile: Appointments Plus/Premium allows seller-level API writes. */
  sellerLevelWrites: boolean;
  bookingEnabled: boolean;
  locations: Location[];
  teamMembers: TeamMember[];
  services: ServiceVariation[];
  customers: Map<string, Customer>;
  bookings: Map<string, Booking>;
  /** "<endpoint>|<key>" → the request body it was used with and the answer given. */
  idempotency: Map<string, { body: string; status: number; response: unknown }>;
  createdAt: string;
}

const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const LOWER = "abcdefghijklmnopqrstuvwxyz0123456789";
const pick = (alphabet: string, n: number) =>
  Array.from({ length: n }, () => alphabet[randomInt(alphabet.length)]).join("");

/** Id shapes as Square issues them (merchant/location 13, customer 26, catalog 24 upper-case; booking 14 lower-case). */
export const ids = {
  merchant: () => pick(UPPER, 13),
  location: () => pick(UPPER, 13),
  customer: () => pick(UPPER, 26),
  catalog: () => pick(UPPER, 24),
  booking: () => pick(LOWER, 14),
  teamMember: () => `TM${pick(UPPER + LOWER.slice(0, 26), 14)}`,
  token: () => `EAAA${randomBytes(30).toString("base64url")}`,
};

/** RFC 3339 UTC without milliseconds, as Square prints booking timestamps. */
export const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

export interface MerchantInput {
  businessName?: string;
  /** Default: one ACTIVE location in America/New_York. */
  locations?: { name?: string; timezone?: string; status?: "ACTIVE" | "INACTIVE" }[];
  /** Default: the owner, bookable at every location. */
  teamMembers?: {
    givenName: string;
    familyName?: string;
    isOwner?: boolean;
    bookable?: boolean;
    status?: "ACTIVE" | "INACTIVE";
    locationIndexes?: number[];
  }[];
  /** Default: one bookable "Tattoo session" of 120 minutes. */
  services?: { name: string; durationMinutes?: number; availableForBooking?: boolean; teamMemberIndexes?: number[] }[];
  sellerLevelWrites?: boolean;
  bookingEnabled?: boolean;
  /** Use this access token instead of a random one. */
  token?: string;
}

export class SquareState {
  readonly merchants = new Map<string, Merchant>();
  private readonly byToken = new Map<string, Merchant>();
  readonly revoked = new Set<string>();

  addMerchant(input: MerchantInput = {}): Merchant {
    const now = rfc3339(new Date());
    const id = ids.merchant();
    const businessName = input.businessName ?? "Ink & Iron Studio";
    const locations: Location[] = (input.locations ?? [{}]).map((l, i) => ({
      id: ids.location(),
      name: l.name ?? (i === 0 ? businessName : `${businessName} ${i + 1}`),
      business_name: businessName,
      timezone: l.timezone ?? "America/New_York",
      status: l.status ?? "ACTIVE",
      merchant_id: id,
      capabilities: ["CREDIT_CARD_PROCESSING", "AUTOMATIC_TRANSFERS"],
      country: "US",
      language_code: "en-US",
      currency: "USD",
      type: "PHYSICAL",
      created_at: now,
    }));
    const teamMembers: TeamMember[] = (
      input.teamMembers ?? [{ givenName: "Alex", familyName: "Rivera", isOwner: true }]
    ).map((t) => ({
      id: ids.teamMember(),
      given_name: t.givenName,
      family_name: t.familyName ?? "",
      is_owner: t.isOwner ?? false,
      status: t.status ?? "ACTIVE",
      bookable: t.bookable ?? true,
      location_ids: (t.locationIndexes ?? locations.map((_, i) => i)).map((i) => locations[i]!.id),
      created_at: now,
    }));
    const services: ServiceVariation[] = (input.services ?? [{ name: "Tattoo session", durationMinutes: 120 }]).map(
      (s) => ({
        id: ids.catalog(),
        item_id: ids.catalog(),
        item_name: s.name,
        name: "Regular",
        version: Date.now() - randomInt(1_000_000),
        duration_minutes: s.durationMinutes ?? 60,
        available_for_booking: s.availableForBooking ?? true,
        team_member_ids: (s.teamMemberIndexes ?? []).map((i) => teamMembers[i]!.id),
      }),
    );
    const m: Merchant = {
      id,
      token: input.token ?? ids.token(),
      businessName,
      sellerLevelWrites: input.sellerLevelWrites ?? true,
      bookingEnabled: input.bookingEnabled ?? true,
      locations,
      teamMembers,
      services,
      customers: new Map(),
      bookings: new Map(),
      idempotency: new Map(),
      createdAt: now,
    };
    this.merchants.set(id, m);
    this.byToken.set(m.token, m);
    return m;
  }

  merchantByToken(token: string): Merchant | undefined {
    return this.revoked.has(token) ? undefined : this.byToken.get(token);
  }

  merchant(id: string): Merchant {
    const m = this.merchants.get(id);
    if (!m) throw new Error(`unknown merchant ${id}`);
    return m;
  }

  addCustomer(
    m: Merchant,
    fields: Partial<
      Pick<Customer, "given_name" | "family_name" | "email_address" | "phone_number" | "reference_id" | "note">
    >,
    source: Customer["creation_source"] = "THIRD_PARTY",
  ): Customer {
    const now = rfc3339(new Date());
    const c: Customer = {
      id: ids.customer(),
      version: 0,
      ...fields,
      created_at: now,
      updated_at: now,
      creation_source: source,
      preferences: { email_unsubscribed: false },
    };
    m.customers.set(c.id, c);
    return c;
  }

  addBooking(m: Merchant, b: Omit<Booking, "id" | "version" | "created_at" | "updated_at">): Booking {
    const now = rfc3339(new Date());
    const booking: Booking = { id: ids.booking(), version: 0, created_at: now, updated_at: now, ...b };
    m.bookings.set(booking.id, booking);
    return booking;
  }

  /** Every change bumps `version` (Square's optimistic-concurrency counter). */
  touch(
    b: Booking,
    change: Partial<
      Pick<Booking, "start_at" | "status" | "seller_note" | "customer_note" | "customer_id" | "appointment_segments">
    >,
  ): Booking {
    Object.assign(b, change);
    b.version += 1;
    b.updated_at = rfc3339(new Date());
    return b;
  }
}
