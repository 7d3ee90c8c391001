// The artist's own profile (private view, exact location and street address included) and the
// public view of a visible artist (rounded location, city and country only, no booking internals).
import type { AppContext } from "../context.ts";
import { expectedDeposit, policySentences } from "../booking/policy.ts";
import { publicCoordinate } from "./geo.ts";
import type { ProfileInput, WorkingHours } from "./schemas.ts";
import { portfolioImageUrl } from "./search.ts";

type ProfileRow = NonNullable<Awaited<ReturnType<typeof loadOwnProfile>>>;

export function loadOwnProfile(ctx: AppContext, userId: string) {
  return ctx.db.artistProfile.findUnique({
    where: { userId },
    include: {
      portfolio: { orderBy: [{ position: "asc" }, { createdAt: "asc" }, { id: "asc" }] },
      services: { orderBy: [{ createdAt: "asc" }, { id: "asc" }] },
    },
  });
}

export async function saveProfile(ctx: AppContext, userId: string, p: ProfileInput) {
  const data = {
    ...profileText(p),
    ...studioAddress(p),
    lat: p.lat,
    lng: p.lng,
    // Derived here and only here: the public point is what search, maps and distances use.
    publicLat: p.lat === null ? null : publicCoordinate(p.lat),
    publicLng: p.lng === null ? null : publicCoordinate(p.lng),
    visible: p.visible,
    bookingOpen: p.bookingOpen,
    timeZone: p.timeZone,
    workingHours: p.workingHours as object,
    bufferMinutes: p.bufferMinutes,
    cancelNoticeHours: p.cancelNoticeHours,
  };
  const existed = (await ctx.db.artistProfile.count({ where: { userId } })) > 0;
  await ctx.db.artistProfile.upsert({ where: { userId }, create: { userId, ...data }, update: data });
  return { created: !existed };
}

export const ownImageUrl = (imageId: string) => `/api/me/artist-profile/portfolio/${imageId}`;

type TextField = "displayName" | "studio" | "styles" | "bio" | "city" | "country";

/** The words of a profile, the same for the owner's input, the owner's view and the public one. */
function profileText<P extends Record<TextField, unknown>>(p: P): Pick<P, TextField> {
  return {
    displayName: p.displayName,
    studio: p.studio,
    styles: p.styles,
    bio: p.bio,
    city: p.city,
    country: p.country,
  };
}

/** The private part of the studio address (city and country are public profile text). */
function studioAddress(p: { street: string | null; postcode: string | null }) {
  return { street: p.street, postcode: p.postcode };
}

/** A service as customers see it: the owner's view adds whether it is offered at all. */
function publicServiceView(s: ProfileRow["services"][number]) {
  return {
    id: s.id,
    kind: s.kind,
    name: s.name,
    durationMinutes: s.durationMinutes,
    depositCents: s.depositCents,
    currency: s.currency,
  };
}

export function serviceView(s: ProfileRow["services"][number]) {
  return { ...publicServiceView(s), active: s.active };
}

/** What the owner sees (and can PUT back). */
export function ownProfileView(p: ProfileRow) {
  return {
    id: p.userId,
    ...profileText(p),
    ...studioAddress(p),
    lat: p.lat,
    lng: p.lng,
    publicLocation: p.publicLat === null || p.publicLng === null ? null : { lat: p.publicLat, lng: p.publicLng },
    visible: p.visible,
    bookingOpen: p.bookingOpen,
    timeZone: p.timeZone,
    workingHours: p.workingHours as unknown as WorkingHours,
    bufferMinutes: p.bufferMinutes,
    cancelNoticeHours: p.cancelNoticeHours,
    portfolio: p.portfolio.map((i) => ({
      id: i.id,
      url: ownImageUrl(i.id),
      publicUrl: portfolioImageUrl(p.userId, i.id),
      contentType: i.contentType,
      size: i.size,
      caption: i.caption,
      position: i.position,
    })),
    services: p.services.map(serviceView),
    updatedAt: p.updatedAt,
  };
}

/** A visible artist of a verified account, as anyone may see it; undefined otherwise. */
export async function loadPublicProfile(ctx: AppContext, artistId: string) {
  const p = await ctx.db.artistProfile.findFirst({
    where: {
      userId: artistId,
      visible: true,
      publicLat: { not: null },
      publicLng: { not: null },
      user: { emailVerifiedAt: { not: null } },
    },
    include: {
      portfolio: { orderBy: [{ position: "asc" }, { createdAt: "asc" }, { id: "asc" }] },
      services: { where: { active: true }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] },
    },
  });
  if (!p) return undefined;
  const policy = (deposit: { depositCents: number | null; currency: string }) =>
    policySentences({ ...deposit, cancelNoticeHours: p.cancelNoticeHours });
  // Built field by field (never spread from the row), so a new private column cannot leak.
  return {
    id: p.userId,
    ...profileText(p),
    location: { lat: p.publicLat!, lng: p.publicLng! },
    bookingOpen: p.bookingOpen,
    timeZone: p.timeZone,
    cancelNoticeHours: p.cancelNoticeHours,
    // The deposit and cancellation policy in words, told before anyone sends a request: with no
    // service picked yet (below), and per service (services[].policy).
    policy: policy(expectedDeposit(p.services) ?? { depositCents: null, currency: "eur" }),
    portfolio: p.portfolio.map((i) => ({
      id: i.id,
      url: portfolioImageUrl(p.userId, i.id),
      contentType: i.contentType,
      caption: i.caption,
    })),
    services: p.services.map((s) => ({ ...publicServiceView(s), policy: policy(s) })),
  };
}
