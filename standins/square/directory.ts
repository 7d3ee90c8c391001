// The merchant's directory as the Square stand-in serves it: locations, team members,
// customers (search + create with idempotency keys) and the catalog's bookable services
// (SearchCatalogObjects over ITEM / ITEM_VARIATION).
import { arr, badRequest, decodeCursor, encodeCursor, num, obj, str } from "./http.ts";
import type { Customer, Merchant, ServiceVariation, SquareState } from "./state.ts";

type Json = Record<string, unknown>;

function listLocations(m: Merchant): Json {
  return { locations: m.locations.map((l) => ({ ...l })) };
}

function searchTeamMembers(m: Merchant, body: Json): Json {
  const filter = obj(obj(body, "query"), "filter");
  const locationIds = arr(filter, "location_ids") as string[] | undefined;
  const status = str(filter, "status");
  const isOwner = typeof filter?.is_owner === "boolean" ? filter.is_owner : undefined;
  const members = m.teamMembers.filter(
    (t) =>
      (!locationIds?.length || t.location_ids.some((id) => locationIds.includes(id))) &&
      (!status || t.status === status) &&
      (isOwner === undefined || t.is_owner === isOwner),
  );
  return {
    team_members: members.map((t) => ({
      id: t.id,
      is_owner: t.is_owner,
      status: t.status,
      given_name: t.given_name,
      family_name: t.family_name,
      created_at: t.created_at,
      updated_at: t.created_at,
      assigned_locations: { assignment_type: "EXPLICIT_LOCATIONS", location_ids: t.location_ids },
    })),
  };
}

/** CustomerTextFilter: `exact` (case-insensitive for emails) or `fuzzy` (substring here). */
function textMatch(value: string | undefined, f: Json | undefined): boolean {
  if (!f) return true;
  if (value === undefined) return false;
  const exact = str(f, "exact");
  const fuzzy = str(f, "fuzzy");
  if (exact !== undefined) return value.toLowerCase() === exact.toLowerCase();
  if (fuzzy !== undefined) return value.toLowerCase().includes(fuzzy.toLowerCase());
  return true;
}

function searchCustomers(m: Merchant, body: Json): Json {
  const filter = obj(obj(body, "query"), "filter");
  const limit = num(body, "limit") ?? 100;
  const found = [...m.customers.values()].filter(
    (c) =>
      textMatch(c.email_address, obj(filter, "email_address")) &&
      textMatch(c.phone_number, obj(filter, "phone_number")) &&
      textMatch(c.reference_id, obj(filter, "reference_id")),
  );
  // Square leaves `customers` out when nothing matches.
  return found.length ? { customers: found.slice(0, limit) } : {};
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function createCustomer(state: SquareState, m: Merchant, body: Json): Json {
  const fields: Partial<Customer> = {};
  for (const k of ["given_name", "family_name", "email_address", "phone_number", "reference_id", "note"] as const) {
    const v = str(body, k);
    if (v !== undefined) fields[k] = v;
  }
  if (
    !fields.given_name &&
    !fields.family_name &&
    !fields.email_address &&
    !fields.phone_number &&
    !str(body, "company_name")
  )
    throw badRequest(
      "MISSING_REQUIRED_PARAMETER",
      "At least one of `given_name`, `family_name`, `company_name`, `email_address`, or `phone_number` is required.",
    );
  if (fields.email_address && !EMAIL.test(fields.email_address))
    throw badRequest("INVALID_EMAIL_ADDRESS", "Invalid email address.", "email_address");
  if (fields.phone_number && !/^\+?[\d\s().-]{7,20}$/.test(fields.phone_number))
    throw badRequest("INVALID_PHONE_NUMBER", "Invalid phone number.", "phone_number");
  const key = str(body, "idempotency_key");
  const slot = key ? `customer|${key}` : undefined;
  const prior = slot ? m.idempotency.get(slot) : undefined;
  if (prior) {
    if (prior.body !== JSON.stringify(body))
      throw badRequest(
        "IDEMPOTENCY_KEY_REUSED",
        "The idempotency key was already used with a different request.",
        "idempotency_key",
      );
    return prior.response as Json;
  }
  const response = { customer: { ...state.addCustomer(m, fields) } };
  if (slot) m.idempotency.set(slot, { body: JSON.stringify(body), status: 200, response });
  return response;
}

/** The fields every catalog object carries; `data` is its type's own (item_data, …). */
function catalogObject(type: string, id: string, version: number, data: Json): Json {
  return {
    type,
    id,
    updated_at: new Date(version).toISOString(),
    version,
    is_deleted: false,
    present_at_all_locations: true,
    ...data,
  };
}

function variationObject(v: ServiceVariation): Json {
  return catalogObject("ITEM_VARIATION", v.id, v.version, {
    item_variation_data: {
      item_id: v.item_id,
      name: v.name,
      ordinal: 0,
      pricing_type: "VARIABLE_PRICING",
      service_duration: v.duration_minutes * 60_000,
      available_for_booking: v.available_for_booking,
      ...(v.team_member_ids.length ? { team_member_ids: v.team_member_ids } : {}),
      sellable: true,
      stockable: true,
    },
  });
}

function itemObject(v: ServiceVariation): Json {
  return catalogObject("ITEM", v.item_id, v.version, {
    item_data: { name: v.item_name, product_type: "APPOINTMENTS_SERVICE", variations: [variationObject(v)] },
  });
}

/** SearchCatalogObjects for the types the stand-in knows (ITEM, ITEM_VARIATION), with an
 *  optional exact_query on an attribute such as `available_for_booking`. */
function searchCatalog(m: Merchant, body: Json): Json {
  const types = (arr(body, "object_types") as string[] | undefined) ?? ["ITEM", "ITEM_VARIATION"];
  const query = obj(body, "query");
  const exact = obj(query, "exact_query");
  if (query && !exact)
    throw badRequest("BAD_REQUEST", "The stand-in supports only `exact_query` catalog queries.", "query");
  const limit = Math.min(num(body, "limit") ?? 100, 1000);
  const objects = m.services
    .flatMap((v) => [
      ...(types.includes("ITEM") ? [itemObject(v)] : []),
      ...(types.includes("ITEM_VARIATION") ? [variationObject(v)] : []),
    ])
    .filter((o) => {
      if (!exact) return true;
      const data = (o.item_variation_data ?? o.item_data) as Json;
      return String(data[str(exact, "attribute_name") ?? ""]) === str(exact, "attribute_value");
    })
    .sort((a, b) => (String(a.id) < String(b.id) ? -1 : 1));
  const q = JSON.stringify({ types, exact });
  const after = decodeCursor(str(body, "cursor"), q);
  const rest = objects.filter((o) => after === undefined || String(o.id) > after);
  const page = rest.slice(0, limit);
  return {
    objects: page,
    latest_time: new Date().toISOString(),
    ...(rest.length > page.length ? { cursor: encodeCursor({ after: String(page[page.length - 1]!.id), q }) } : {}),
  };
}

/** Routes outside /v2/bookings; undefined when the path is not one of them. */
export function routeDirectory(
  state: SquareState,
  m: Merchant,
  method: string,
  path: string,
  body: () => Json,
): Json | undefined {
  if (method === "GET" && path === "/v2/locations") return listLocations(m);
  if (method === "POST" && path === "/v2/team-members/search") return searchTeamMembers(m, body());
  if (method === "POST" && path === "/v2/customers/search") return searchCustomers(m, body());
  if (method === "POST" && path === "/v2/customers") return createCustomer(state, m, body());
  if (method === "POST" && path === "/v2/catalog/search") return searchCatalog(m, body());
  return undefined;
}
