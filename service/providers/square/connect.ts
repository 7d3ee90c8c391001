// Connecting Square Appointments with an access token the artist pastes from Square (a
// personal access token from the Developer Dashboard, or an OAuth token; a Tatu OAuth app flow
// can come later). Tatu checks the token, picks the location (the one asked for, else the
// first active location where someone takes appointments) and the artist at that location
// (the only bookable team member, else the owner when bookable).
import { z } from "zod";
import { ProviderError } from "../kit/errors.ts";
import type { NewAccount, ProviderEnv } from "../kit/channel.ts";
import type { CalendarCredentialsConnect } from "../kit/calendar.ts";
import { ROUTE, squareClient } from "./config.ts";
import { bookableMembers, listLocations, ownerAmong } from "./directory.ts";
import { classifySquareError } from "./errors.ts";

export const connectSchema = z.object({
  accessToken: z.string().trim().min(1, "Paste the access token from Square"),
  locationId: z.string().trim().min(1).optional(),
});

export async function connectSquare(env: ProviderEnv, input: z.output<typeof connectSchema>): Promise<NewAccount> {
  const client = await squareClient(env, input.accessToken);
  try {
    const locations = await listLocations(client);
    const candidates = input.locationId
      ? locations.filter((l) => l.id === input.locationId)
      : locations.filter((l) => l.status === "ACTIVE");
    if (input.locationId && candidates[0]?.status !== "ACTIVE")
      throw new ProviderError(
        "permanent",
        "This Square location does not exist or is inactive. Pick another location, or leave it empty to use the first active one.",
        { code: "SQUARE_LOCATION_NOT_FOUND" },
      );
    const profile = (await client.bookings.getBusinessProfile()).businessBookingProfile;
    if (profile?.bookingEnabled === false)
      throw new ProviderError(
        "permanent",
        "Square Appointments is not turned on for this business. Turn it on in Square, then connect again.",
        { code: "SQUARE_BOOKINGS_DISABLED" },
      );
    for (const location of candidates) {
      const members = await bookableMembers(client, location.id!);
      if (!members.length) continue;
      const ids = members.map((m) => m.teamMemberId!);
      const teamMemberId = ids.length === 1 ? ids[0] : await ownerAmong(client, location.id!, ids);
      const merchantId = location.merchantId ?? profile?.sellerId;
      if (!merchantId)
        throw new ProviderError("transient", "Square did not say which business this token belongs to.", {
          code: "SQUARE_UNEXPECTED_RESPONSE",
        });
      const businessName = location.businessName ?? location.name ?? "Square";
      return {
        externalId: merchantId,
        address: businessName,
        ...(location.name && location.name !== businessName ? { displayName: location.name } : {}),
        credentials: {
          accessToken: input.accessToken,
          locationId: location.id!,
          ...(teamMemberId ? { teamMemberId } : {}),
        },
        scopes: [],
      };
    }
    throw new ProviderError(
      "permanent",
      input.locationId
        ? "Nobody takes appointments at this Square location. Make a team member bookable in Square Appointments, then connect again."
        : "No active Square location has a team member who takes appointments. Set one up in Square Appointments, then connect again.",
      { code: "SQUARE_NO_BOOKABLE_STAFF" },
    );
  } catch (err) {
    throw classifySquareError(err);
  }
}

export const squareConnect: CalendarCredentialsConnect<typeof connectSchema> = {
  kind: "credentials",
  route: ROUTE,
  schema: connectSchema,
  connect: connectSquare,
};
