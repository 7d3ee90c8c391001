// What the two parties read about their requests and appointments besides the rows themselves:
// who the artist is, the policy in words (policy.ts) and — once the booking is confirmed — the
// studio's street address, which is never public (not in search, not on the public profile).
import type { AppContext } from "../context.ts";
import { expectedDeposit, policySentences } from "./policy.ts";

/** Appointment states in which the customer has a booking and may see where the studio is. A
 *  pending deposit is not yet a booking: an abandoned checkout must not reveal the address. */
const ADDRESS_VISIBLE = new Set(["confirmed", "completed"]);

type ArtistRow = Awaited<ReturnType<typeof loadArtists>>[number];

async function artistsById(ctx: AppContext, ids: string[]): Promise<Map<string, ArtistRow>> {
  return new Map((await loadArtists(ctx, ids)).map((r) => [r.userId, r]));
}

function loadArtists(ctx: AppContext, ids: string[]) {
  return ctx.db.artistProfile.findMany({
    where: { userId: { in: [...new Set(ids)] } },
    select: {
      userId: true,
      displayName: true,
      studio: true,
      street: true,
      postcode: true,
      city: true,
      country: true,
      lat: true,
      lng: true,
      timeZone: true,
      cancelNoticeHours: true,
      services: { where: { active: true }, select: { id: true, depositCents: true, currency: true } },
    },
  });
}

const artistSummary = (a: ArtistRow | undefined) =>
  a ? { id: a.userId, displayName: a.displayName, studio: a.studio, timeZone: a.timeZone } : null;

/** The studio's full address, or null when the artist has not entered a street. */
export function studioAddress(a: ArtistRow | undefined) {
  if (!a?.street) return null;
  return {
    studio: a.studio,
    street: a.street,
    postcode: a.postcode,
    city: a.city,
    country: a.country,
    location: a.lat === null || a.lng === null ? null : { lat: a.lat, lng: a.lng },
  };
}

interface RequestLike {
  artistId: string;
  serviceId: string | null;
  project: { depositCents: number; currency: string } | null;
}

/** Booking requests with the artist's name and the policy that applies: the offered deposit once
 *  there is an offer, before that the requested service's deposit (or the artist's usual one). */
export async function withRequestPolicy<R extends RequestLike>(ctx: AppContext, items: R[]) {
  const artists = await artistsById(
    ctx,
    items.map((r) => r.artistId),
  );
  return items.map((r) => {
    const a = artists.get(r.artistId);
    const deposit = r.project ??
      a?.services.find((s) => s.id === r.serviceId) ??
      expectedDeposit(a?.services ?? []) ?? { depositCents: null, currency: "eur" };
    return {
      ...r,
      artist: artistSummary(a),
      policy: policySentences({ ...deposit, cancelNoticeHours: a?.cancelNoticeHours ?? 0 }),
    };
  });
}

interface AppointmentLike {
  id: string;
  artistId: string;
  status: string;
  project?: { depositCents: number; currency: string; depositAppointmentId: string | null } | null;
}

/** Appointments with the artist's name, the policy, and the studio address when the booking is
 *  confirmed (the caller is always one of the two parties: the queries are scoped to them). */
export async function withStudio<A extends AppointmentLike>(ctx: AppContext, items: A[]) {
  const artists = await artistsById(
    ctx,
    items.map((a) => a.artistId),
  );
  return items.map((x) => {
    const a = artists.get(x.artistId);
    // The deposit belongs to one session of a project; the others carry none.
    const depositHere = x.project && x.project.depositAppointmentId === x.id ? x.project : null;
    return {
      ...x,
      artist: artistSummary(a),
      address: ADDRESS_VISIBLE.has(x.status) ? studioAddress(a) : null,
      policy: policySentences({
        depositCents: depositHere?.depositCents ?? 0,
        currency: depositHere?.currency ?? "eur",
        cancelNoticeHours: a?.cancelNoticeHours ?? 0,
      }),
    };
  });
}
