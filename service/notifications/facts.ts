// The facts a notification states, read inside the transaction that changes the booking and
// stored with the outbox row: the message says what was true at the event, however late it
// is sent and whatever happens to the booking afterwards.
import type { Prisma } from "../db/client.ts";
import { studioLocation } from "./studio.ts";

type Tx = Prisma.TransactionClient;

/** Someone who deleted their account since: named so, and never a recipient (record.ts). */
const GONE = "a former Tatu user";

/** The parties and the artist's profile; tolerant of a deleted account on either side (a
 *  booking change must never fail because the other party left). */
async function parties(tx: Tx, artistId: string, customerId: string) {
  const [artist, customer, profile] = await Promise.all([
    tx.user.findUnique({ where: { id: artistId }, select: { id: true, name: true } }),
    tx.user.findUnique({ where: { id: customerId }, select: { id: true, name: true } }),
    tx.artistProfile.findUnique({ where: { userId: artistId } }),
  ]);
  const artistName = artist?.name ?? GONE;
  return {
    artist: { id: artistId, name: artistName, displayName: profile?.displayName ?? artistName },
    customer: { id: customerId, name: customer?.name ?? GONE },
    profile: profile ?? {
      displayName: artistName,
      studio: null,
      city: null,
      country: null,
      timeZone: "UTC",
      cancelNoticeHours: 48,
    },
  };
}

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
  /** The time a customer asked to move to (reschedule_requested / _declined). */
  requestedStart?: string;
  payment?: { id: string; cents: number; currency: string; paidAt: string };
}

export async function requestFacts(tx: Tx, requestId: string): Promise<RequestFacts> {
  const r = await tx.bookingRequest.findUniqueOrThrow({
    where: { id: requestId },
    include: { references: true, project: true },
  });
  const { artist, customer, profile } = await parties(tx, r.artistId, r.customerId);
  return {
    requestId: r.id,
    artist,
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
  const { artist, customer, profile } = await parties(tx, a.artistId, a.customerId);
  const p = a.project;
  // The deposit belongs to this appointment only when it is the one the deposit is credited to.
  const deposit =
    p && p.depositCents > 0 && p.depositAppointmentId === a.id
      ? { cents: p.depositCents, currency: p.currency, status: p.depositStatus }
      : null;
  return {
    appointmentId: a.id,
    artist,
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

/** An artist's message in their Tatu thread with a customer (the "message from your artist" mail). */
export interface MessageFacts {
  messageId: string;
  conversationId: string;
  artist: Person & { displayName: string };
  customer: Person;
  text: string;
  /** The customer's latest request with this artist: where the mail links to. */
  requestId: string | null;
}

export async function messageFacts(tx: Tx, messageId: string): Promise<MessageFacts> {
  const m = await tx.message.findUniqueOrThrow({
    where: { id: messageId },
    select: { id: true, text: true, conversationId: true, userId: true, conversation: { select: { threadKey: true } } },
  });
  const customerId = m.conversation.threadKey.replace(/^customer:/, "");
  const { artist, customer } = await parties(tx, m.userId, customerId);
  const latest = await tx.bookingRequest.findFirst({
    where: { artistId: m.userId, customerId },
    orderBy: { createdAt: "desc" },
    select: { id: true },
  });
  return {
    messageId: m.id,
    conversationId: m.conversationId,
    artist,
    customer,
    text: m.text,
    requestId: latest?.id ?? null,
  };
}
