// The tattoo booking flow: request (idea, placement, size, references) → the artist offers
// slots or declines → the customer picks one → optional Stripe deposit, confirmed only by
// the verified webhook → confirmed. Cancel follows the artist's recorded policy; reschedules
// are in reschedule.ts.
import { createHash } from "node:crypto";
import type { z } from "zod";
import type { AppContext } from "../context.ts";
import { badRequest, conflict, forbidden, notFound } from "../http/errors.ts";
import { createDepositCheckout, refundDeposit, stripeClient } from "../payments/stripe.ts";
import { insertAppointment, SLOT_TAKEN } from "./appointments.ts";
import { isSlotFree } from "./availability.ts";
import { appointmentChanged } from "./events.ts";
import { kickNotifications, recordNotifications } from "../notifications/index.ts";
import type { StoredUpload } from "../inbox/uploads.ts";
import type { acceptBody, offerBody, requestBody } from "./schemas.ts";
import { assertBookableStart } from "./start-rules.ts";
import { assertSlotOpen } from "./slot-check.ts";
import { cancelDepositOutcome, noticeHoursBefore } from "./policy.ts";
import { announcePosted, postRequest } from "../threads/thread.ts";

/** A reference image already in the blob store (streamed there by inbox/uploads.ts). */
export type UploadedRef = StoredUpload;

/** Who and what a request is for: checked before any reference is stored (see the route). */
export async function checkRequestTarget(ctx: AppContext, customerId: string, input: z.output<typeof requestBody>) {
  if (input.artistId === customerId) throw badRequest("You cannot send a booking request to yourself.", "SELF_BOOKING");
  const artist = await ctx.db.artistProfile.findUnique({ where: { userId: input.artistId } });
  if (!artist) throw notFound("Artist not found.");
  if (!artist.bookingOpen)
    throw conflict(`${artist.displayName} is not taking booking requests right now.`, "BOOKING_CLOSED");
  if (
    input.serviceId &&
    !(await ctx.db.service.findFirst({ where: { id: input.serviceId, artistId: input.artistId, active: true } }))
  )
    throw badRequest("That service is not offered by this artist.", "UNKNOWN_SERVICE");
}

/** Stores a customer's booking request with its reference files and tells the artist. */
export async function createRequest(
  ctx: AppContext,
  customerId: string,
  input: z.output<typeof requestBody>,
  files: UploadedRef[],
) {
  await checkRequestTarget(ctx, customerId, input);
  const refs = files.map((f) => ({
    filename: f.filename,
    contentType: f.contentType,
    size: f.size,
    sha256: f.sha256,
    storageKey: f.storageKey,
  }));
  const { created: request, posted } = await ctx.db.$transaction(async (tx) => {
    const created = await tx.bookingRequest.create({
      data: {
        artistId: input.artistId,
        customerId,
        serviceId: input.serviceId,
        idea: input.idea,
        placement: input.placement,
        size: input.size,
        budget: input.budget,
        references: { create: refs },
      },
      include: { references: { select: { id: true, filename: true, contentType: true, size: true } } },
    });
    await recordNotifications(ctx, tx, { type: "request_received", requestId: created.id });
    // The request as the customer's message in their thread with the artist (the inbox), in this transaction.
    const posted = await postRequest(ctx, tx, created);
    return { created, posted };
  });
  kickNotifications(ctx);
  await announcePosted(ctx, posted, "inbound");
  await ctx.realtime.publish(input.artistId, { type: "booking.request", requestId: request.id }).catch(() => undefined);
  return request;
}

async function ownRequest(ctx: AppContext, id: string, by: { artistId?: string; customerId?: string }) {
  const r = await ctx.db.bookingRequest.findFirst({ where: { id, ...by }, include: { project: true } });
  if (!r) throw notFound("Booking request not found.");
  return r;
}

/** The artist offers free slots for a request with one of their active services. */
export async function offerSlots(
  ctx: AppContext,
  artistId: string,
  requestId: string,
  body: z.output<typeof offerBody>,
) {
  const r = await ownRequest(ctx, requestId, { artistId });
  if (!["pending", "offered"].includes(r.status))
    throw conflict(`This request is ${r.status}; it can no longer be offered slots.`, "REQUEST_CLOSED");
  const service = await ctx.db.service.findFirst({ where: { id: body.serviceId, artistId, active: true } });
  if (!service) throw badRequest("Pick one of your active services.", "UNKNOWN_SERVICE");
  for (const s of body.slots) assertBookableStart(ctx, s.start);
  const slots: { start: string; end: string }[] = [];
  for (const s of body.slots) {
    await assertSlotOpen(ctx, artistId, s.start, service.durationMinutes);
    slots.push({
      start: s.start.toISOString(),
      end: new Date(s.start.getTime() + service.durationMinutes * 60_000).toISOString(),
    });
  }
  const depositCents = body.depositCents ?? service.depositCents;
  await ctx.db.$transaction(async (tx) => {
    await tx.project.upsert({
      where: { requestId },
      create: {
        requestId,
        artistId,
        customerId: r.customerId,
        title: body.title ?? service.name,
        depositCents,
        currency: service.currency,
      },
      update: { title: body.title ?? service.name, depositCents, currency: service.currency },
    });
    await tx.bookingRequest.update({
      where: { id: requestId },
      data: { status: "offered", serviceId: service.id, offeredSlots: slots },
    });
    await recordNotifications(ctx, tx, { type: "times_offered", requestId });
  });
  kickNotifications(ctx);
  await ctx.realtime.publish(r.customerId, { type: "booking.offer", requestId }).catch(() => undefined);
  return { requestId, status: "offered", slots, depositCents, currency: service.currency };
}

/** The artist declines an open request; the customer is told. */
export async function declineRequest(ctx: AppContext, artistId: string, requestId: string, reason?: string) {
  const r = await ownRequest(ctx, requestId, { artistId });
  if (!["pending", "offered"].includes(r.status))
    throw conflict(`This request is ${r.status} already.`, "REQUEST_CLOSED");
  await ctx.db.$transaction(async (tx) => {
    await tx.bookingRequest.update({ where: { id: requestId }, data: { status: "declined", declineReason: reason } });
    await recordNotifications(ctx, tx, { type: "request_declined", requestId });
  });
  kickNotifications(ctx);
  await ctx.realtime.publish(r.customerId, { type: "booking.declined", requestId }).catch(() => undefined);
  return { requestId, status: "declined" };
}

/** The customer books one of the offered slots; the overlap constraint settles a race for it. */
export async function acceptSlot(
  ctx: AppContext,
  customer: { id: string; email: string },
  requestId: string,
  body: z.output<typeof acceptBody>,
) {
  const r = await ownRequest(ctx, requestId, { customerId: customer.id });
  if (r.status !== "offered" || !r.project || !r.serviceId)
    throw conflict("There is no open offer on this request.", "NO_OPEN_OFFER");
  const offered = (r.offeredSlots as { start: string; end: string }[] | null) ?? [];
  const slot = offered.find((s) => new Date(s.start).getTime() === body.start.getTime());
  if (!slot) throw badRequest("Pick one of the offered slots.", "SLOT_NOT_OFFERED");
  assertBookableStart(ctx, new Date(slot.start));
  const profile = await ctx.db.artistProfile.findUniqueOrThrow({ where: { userId: r.artistId } });
  const start = new Date(slot.start),
    end = new Date(slot.end);
  if (!(await isSlotFree(ctx, r.artistId, start, (end.getTime() - start.getTime()) / 60_000))) throw SLOT_TAKEN();
  const needsDeposit = r.project.depositCents > 0 && Boolean(stripeClient(ctx));
  const appointmentId = await ctx.db.$transaction(async (tx) => {
    const id = await insertAppointment(tx, {
      artistId: r.artistId,
      customerId: customer.id,
      projectId: r.project!.id,
      serviceId: r.serviceId!,
      start,
      end,
      bufferMinutes: profile.bufferMinutes,
      timeZone: profile.timeZone,
      status: needsDeposit ? "pending_deposit" : "confirmed",
    });
    await tx.bookingRequest.update({ where: { id: requestId }, data: { status: "booked" } });
    await tx.project.update({
      where: { id: r.project!.id },
      data: { depositAppointmentId: id, ...(needsDeposit ? { depositStatus: "pending" } : {}) },
    });
    // With a deposit, the booking is confirmed (and announced) by Stripe's webhook instead.
    if (!needsDeposit) await recordNotifications(ctx, tx, { type: "booking_confirmed", appointmentId: id });
    return id;
  });
  kickNotifications(ctx);
  let checkoutUrl: string | undefined;
  if (needsDeposit) {
    const checkout = await createDepositCheckout(ctx, {
      projectId: r.project.id,
      appointmentId,
      amountCents: r.project.depositCents,
      currency: r.project.currency,
      title: r.project.title,
      customerEmail: customer.email,
    });
    checkoutUrl = checkout.url;
  }
  await appointmentChanged(ctx, appointmentId, needsDeposit ? "created" : "confirmed");
  return {
    appointmentId,
    status: needsDeposit ? "pending_deposit" : "confirmed",
    start,
    end,
    ...(checkoutUrl ? { checkoutUrl } : {}),
  };
}

/** The appointment if the user is its artist or customer and it is not cancelled, completed or a no-show; 404/409 otherwise. */
export async function liveAppointment(ctx: AppContext, id: string, userId: string) {
  const a = await ctx.db.appointment.findFirst({
    where: { id, OR: [{ artistId: userId }, { customerId: userId }] },
    include: { project: true },
  });
  if (!a) throw notFound("Appointment not found.");
  if (a.status === "cancelled" || a.status === "completed" || a.status === "no_show")
    throw conflict(
      `This appointment is ${a.status === "no_show" ? "marked as a no-show" : a.status}.`,
      "APPOINTMENT_CLOSED",
    );
  return a;
}

/** The policy: the artist cancelling refunds the deposit; the customer cancelling with less
 *  notice than the artist's cancelNoticeHours forfeits it. Notice counts before the earlier of
 *  the current start and policyStart (the start as paid for, before any move of the customer's),
 *  so moving an appointment away first buys no refund. The outcome is recorded either way. */
export async function cancel(ctx: AppContext, userId: string, id: string, reason?: string) {
  const a = await liveAppointment(ctx, id, userId);
  const byArtist = userId === a.artistId;
  const profile = await ctx.db.artistProfile.findUniqueOrThrow({ where: { userId: a.artistId } });
  const noticeHours = noticeHoursBefore(a);
  const depositHere = a.project?.depositStatus === "paid" && a.project.depositAppointmentId === a.id;
  const depositOutcome = cancelDepositOutcome({
    byArtist,
    depositHere,
    noticeHours,
    cancelNoticeHours: profile.cancelNoticeHours,
  });
  await ctx.db.$transaction(async (tx) => {
    await tx.appointment.update({
      where: { id: a.id },
      data: {
        status: "cancelled",
        cancelledBy: byArtist ? "artist" : "customer",
        cancelReason: reason,
        depositOutcome,
        requestedStart: null,
        requestedAt: null,
      },
    });
    await recordNotifications(ctx, tx, { type: "cancelled", appointmentId: a.id });
  });
  kickNotifications(ctx);
  if (depositHere && a.project) {
    if (depositOutcome === "refunded") {
      const payment = await ctx.db.payment.findFirst({ where: { projectId: a.project.id, status: "paid" } });
      if (payment?.stripePaymentIntentId)
        await refundDeposit(ctx, payment.stripePaymentIntentId, reason ?? "appointment cancelled");
      if (payment) await ctx.db.payment.update({ where: { id: payment.id }, data: { status: "refunded" } });
    }
    await ctx.db.project.update({
      where: { id: a.project.id },
      data: { depositStatus: depositOutcome === "refunded" ? "refunded" : "kept" },
    });
  }
  await appointmentChanged(ctx, a.id, "cancelled");
  return {
    appointmentId: a.id,
    status: "cancelled",
    cancelledBy: byArtist ? "artist" : "customer",
    depositOutcome,
    policy: {
      cancelNoticeHours: profile.cancelNoticeHours,
      noticeGivenHours: Math.max(0, Math.round(noticeHours * 10) / 10),
    },
  };
}

/** Throws a 403 unless the user is an artist. */
export function assertArtist(user: { role: string }) {
  if (user.role !== "artist") throw forbidden("Only artist accounts can do this.", "ARTIST_ONLY");
}
