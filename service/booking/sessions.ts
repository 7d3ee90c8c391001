// Multi-session projects: the artist adds the next session of a booked piece (inside the working
// hours and free, like an offered time) and picks which session the project's one deposit is
// credited to. The deposit moves only while it is still the customer's money on the table: paid
// (or none at all), not yet kept or refunded, and not already spent on a completed session.
import type { z } from "zod";
import type { AppContext } from "../context.ts";
import { badRequest, conflict, notFound } from "../http/errors.ts";
import { kickNotifications, recordNotifications } from "../notifications/index.ts";
import { insertAppointment } from "./appointments.ts";
import { appointmentChanged } from "./events.ts";
import type { depositSessionBody, projectSessionBody } from "./schemas.ts";
import { assertSlotOpen } from "./slot-check.ts";
import { assertBookableStart } from "./start-rules.ts";

type ProjectRow = NonNullable<Awaited<ReturnType<typeof ownProject>>>;

async function ownProject(ctx: AppContext, artistId: string, projectId: string) {
  const project = await ctx.db.project.findFirst({
    where: { id: projectId, artistId },
    include: {
      request: { select: { status: true, serviceId: true } },
      appointments: { select: { id: true, status: true, start: true, serviceId: true }, orderBy: { start: "asc" } },
    },
  });
  if (!project) throw notFound("Project not found.");
  return project;
}

/** 409 unless the project's deposit may be credited to another session now. */
function assertDepositMovable(project: ProjectRow): void {
  if (project.depositStatus === "kept" || project.depositStatus === "refunded")
    throw conflict(
      `The deposit was already ${project.depositStatus}; it can no longer move to another session.`,
      "DEPOSIT_SETTLED",
    );
  if (project.depositStatus === "pending")
    throw conflict(
      "The deposit is not paid yet; once it is, you can choose the session it applies to.",
      "DEPOSIT_PENDING",
    );
  const holder = project.appointments.find((a) => a.id === project.depositAppointmentId);
  if (holder?.status === "completed")
    throw conflict(
      "The deposit was credited to a session that is completed; it stays with that session.",
      "DEPOSIT_USED",
    );
}

/** The artist adds another session to a project the customer has booked (POST /api/bookings/appointments
 *  with the project in the body, or POST /api/bookings/projects/:id/sessions). */
export async function addSession(
  ctx: AppContext,
  artistId: string,
  projectId: string,
  body: z.output<typeof projectSessionBody>,
) {
  const project = await ownProject(ctx, artistId, projectId);
  // More sessions only for a piece the customer booked (accepted a slot), not a pending offer or a declined request.
  if (project.request.status !== "booked")
    throw conflict(
      "The customer has not booked this project yet; sessions can be added once they accept a slot.",
      "PROJECT_NOT_BOOKED",
    );
  // Without a service named: the one the piece was booked with (else the latest session's).
  const serviceId =
    body.serviceId ?? project.request.serviceId ?? project.appointments.findLast((a) => a.serviceId)?.serviceId;
  const service = serviceId ? await ctx.db.service.findFirst({ where: { id: serviceId, artistId } }) : null;
  if (!service)
    throw badRequest("Pick one of your services.", "UNKNOWN_SERVICE", {
      fields: { serviceId: "Pick one of your services." },
    });
  if (body.applyDeposit) assertDepositMovable(project);
  assertBookableStart(ctx, body.start);
  await assertSlotOpen(ctx, artistId, body.start, service.durationMinutes);
  const profile = await ctx.db.artistProfile.findUniqueOrThrow({ where: { userId: artistId } });
  const end = new Date(body.start.getTime() + service.durationMinutes * 60_000);
  const id = await ctx.db.$transaction(async (tx) => {
    const id = await insertAppointment(tx, {
      artistId,
      customerId: project.customerId,
      projectId: project.id,
      serviceId: service.id,
      start: body.start,
      end,
      bufferMinutes: profile.bufferMinutes,
      timeZone: profile.timeZone,
      status: "confirmed",
    });
    if (body.applyDeposit) await tx.project.update({ where: { id: project.id }, data: { depositAppointmentId: id } });
    await recordNotifications(ctx, tx, { type: "booking_confirmed", appointmentId: id });
    return id;
  });
  kickNotifications(ctx);
  await appointmentChanged(ctx, id, "confirmed");
  return { appointmentId: id, projectId: project.id, status: "confirmed", start: body.start, end };
}

/** The artist credits the project's deposit to one of its sessions (not a cancelled one or a no-show). */
export async function chooseDepositSession(
  ctx: AppContext,
  artistId: string,
  projectId: string,
  body: z.output<typeof depositSessionBody>,
) {
  const project = await ownProject(ctx, artistId, projectId);
  const target = project.appointments.find((a) => a.id === body.appointmentId);
  if (!target)
    throw badRequest("Pick a session of this project.", "VALIDATION_FAILED", {
      fields: { appointmentId: "Pick a session of this project." },
    });
  if (target.status === "cancelled" || target.status === "no_show")
    throw conflict(
      target.status === "cancelled"
        ? "A cancelled session cannot hold the deposit; pick a session that is still on."
        : "A session the customer did not come to cannot hold the deposit; pick a session that is still on.",
      "SESSION_CLOSED",
    );
  if (project.depositAppointmentId !== target.id) {
    assertDepositMovable(project);
    await ctx.db.project.update({ where: { id: project.id }, data: { depositAppointmentId: target.id } });
  }
  return {
    projectId: project.id,
    depositAppointmentId: target.id,
    depositCents: project.depositCents,
    currency: project.currency,
    depositStatus: project.depositStatus,
  };
}
