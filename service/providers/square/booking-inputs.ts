// What a Square booking needs besides a time: a customer and a bookable service variation
// (id + current version).
//   Customer: looked up by email, then phone (SearchCustomers, exact match); otherwise
//   created with an idempotency key derived from the appointment and the client's details, so
//   a retried create does not add a second customer.
//   Service: the credentials' `serviceVariationId` when set, else the first catalog
//   ITEM_VARIATION that is `available_for_booking` and that this artist performs. Looked up on
//   every write (writes are rare): the variation's version changes whenever the service is
//   edited in Square, and a stale version is refused.
import { createHash } from "node:crypto";
import type { Square, SquareClient } from "square";
import { ProviderError } from "../kit/errors.ts";
import type { EventDraft } from "../kit/calendar.ts";

const CATALOG_PAGES = 10;

export const shortHash = (value: unknown) =>
  createHash("sha256").update(JSON.stringify(value)).digest("base64url").slice(0, 16);

export async function ensureCustomer(client: SquareClient, draft: EventDraft): Promise<string> {
  const c = draft.customer ?? {};
  const email = c.email?.trim();
  const phone = c.phone?.trim();
  for (const filter of [
    email ? { emailAddress: { exact: email } } : undefined,
    phone ? { phoneNumber: { exact: phone } } : undefined,
  ]) {
    if (!filter) continue;
    const found = (await client.customers.search({ query: { filter }, limit: BigInt(1) })).customers?.[0]?.id;
    if (found) return found;
  }
  const [given, ...rest] = (c.name?.trim() || "Tatu client").split(/\s+/);
  const fields = {
    givenName: given!,
    ...(rest.length ? { familyName: rest.join(" ") } : {}),
    ...(email ? { emailAddress: email } : {}),
    ...(phone ? { phoneNumber: phone } : {}),
    referenceId: `tatu:${draft.appointmentId}`,
    note: "Added by Tatu",
  };
  const res = await client.customers.create({
    idempotencyKey: `tatu-customer-${draft.appointmentId}-${shortHash(fields)}`,
    ...fields,
  });
  const id = res.customer?.id;
  if (!id)
    throw new ProviderError("transient", "Square did not return the new client.", {
      code: "SQUARE_UNEXPECTED_RESPONSE",
    });
  return id;
}

export interface ServiceRef {
  id: string;
  version: bigint;
}

function performs(v: Square.CatalogObject, teamMemberId: string): v is Square.CatalogObject.ItemVariation {
  if (v.type !== "ITEM_VARIATION" || v.isDeleted) return false;
  const data = v.itemVariationData;
  if (!data?.availableForBooking) return false;
  return !data.teamMemberIds?.length || data.teamMemberIds.includes(teamMemberId);
}

export async function bookableService(
  client: SquareClient,
  teamMemberId: string,
  pinned?: string,
): Promise<ServiceRef> {
  let cursor: string | undefined;
  for (let i = 0; i < CATALOG_PAGES; i++) {
    const res = await client.catalog.search({
      objectTypes: ["ITEM_VARIATION"],
      limit: 100,
      ...(cursor ? { cursor } : {}),
    });
    const hit = (res.objects ?? []).find((o) => performs(o, teamMemberId) && (!pinned || o.id === pinned));
    if (hit?.id && hit.version !== undefined && hit.version !== null)
      return { id: hit.id, version: BigInt(hit.version) };
    cursor = res.cursor || undefined;
    if (!cursor) break;
  }
  throw new ProviderError(
    "permanent",
    pinned
      ? "The Square service chosen for Tatu's appointments is no longer bookable. Pick another service or make it bookable in Square Appointments."
      : 'Square needs a service for every appointment: add a bookable service (e.g. "Tattoo session") for this artist in Square Appointments.',
    { code: "SQUARE_NO_BOOKABLE_SERVICE" },
  );
}
