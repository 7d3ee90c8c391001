// What a person sees first after signing in. An artist: the coming days' appointments (in the
// studio's zone), requests waiting for an answer, unread conversations per channel, deposits
// still to be paid, and a setup checklist until the studio is ready. A customer: upcoming
// bookings and open requests. Read-only; everything scoped to the caller.
import { DateTime } from "luxon";
import type { AppContext } from "../context.ts";
import { TATU_PROVIDER } from "../threads/channel.ts";

/** Appointments shown: from the start of today in the studio's zone, this many days ahead. */
const DAYS_AHEAD = 7;
const LIVE = ["pending_deposit", "confirmed"] as const;

export interface SetupStep {
  id: "verify-email" | "profile" | "service" | "channel" | "calendar" | "visible";
  label: string;
  done: boolean;
  /** Where in the web app the step is done. */
  link: string;
}

async function namesOf(ctx: AppContext, ids: string[]): Promise<Map<string, string>> {
  const users = await ctx.db.user.findMany({
    where: { id: { in: [...new Set(ids)] } },
    select: { id: true, name: true },
  });
  return new Map(users.map((u) => [u.id, u.name]));
}

/** Someone who deleted their account is still shown, as that. */
const nameIn = (names: Map<string, string>, id: string) => names.get(id) ?? "Deleted account";

export async function artistHome(ctx: AppContext, userId: string) {
  const [user, profile, services, accounts, calendars] = await Promise.all([
    ctx.db.user.findUniqueOrThrow({ where: { id: userId }, select: { emailVerifiedAt: true } }),
    ctx.db.artistProfile.findUnique({ where: { userId } }),
    ctx.db.service.count({ where: { artistId: userId, active: true } }),
    ctx.db.connectedAccount.count({ where: { userId, status: { not: "disabled" }, provider: { not: TATU_PROVIDER } } }),
    ctx.db.calendarConnection.count({ where: { userId } }),
  ]);
  const zone = profile?.timeZone ?? "UTC";
  const from = DateTime.now().setZone(zone).startOf("day");
  const to = from.plus({ days: DAYS_AHEAD });

  const [appointments, waiting, waitingCount, unread, depositsPending] = await Promise.all([
    ctx.db.appointment.findMany({
      where: {
        artistId: userId,
        status: { in: [...LIVE] },
        end: { gt: from.toJSDate() },
        start: { lt: to.toJSDate() },
      },
      orderBy: { start: "asc" },
      take: 50,
    }),
    ctx.db.bookingRequest.findMany({
      where: { artistId: userId, status: "pending" },
      orderBy: { createdAt: "asc" },
      take: 5,
    }),
    ctx.db.bookingRequest.count({ where: { artistId: userId, status: "pending" } }),
    ctx.db.conversation.groupBy({
      by: ["channel"],
      where: { userId, archivedAt: null, unreadCount: { gt: 0 } },
      _count: { _all: true },
      orderBy: { channel: "asc" },
    }),
    ctx.db.appointment.count({ where: { artistId: userId, status: "pending_deposit", end: { gt: new Date() } } }),
  ]);
  const names = await namesOf(ctx, [...appointments.map((a) => a.customerId), ...waiting.map((r) => r.customerId)]);
  const hours = (profile?.workingHours ?? {}) as Record<string, unknown[]>;
  const setup: SetupStep[] = [
    { id: "verify-email", label: "Verify your email address", done: Boolean(user.emailVerifiedAt), link: "/account" },
    {
      id: "profile",
      label: "Fill in your profile: name, location and working hours",
      done: Boolean(
        profile?.displayName &&
          profile.lat !== null &&
          profile.lng !== null &&
          Object.values(hours).some((d) => d.length),
      ),
      link: "/profile",
    },
    { id: "service", label: "Add a service customers can book", done: services > 0, link: "/profile" },
    { id: "channel", label: "Connect a channel to your inbox", done: accounts > 0, link: "/integrations" },
    { id: "calendar", label: "Connect a calendar", done: calendars > 0, link: "/integrations" },
    { id: "visible", label: "Show your profile on the map", done: Boolean(profile?.visible), link: "/profile" },
  ];
  return {
    role: "artist" as const,
    timeZone: zone,
    appointments: appointments.map((a) => ({
      id: a.id,
      start: a.start,
      end: a.end,
      status: a.status,
      customer: { id: a.customerId, name: nameIn(names, a.customerId) },
    })),
    requests: {
      waiting: waitingCount,
      oldest: waiting.map((r) => ({
        id: r.id,
        customer: { id: r.customerId, name: nameIn(names, r.customerId) },
        idea: r.idea,
        placement: r.placement,
        createdAt: r.createdAt,
      })),
    },
    unread: unread.map((u) => ({ channel: u.channel, conversations: u._count._all })),
    depositsPending,
    setup,
    setupComplete: setup.every((s) => s.done),
  };
}

export async function customerHome(ctx: AppContext, userId: string) {
  const [upcoming, open] = await Promise.all([
    ctx.db.appointment.findMany({
      where: { customerId: userId, status: { in: [...LIVE] }, end: { gt: new Date() } },
      orderBy: { start: "asc" },
      take: 20,
    }),
    ctx.db.bookingRequest.findMany({
      where: { customerId: userId, status: { in: ["pending", "offered"] } },
      orderBy: { createdAt: "desc" },
      take: 20,
    }),
  ]);
  const artistIds = [...upcoming.map((a) => a.artistId), ...open.map((r) => r.artistId)];
  const profiles = await ctx.db.artistProfile.findMany({
    where: { userId: { in: [...new Set(artistIds)] } },
    select: { userId: true, displayName: true },
  });
  const artist = (id: string) => ({
    id,
    name: profiles.find((p) => p.userId === id)?.displayName ?? "Deleted account",
  });
  return {
    role: "customer" as const,
    upcoming: upcoming.map((a) => ({
      id: a.id,
      start: a.start,
      end: a.end,
      timeZone: a.timeZone,
      status: a.status,
      artist: artist(a.artistId),
    })),
    requests: open.map((r) => ({
      id: r.id,
      status: r.status,
      idea: r.idea,
      createdAt: r.createdAt,
      artist: artist(r.artistId),
    })),
  };
}

export type ArtistHome = Awaited<ReturnType<typeof artistHome>>;
export type CustomerHome = Awaited<ReturnType<typeof customerHome>>;
