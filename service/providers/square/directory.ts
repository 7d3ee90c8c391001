// Reading the merchant's setup: locations, bookable team members and the owner. Used by
// connect (which location and artist) and listCalendars (one calendar per bookable member).
import type { Square, SquareClient } from "square";

export async function listLocations(client: SquareClient): Promise<Square.Location[]> {
  return (await client.locations.list()).locations ?? [];
}

/** Team members who take appointments at `locationId` (Square Appointments' staff list). */
export async function bookableMembers(
  client: SquareClient,
  locationId: string,
): Promise<Square.TeamMemberBookingProfile[]> {
  const out: Square.TeamMemberBookingProfile[] = [];
  let page = await client.bookings.teamMemberProfiles.list({ bookableOnly: true, locationId, limit: 100 });
  for (;;) {
    out.push(...page.data.filter((p) => p.teamMemberId && p.isBookable !== false));
    if (!page.hasNextPage()) return out;
    page = await page.getNextPage();
  }
}

/** The account owner among `memberIds`, if any (the artist who pasted their own token). */
export async function ownerAmong(
  client: SquareClient,
  locationId: string,
  memberIds: string[],
): Promise<string | undefined> {
  const res = await client.teamMembers.search({
    query: { filter: { locationIds: [locationId], status: "ACTIVE", isOwner: true } },
    limit: 10,
  });
  return (res.teamMembers ?? []).find((t) => t.id && memberIds.includes(t.id))?.id;
}
