// The facts a notification states, read inside the transaction that changes the booking and
// stored with the outbox row: the message says what was true at the event, however late it
// is sent and whatever happens to the booking afterwards.
import type { Prisma } from "../db/client.ts";
import { studioLocation } from "./studio.ts";

type Tx = Prisma.TransactionClient;

export interface Person {
  id: string;
  name: string;
}

export interface ReferenceFacts {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  storageKey: string;
}

export interface RequestFacts {
  requestId: string;
  artist: Person & { displayName: string };
  customer: Person;
  idea: string;
  placement: string;
  size: string;
  budget: string | null;
  references: ReferenceFacts[];
  slots: { start: string; end: string }[];
  declineReason: string | null;
  deposit: { cents: number; currency: string } | null;
  timeZone: string;
  cancelNoticeHours: number;
}

export interface AppointmentFacts {
  appointmentId: string;
  artist: Person & { displayName: string };
  customer: Person;
  title: string;
  start: string;
  end: string;
  timeZone: string;
  studio: { name?: string; address?: string };
  deposit: { cents: number; currency: string; status: string } | null;
  cancelNoticeHours: number;
  cancelledBy: string | null;
  cancelReason: string | null;
  depositOutcome: string | null;
  previousStart?: string;
  payment?: { id: string; cents: number; currency: string; paidAt: string };
}

export async function requestFacts(tx: Tx, requestId: string): Promise<RequestFacts> {
  const r = await tx.bookingRequest.findUniqueOrThrow({
    where: { id: requestId },
    include: { references: true, project: true },
  });
  const [artist, customer, profile] = await Promise.all([
    tx.user.findUniqueOrThrow({ where: { id: r.artistId }, select: { id: true, name: true } }),
    tx.user.findUniqueOrThrow({ where: { id: r.customerId }, select: { id: true, name: true } }),
    tx.artistProfile.findUniqueOrThrow({ where: { userId: r.artistId } }),
  ]);
  return {
    requestId: r.id,
    artist: { ...artist, displayName: profile.displayName },
    customer,
    idea: r.idea,
    placement: r.placement,
    size: r.size,
    budget: r.budget,
    references: r.references.map((f) => ({
      id: f.id,
      filename: f.filename,
      contentType: f.contentType,
      size: f.size,
      storageKey: f.storageKey,
    })),
    slots: (r.offeredSlots as { start: string; end: string }[] | null) ?? [],
    declineReason: r.declineReason,
    deposit:
      r.project && r.project.depositCents > 0 ? { cents: r.project.depositCents, currency: r.project.currency } : null,
    timeZone: profile.timeZone,
    cancelNoticeHours: profile.cancelNoticeHours,
  };
}

export async function appointmentFacts(tx: Tx, appointmentId: string): Promise<AppointmentFacts> {
  const a = await tx.appointment.findUniqueOrThrow({ where: { id: appointmentId }, include: { project: true } });
  const [artist, customer, profile] = await Promise.all([
    tx.user.findUniqueOrThrow({ where: { id: a.artistId }, select: { id: true, name: true } }),
    tx.user.findUniqueOrThrow({ where: { id: a.customerId }, select: { id: true, name: true } }),
    tx.artistProfile.findUniqueOrThrow({ where: { userId: a.artistId } }),
  ]);
  const p = a.project;
  // The deposit belongs to this appointment only when it is the one the deposit is credited to.
  const deposit =
    p && p.depositCents > 0 && p.depositAppointmentId === a.id
      ? { cents: p.depositCents, currency: p.currency, status: p.depositStatus }
      : null;
  return {
    appointmentId: a.id,
    artist: { ...artist, displayName: profile.displayName },
    customer,
    title: p?.title ?? "Tattoo appointment",
    start: a.start.toISOString(),
    end: a.end.toISOString(),
    timeZone: a.timeZone,
    studio: studioLocation(profile),
    deposit,
    cancelNoticeHours: profile.cancelNoticeHours,
    cancelledBy: a.cancelledBy,
    cancelReason: a.cancelReason,
    depositOutcome: a.depositOutcome,
  };
}
