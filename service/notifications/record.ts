// Recording a booking event's notifications: called inside the transaction that makes the
// change, so the change and its notifications commit together or not at all. The unique
// (eventKey, recipientId, channel) makes a replayed event (a Stripe webhook delivered twice,
// a retried job) add nothing. Sending is the drain's job (drain.ts), after the commit.
import { createHash } from "node:crypto";
import type { AppContext } from "../context.ts";
import type { Prisma } from "../db/client.ts";
import {
  appointmentFacts,
  messageFacts,
  requestFacts,
  type AppointmentFacts,
  type MessageFacts,
  type RequestFacts,
} from "./facts.ts";
import { defaultChoice, kindInfo, type Channel, type NotificationKind } from "./kinds.ts";
import { smsConfigured } from "./sms.ts";

type Tx = Prisma.TransactionClient;

export type BookingEvent =
  | { type: "request_received"; requestId: string }
  | { type: "times_offered"; requestId: string }
  | { type: "request_declined"; requestId: string }
  | { type: "booking_confirmed"; appointmentId: string }
  | { type: "rescheduled"; appointmentId: string; previousStart: Date }
  | { type: "cancelled"; appointmentId: string }
  | { type: "deposit_paid"; appointmentId: string; paymentId: string }
  | { type: "reschedule_requested"; appointmentId: string; requestedStart: Date; requestedAt: Date }
  | { type: "reschedule_declined"; appointmentId: string; requestedStart: Date; requestedAt: Date }
  | { type: "no_show"; appointmentId: string }
  | { type: "artist_message"; messageId: string };

export interface NotificationPayload {
  request?: RequestFacts;
  appointment?: AppointmentFacts;
  message?: MessageFacts;
}

interface Planned {
  eventKey: string;
  payload: NotificationPayload;
  sends: { kind: NotificationKind; recipientId: string }[];
}

const digest = (v: unknown) => createHash("sha256").update(JSON.stringify(v)).digest("hex").slice(0, 16);

async function plan(tx: Tx, e: BookingEvent): Promise<Planned> {
  switch (e.type) {
    case "request_received": {
      const request = await requestFacts(tx, e.requestId);
      return {
        eventKey: `request_received:${e.requestId}`,
        payload: { request },
        sends: [
          { kind: "request_received", recipientId: request.artist.id },
          { kind: "request_acknowledged", recipientId: request.customer.id },
        ],
      };
    }
    case "times_offered": {
      const request = await requestFacts(tx, e.requestId);
      // A new set of times is a new offer; the same set again is the same event.
      return {
        eventKey: `times_offered:${e.requestId}:${digest(request.slots)}`,
        payload: { request },
        sends: [{ kind: "times_offered", recipientId: request.customer.id }],
      };
    }
    case "request_declined": {
      const request = await requestFacts(tx, e.requestId);
      return {
        eventKey: `request_declined:${e.requestId}`,
        payload: { request },
        sends: [{ kind: "request_declined", recipientId: request.customer.id }],
      };
    }
    case "booking_confirmed": {
      const appointment = await appointmentFacts(tx, e.appointmentId);
      return {
        eventKey: `booking_confirmed:${e.appointmentId}`,
        payload: { appointment },
        sends: [
          { kind: "booking_confirmed", recipientId: appointment.customer.id },
          { kind: "booking_confirmed", recipientId: appointment.artist.id },
        ],
      };
    }
    case "rescheduled": {
      const appointment = {
        ...(await appointmentFacts(tx, e.appointmentId)),
        previousStart: e.previousStart.toISOString(),
      };
      // Each move is its own event (moving back and forth is several): keyed by the move's write.
      const { updatedAt } = await tx.appointment.findUniqueOrThrow({
        where: { id: e.appointmentId },
        select: { updatedAt: true },
      });
      return {
        eventKey: `rescheduled:${e.appointmentId}:${updatedAt.getTime()}`,
        payload: { appointment },
        sends: [
          { kind: "rescheduled", recipientId: appointment.customer.id },
          { kind: "rescheduled", recipientId: appointment.artist.id },
        ],
      };
    }
    case "cancelled": {
      const appointment = await appointmentFacts(tx, e.appointmentId);
      return {
        eventKey: `cancelled:${e.appointmentId}`,
        payload: { appointment },
        sends: [
          { kind: "cancelled", recipientId: appointment.customer.id },
          { kind: "cancelled", recipientId: appointment.artist.id },
        ],
      };
    }
    case "reschedule_requested":
    case "reschedule_declined": {
      const appointment = {
        ...(await appointmentFacts(tx, e.appointmentId)),
        requestedStart: e.requestedStart.toISOString(),
      };
      // One event per request (a newer request is a new one), answered once.
      const to = e.type === "reschedule_requested" ? appointment.artist.id : appointment.customer.id;
      return {
        eventKey: `${e.type}:${e.appointmentId}:${e.requestedAt.getTime()}`,
        payload: { appointment },
        sends: [{ kind: e.type, recipientId: to }],
      };
    }
    case "no_show": {
      const appointment = await appointmentFacts(tx, e.appointmentId);
      return {
        eventKey: `no_show:${e.appointmentId}`,
        payload: { appointment },
        sends: [{ kind: "no_show", recipientId: appointment.customer.id }],
      };
    }
    case "deposit_paid": {
      const appointment = await appointmentFacts(tx, e.appointmentId);
      const p = await tx.payment.findUniqueOrThrow({ where: { id: e.paymentId } });
      appointment.payment = { id: p.id, cents: p.amountCents, currency: p.currency, paidAt: p.updatedAt.toISOString() };
      return {
        eventKey: `deposit_receipt:${e.paymentId}`,
        payload: { appointment },
        sends: [{ kind: "deposit_receipt", recipientId: appointment.customer.id }],
      };
    }
    case "artist_message": {
      const message = await messageFacts(tx, e.messageId);
      return {
        eventKey: `artist_message:${e.messageId}`,
        payload: { message },
        sends: [{ kind: "artist_message", recipientId: message.customer.id }],
      };
    }
  }
}

/** The channels this person gets this kind on: their choice (or the default), SMS only with a
 *  phone and a sending number; a transactional kind falls back to email rather than nothing. */
export async function channelsFor(ctx: AppContext, tx: Tx, userId: string, kind: NotificationKind): Promise<Channel[]> {
  const [pref, user] = await Promise.all([
    tx.notificationPreference.findUnique({ where: { userId_kind: { userId, kind } } }),
    tx.user.findUnique({ where: { id: userId }, select: { phone: true } }),
  ]);
  if (!user) return []; // the account was deleted: nobody to tell
  const choice = pref ?? defaultChoice;
  const out: Channel[] = [];
  if (choice.email) out.push("email");
  if (choice.sms && user.phone && smsConfigured(ctx)) out.push("sms");
  if (!out.length && kindInfo[kind].transactional) out.push("email");
  return out;
}

/** Writes the event's outbox rows in `tx` (the caller's transaction). Returns how many are new. */
export async function recordNotifications(ctx: AppContext, tx: Tx, event: BookingEvent): Promise<number> {
  const p = await plan(tx, event);
  // Without Stripe no deposit is asked for at accept (workflow.ts): the offer must not promise one.
  if (p.payload.request && !ctx.config.env.STRIPE_SECRET_KEY) p.payload.request.deposit = null;
  const rows: Prisma.NotificationOutboxCreateManyInput[] = [];
  for (const s of p.sends)
    for (const channel of await channelsFor(ctx, tx, s.recipientId, s.kind))
      rows.push({
        eventKey: p.eventKey,
        kind: s.kind,
        recipientId: s.recipientId,
        channel,
        payload: p.payload as Prisma.InputJsonValue,
      });
  if (!rows.length) return 0;
  const r = await tx.notificationOutbox.createMany({ data: rows, skipDuplicates: true });
  return r.count;
}
