// Stand-in for the Square API (Locations, Bookings, Customers, Catalog, Team) on one loopback
// port, speaking the wire format the `square` SDK expects: snake_case JSON, the v2 error
// envelope, bearer tokens (one per merchant), Square-Version headers, keyset cursors,
// booking versions and idempotency keys. The SDK reaches it through SQUARE_API_BASE_URL
// (see env()). Used by the Square calendar tests and `tatu launch --rehearse`.
import http from "node:http";
import { closeServer, listenLoopback } from "../shared/http.ts";
import { routeBookings } from "./bookings.ts";
import { routeDirectory } from "./directory.ts";
import {
  bearer,
  jsonBody,
  PayloadTooLarge,
  readBody,
  sendError,
  sendJson,
  SquareApiError,
  UNAUTHORIZED_DETAIL,
  type ErrorCategory,
} from "./http.ts";
import {
  CANCELLED,
  rfc3339,
  SquareState,
  type Booking,
  type BookingStatus,
  type Merchant,
  type MerchantInput,
} from "./state.ts";

export type { Booking, BookingStatus, MerchantInput };

export interface Fault {
  /** HTTP status (401, 403, 409, 429, 500, 503…). */
  status: number;
  /** Square error code; default per status (UNAUTHORIZED, INSUFFICIENT_SCOPES, RATE_LIMITED, INTERNAL_SERVER_ERROR…). */
  code?: string;
  category?: ErrorCategory;
  detail?: string;
  /** Seconds, sent as Retry-After. */
  retryAfter?: number;
  /** Only requests whose "METHOD /path" contains this (e.g. "POST /v2/bookings", "/cancel"). */
  match?: string;
  /** Let this many matching requests through before the first failure. */
  after?: number;
  /** Carry the request out, then answer with the fault instead (a response lost on the way back). */
  afterHandling?: boolean;
}

export interface MerchantHandle {
  merchantId: string;
  /** The access token the merchant would paste into Tatu (personal access token). */
  token: string;
  businessName: string;
  locationIds: string[];
  /** The first location. */
  locationId: string;
  teamMemberIds: string[];
  /** The first team member (the owner by default). */
  teamMemberId: string;
  serviceVariationIds: string[];
}

/** Changes made by the merchant in Square's own apps (Tatu is not involved). */
export type MerchantBookingOp =
  | {
      action: "create";
      merchantId?: string;
      startAt: Date;
      /** One segment of this length (default: the service's duration). */
      durationMinutes?: number;
      /** Several segments instead (durations and intermissions). */
      segments?: { durationMinutes: number; intermissionMinutes?: number }[];
      teamMemberId?: string;
      locationId?: string;
      serviceVariationId?: string;
      customer?: { givenName?: string; familyName?: string; email?: string; phone?: string };
      sellerNote?: string;
      customerNote?: string;
      status?: "ACCEPTED" | "PENDING";
      allDay?: boolean;
    }
  | {
      action: "modify";
      merchantId?: string;
      id: string;
      startAt?: Date;
      durationMinutes?: number;
      sellerNote?: string;
      /** Hand the booking to another team member. */
      teamMemberId?: string;
      status?: "ACCEPTED" | "PENDING" | "NO_SHOW";
    }
  | {
      action: "cancel";
      merchantId?: string;
      id: string;
      status?: "CANCELLED_BY_SELLER" | "CANCELLED_BY_CUSTOMER" | "DECLINED";
    };

export interface RequestRecord {
  method: string;
  path: string;
  query: string;
  squareVersion?: string;
  idempotencyKey?: string;
  status: number;
}

export interface SquareStandIn {
  url: string;
  /** The merchant created at start (rehearsal default). */
  merchant: MerchantHandle;
  /** SQUARE_API_BASE_URL (points Tatu here) and SQUARE_ACCESS_TOKEN (the default merchant's
   *  token, to paste into the connect form; Tatu itself does not read it). */
  env(): Record<string, string>;
  close(): Promise<void>;
  addMerchant(input?: MerchantInput): MerchantHandle;
  /** Create / move / cancel a booking from the merchant's side; returns it as the API shows it. */
  booking(op: MerchantBookingOp): Booking;
  /** Every booking of a merchant (default: the start merchant), as the API shows them. */
  bookings(merchantId?: string): Booking[];
  customers(merchantId?: string): Record<string, unknown>[];
  /** The token stops working (401 ACCESS_TOKEN_REVOKED). */
  revokeToken(token: string): void;
  /** Turn Square Appointments' seller-level API writes on/off (Plus/Premium subscription). */
  setSellerLevelWrites(merchantId: string, on: boolean): void;
  failNext(n: number, fault: Fault): void;
  /** Run `fn` right before the next request whose "METHOD /path" contains `match` is handled
   *  (a change racing Tatu's read-modify-write). */
  beforeNext(match: string, fn: () => void): void;
  /** Cap every page at n items whatever `limit` asks. */
  setMaxPageSize(n: number): void;
  requests(): RequestRecord[];
}

const FAULT_DEFAULTS: Record<number, [ErrorCategory, string, string]> = {
  401: ["AUTHENTICATION_ERROR", "UNAUTHORIZED", UNAUTHORIZED_DETAIL],
  403: [
    "AUTHENTICATION_ERROR",
    "INSUFFICIENT_SCOPES",
    "The merchant has not given your application sufficient permissions to do that.",
  ],
  404: ["INVALID_REQUEST_ERROR", "NOT_FOUND", "Resource not found."],
  409: ["INVALID_REQUEST_ERROR", "CONFLICT", "The request conflicts with the current state of the resource."],
  429: ["RATE_LIMIT_ERROR", "RATE_LIMITED", "Rate limit exceeded."],
  500: [
    "API_ERROR",
    "INTERNAL_SERVER_ERROR",
    "An internal error has occurred, and the API was unable to service your request.",
  ],
  503: ["API_ERROR", "SERVICE_UNAVAILABLE", "The service is temporarily unavailable."],
};

function faultError(f: Fault): SquareApiError {
  const [category, code, detail] = FAULT_DEFAULTS[f.status] ?? FAULT_DEFAULTS[500]!;
  const headers: Record<string, string> = f.retryAfter !== undefined ? { "Retry-After": String(f.retryAfter) } : {};
  return new SquareApiError(f.status, f.category ?? category, f.code ?? code, f.detail ?? detail, undefined, headers);
}

function handleOf(m: Merchant): MerchantHandle {
  return {
    merchantId: m.id,
    token: m.token,
    businessName: m.businessName,
    locationIds: m.locations.map((l) => l.id),
    locationId: m.locations[0]!.id,
    teamMemberIds: m.teamMembers.map((t) => t.id),
    teamMemberId: m.teamMembers[0]!.id,
    serviceVariationIds: m.services.map((s) => s.id),
  };
}

export async function startSquareStandIn(
  opts: { port?: number; merchant?: MerchantInput; maxPageSize?: number } = {},
): Promise<SquareStandIn> {
  const state = new SquareState();
  const first = state.addMerchant(opts.merchant ?? { businessName: "Tatu Rehearsal Studio" });
  const faults: Fault[] = [];
  const hooks: { match: string; fn: () => void }[] = [];
  const log: RequestRecord[] = [];
  let maxPageSize = opts.maxPageSize ?? 1000;
  let base = "";

  const serve = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    record: RequestRecord,
  ): Promise<void> => {
    const line = `${req.method} ${url.pathname}`;
    const at = faults.findIndex((f) => !f.match || line.includes(f.match));
    let fault: Fault | undefined;
    if (at !== -1) {
      const f = faults[at]!;
      if (f.after) f.after--;
      else fault = faults.splice(at, 1)[0];
    }
    if (fault && !fault.afterHandling) throw faultError(fault);
    const hook = hooks.findIndex((h) => line.includes(h.match));
    if (hook !== -1) hooks.splice(hook, 1)[0]!.fn();

    const version = req.headers["square-version"];
    if (typeof version === "string" && !/^\d{4}-\d{2}-\d{2}$/.test(version))
      throw new SquareApiError(
        400,
        "INVALID_REQUEST_ERROR",
        "INVALID_SQUARE_VERSION_FORMAT",
        "Invalid Square-Version format; expected YYYY-MM-DD.",
      );
    const token = bearer(req);
    const m = token ? state.merchantByToken(token) : undefined;
    if (!m) {
      const revoked = token !== undefined && state.revoked.has(token);
      throw new SquareApiError(
        401,
        "AUTHENTICATION_ERROR",
        revoked ? "ACCESS_TOKEN_REVOKED" : "UNAUTHORIZED",
        revoked ? "The access token has been revoked." : UNAUTHORIZED_DETAIL,
      );
    }
    const raw = req.method === "POST" || req.method === "PUT" ? await readBody(req) : Buffer.alloc(0);
    let parsed: Record<string, unknown> | undefined;
    const body = () => (parsed ??= jsonBody(raw));
    if (raw.length)
      record.idempotencyKey = (() => {
        try {
          const k = body().idempotency_key;
          return typeof k === "string" ? k : undefined;
        } catch {
          return undefined;
        }
      })();

    const method = req.method ?? "GET";
    const out =
      url.pathname === "/v2/bookings" || url.pathname.startsWith("/v2/bookings/")
        ? routeBookings(
            { state, maxPageSize: () => maxPageSize },
            m,
            method,
            url.pathname.split("/").slice(3).map(decodeURIComponent),
            url.searchParams,
            body,
          )
        : routeDirectory(state, m, method, url.pathname, body);
    if (out === undefined)
      throw new SquareApiError(
        404,
        "INVALID_REQUEST_ERROR",
        "NOT_FOUND",
        `API endpoint for URL path \`${url.pathname}\` and HTTP method \`${method}\` is not found.`,
      );
    if (fault) throw faultError(fault);
    record.status = 200;
    sendJson(res, 200, out);
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", base);
    const record: RequestRecord = { method: req.method ?? "GET", path: url.pathname, query: url.search, status: 0 };
    const v = req.headers["square-version"];
    if (typeof v === "string") record.squareVersion = v;
    log.push(record);
    serve(req, res, url, record).catch((err: unknown) => {
      if (res.headersSent) return void res.destroy();
      const e =
        err instanceof SquareApiError
          ? err
          : err instanceof PayloadTooLarge
            ? new SquareApiError(413, "INVALID_REQUEST_ERROR", "BAD_REQUEST", "The request body is too large.")
            : new SquareApiError(
                500,
                "API_ERROR",
                "INTERNAL_SERVER_ERROR",
                "An internal error has occurred, and the API was unable to service your request.",
              );
      record.status = e.status;
      sendError(res, e);
    });
  });
  base = await listenLoopback(server, opts.port);

  const merchantOf = (id?: string) => (id ? state.merchant(id) : first);

  const booking = (op: MerchantBookingOp): Booking => {
    const m = merchantOf(op.merchantId);
    if (op.action === "create") {
      const sv = op.serviceVariationId ? m.services.find((s) => s.id === op.serviceVariationId) : m.services[0];
      if (!sv) throw new Error("the merchant has no such service");
      const teamMemberId = op.teamMemberId ?? m.teamMembers[0]!.id;
      const c = op.customer ?? { givenName: "Walk-in" };
      const customer = state.addCustomer(
        m,
        {
          ...(c.givenName ? { given_name: c.givenName } : {}),
          ...(c.familyName ? { family_name: c.familyName } : {}),
          ...(c.email ? { email_address: c.email } : {}),
          ...(c.phone ? { phone_number: c.phone } : {}),
        },
        "APPOINTMENTS",
      );
      const segs = op.segments ?? [{ durationMinutes: op.durationMinutes ?? sv.duration_minutes }];
      return structuredClone(
        state.addBooking(m, {
          status: op.status ?? "ACCEPTED",
          start_at: rfc3339(op.startAt),
          location_id: op.locationId ?? m.locations[0]!.id,
          customer_id: customer.id,
          customer_note: op.customerNote ?? "",
          seller_note: op.sellerNote ?? "",
          all_day: op.allDay ?? false,
          location_type: "BUSINESS_LOCATION",
          transition_time_minutes: 0,
          appointment_segments: segs.map((s) => ({
            duration_minutes: s.durationMinutes,
            service_variation_id: sv.id,
            team_member_id: teamMemberId,
            service_variation_version: sv.version,
            any_team_member: false,
            intermission_minutes: s.intermissionMinutes ?? 0,
          })),
          creator_details: { creator_type: "TEAM_MEMBER", team_member_id: teamMemberId },
          source: "FIRST_PARTY_MERCHANT",
        }),
      );
    }
    const b = m.bookings.get(op.id);
    if (!b) throw new Error(`unknown booking ${op.id}`);
    if (op.action === "cancel") {
      if (CANCELLED.has(b.status)) throw new Error(`booking ${op.id} is already cancelled`);
      return structuredClone(state.touch(b, { status: op.status ?? "CANCELLED_BY_SELLER" }));
    }
    const change: Parameters<typeof state.touch>[1] = {};
    if (op.startAt) change.start_at = rfc3339(op.startAt);
    if (op.sellerNote !== undefined) change.seller_note = op.sellerNote;
    if (op.status) change.status = op.status;
    if (op.durationMinutes !== undefined || op.teamMemberId) {
      change.appointment_segments = b.appointment_segments.map((s, i) => ({
        ...s,
        ...(op.teamMemberId ? { team_member_id: op.teamMemberId } : {}),
        ...(i === 0 && op.durationMinutes !== undefined ? { duration_minutes: op.durationMinutes } : {}),
      }));
    }
    return structuredClone(state.touch(b, change));
  };

  return {
    url: base,
    merchant: handleOf(first),
    env: () => ({ SQUARE_API_BASE_URL: base, SQUARE_ACCESS_TOKEN: first.token }),
    close: () => closeServer(server),
    addMerchant: (input) => handleOf(state.addMerchant(input)),
    booking,
    bookings: (merchantId) => [...merchantOf(merchantId).bookings.values()].map((b) => structuredClone(b)),
    customers: (merchantId) => [...merchantOf(merchantId).customers.values()].map((c) => ({ ...c })),
    revokeToken: (token) => {
      state.revoked.add(token);
    },
    setSellerLevelWrites: (merchantId, on) => {
      state.merchant(merchantId).sellerLevelWrites = on;
    },
    // `after` delays the first of the n failures only; the rest follow back to back.
    failNext: (n, fault) => {
      for (let i = 0; i < n; i++) faults.push({ ...fault, after: i === 0 ? fault.after : 0 });
    },
    beforeNext: (match, fn) => {
      hooks.push({ match, fn });
    },
    setMaxPageSize: (n) => {
      maxPageSize = n;
    },
    requests: () => log.map((r) => ({ ...r })),
  };
}
