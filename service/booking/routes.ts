// /api/bookings — booking requests, offers, appointments; and the public availability of an
// artist at /api/artists/:id/availability. Everything is scoped to the two parties.
import { withParties } from "./parties.ts";
import { resumeCheckout } from "./resume-checkout.ts";
import { Router, type Request } from "express";
import { z } from "zod";
import type { AppContext } from "../context.ts";
import { badRequest, fieldErrors, HttpError, notFound } from "../http/errors.ts";
import { requireUser } from "../http/auth-middleware.ts";
import { parse, requireJsonBody } from "../http/validate.ts";
import { beforeBody, streamUploads, uploadedFiles, withStoredUploads } from "../inbox/uploads.ts";
import { publicDirectoryLimit } from "../artists/rate-limit.ts";
import { availability } from "./availability.ts";
import {
  acceptBody,
  availabilityQuery,
  cancelBody,
  declineBody,
  depositSessionBody,
  offerBody,
  projectSessionBody,
  requestBody,
  rescheduleBody,
  sessionBody,
  weekQuery,
} from "./schemas.ts";
import { approveReschedule, declineReschedule, reschedule } from "./reschedule.ts";
import {
  acceptSlot,
  assertArtist,
  cancel,
  checkRequestTarget,
  createRequest,
  declineRequest,
  offerSlots,
} from "./workflow.ts";
import { withRequestPolicy, withStudio } from "./views.ts";
import { weekView } from "./week.ts";
import { withDetail } from "./detail.ts";
import { recordOutcome } from "./outcomes.ts";
import { addSession, chooseDepositSession } from "./sessions.ts";

const isUuid = (v: string) => z.uuid().safeParse(v).success;
const id = (v: unknown) => {
  const s = String(v);
  if (!isUuid(s)) throw notFound("Not found.");
  return s;
};

/** Booking API: requests with reference uploads, offers, appointments (book, reschedule, cancel) and availability. */
export function bookingRoutes(ctx: AppContext): Router {
  const r = Router();
  r.use(requireUser);
  // Before the body: the media type and the per-user request limit (RATE_LIMIT_BOOKING_REQUESTS).
  const beforeRequestBody = beforeBody(async (req) => {
    if (!req.is("application/json") && !req.is("multipart/form-data"))
      throw new HttpError(
        415,
        "UNSUPPORTED_MEDIA_TYPE",
        "Send the request as application/json or multipart/form-data.",
      );
    await ctx.limits.bookingRequests.hit(
      req.user!.id,
      "You sent many booking requests in a short time. Wait for the artists to answer, or try again later.",
    );
  });
  // Before the first reference is stored: the text fields sent ahead of the files, and the artist.
  const beforeFirstReference = async (req: Request) => {
    const input = requestBody.safeParse(req.body);
    if (!input.success)
      throw badRequest("Some fields need attention (send the text fields before the files).", "VALIDATION_FAILED", {
        fields: fieldErrors(input.error),
      });
    await checkRequestTarget(ctx, req.user!.id, input.data);
  };
  r.post(
    "/requests",
    beforeRequestBody,
    streamUploads(ctx, { beforeFirstFile: beforeFirstReference }),
    async (req, res) => {
      const files = uploadedFiles(req.files);
      const created = await withStoredUploads(ctx, req.user!.id, files, () =>
        createRequest(ctx, req.user!.id, parse(requestBody, req.body), files),
      );
      res.status(201).json(created);
    },
  );

  r.get("/requests", async (req, res) => {
    const as = req.query.as === "artist" ? "artist" : "customer";
    const items = await ctx.db.bookingRequest.findMany({
      where: as === "artist" ? { artistId: req.user!.id } : { customerId: req.user!.id },
      orderBy: { createdAt: "desc" },
      take: 100,
      include: {
        references: { select: { id: true, filename: true, contentType: true, size: true } },
        project: { select: { id: true, depositCents: true, currency: true, depositStatus: true } },
      },
    });
    res.json({ items: await withParties(ctx, req.user!.id, await withRequestPolicy(ctx, items)) });
  });

  r.get("/requests/:id", async (req, res) => {
    const found = await ctx.db.bookingRequest.findFirst({
      where: { id: id(req.params.id), OR: [{ artistId: req.user!.id }, { customerId: req.user!.id }] },
      include: {
        references: { select: { id: true, filename: true, contentType: true, size: true } },
        project: { include: { appointments: true } },
      },
    });
    if (!found) throw notFound("Booking request not found.");
    res.json((await withParties(ctx, req.user!.id, await withRequestPolicy(ctx, [found])))[0]);
  });

  r.get("/requests/:id/references/:refId", async (req, res) => {
    const ref = await ctx.db.bookingReference.findFirst({
      where: {
        id: id(req.params.refId),
        request: { id: id(req.params.id), OR: [{ artistId: req.user!.id }, { customerId: req.user!.id }] },
      },
    });
    const stream = ref ? await ctx.storage.get(ref.storageKey) : undefined;
    if (!ref || !stream) throw notFound("Reference not found.");
    res.set({
      "Content-Type": ref.contentType,
      "Content-Length": String(ref.size),
      "Content-Security-Policy": "default-src 'none'; sandbox",
      "Cache-Control": "private, max-age=3600",
    });
    stream.pipe(res);
  });

  r.post("/requests/:id/offer", requireJsonBody, async (req, res) => {
    assertArtist(req.user!);
    res.json(await offerSlots(ctx, req.user!.id, id(req.params.id), parse(offerBody, req.body)));
  });
  r.post("/requests/:id/decline", requireJsonBody, async (req, res) => {
    assertArtist(req.user!);
    res.json(await declineRequest(ctx, req.user!.id, id(req.params.id), parse(declineBody, req.body ?? {}).reason));
  });
  r.post("/requests/:id/accept", requireJsonBody, async (req, res) => {
    res.status(201).json(await acceptSlot(ctx, req.user!, id(req.params.id), parse(acceptBody, req.body)));
  });

  r.get("/appointments", async (req, res) => {
    const q = parse(
      z.object({
        from: z.iso.datetime({ offset: true }).optional(),
        to: z.iso.datetime({ offset: true }).optional(),
        rescheduleRequested: z.enum(["true"]).optional(),
      }),
      req.query,
    );
    const items = await ctx.db.appointment.findMany({
      where: {
        OR: [{ artistId: req.user!.id }, { customerId: req.user!.id }],
        ...(q.from ? { end: { gt: new Date(q.from) } } : {}),
        ...(q.to ? { start: { lt: new Date(q.to) } } : {}),
        // Reschedule requests waiting for an answer, whatever week they fall in.
        ...(q.rescheduleRequested
          ? { requestedStart: { not: null }, status: { in: ["pending_deposit", "confirmed"] } }
          : {}),
      },
      orderBy: { start: "asc" },
      take: 500,
      include: {
        project: { select: { depositCents: true, currency: true, depositStatus: true, depositAppointmentId: true } },
      },
    });
    res.json({ items: await withParties(ctx, req.user!.id, await withStudio(ctx, items)) });
  });
  // The artist's week in the studio's zone: days (closed or with their hours) and appointments.
  r.get("/week", async (req, res) => {
    assertArtist(req.user!);
    res.json(await weekView(ctx, req.user!.id, parse(weekQuery, req.query).start));
  });
  r.post("/appointments", requireJsonBody, async (req, res) => {
    assertArtist(req.user!);
    const body = parse(sessionBody, req.body);
    res.status(201).json(await addSession(ctx, req.user!.id, body.projectId, body));
  });
  r.get("/appointments/:id", async (req, res) => {
    const a = await ctx.db.appointment.findFirst({
      where: { id: id(req.params.id), OR: [{ artistId: req.user!.id }, { customerId: req.user!.id }] },
      include: { project: true },
    });
    if (!a) throw notFound("Appointment not found.");
    res.json(
      await withDetail(ctx, req.user!.id, (await withParties(ctx, req.user!.id, await withStudio(ctx, [a])))[0]!),
    );
  });
  r.post("/appointments/:id/reschedule", requireJsonBody, async (req, res) => {
    const answer = await reschedule(ctx, req.user!.id, id(req.params.id), parse(rescheduleBody, req.body).start);
    res.status(answer.httpStatus).json(answer.body);
  });
  // The artist's answer to a customer's reschedule request (made inside the notice window).
  r.post("/appointments/:id/reschedule/approve", requireJsonBody, async (req, res) => {
    res.json(await approveReschedule(ctx, req.user!.id, id(req.params.id)));
  });
  r.post("/appointments/:id/reschedule/decline", requireJsonBody, async (req, res) => {
    res.json(await declineReschedule(ctx, req.user!.id, id(req.params.id)));
  });
  // The customer's way back to an unpaid deposit's checkout (409 with the reason when it is gone).
  r.post("/appointments/:id/checkout", async (req, res) => {
    res.json(await resumeCheckout(ctx, req.user!.id, id(req.params.id)));
  });
  r.post("/appointments/:id/cancel", requireJsonBody, async (req, res) => {
    res.json(await cancel(ctx, req.user!.id, id(req.params.id), parse(cancelBody, req.body ?? {}).reason));
  });
  // What became of it, once started: the appointment's artist only (outcomes.ts).
  r.post("/appointments/:id/complete", requireJsonBody, async (req, res) => {
    assertArtist(req.user!);
    res.json(await recordOutcome(ctx, req.user!.id, id(req.params.id), "completed"));
  });
  r.post("/appointments/:id/no-show", requireJsonBody, async (req, res) => {
    assertArtist(req.user!);
    res.json(await recordOutcome(ctx, req.user!.id, id(req.params.id), "no_show"));
  });
  // Multi-session projects: the next session, and which session the deposit is credited to (sessions.ts).
  r.post("/projects/:id/sessions", requireJsonBody, async (req, res) => {
    assertArtist(req.user!);
    res.status(201).json(await addSession(ctx, req.user!.id, id(req.params.id), parse(projectSessionBody, req.body)));
  });
  r.put("/projects/:id/deposit-session", requireJsonBody, async (req, res) => {
    assertArtist(req.user!);
    res.json(await chooseDepositSession(ctx, req.user!.id, id(req.params.id), parse(depositSessionBody, req.body)));
  });
  return r;
}

/** Public: free slots of an artist (free/busy only, never what the busy time is). */
export function availabilityRoutes(ctx: AppContext): Router {
  const r = Router();
  // Same budget, same key space as GET /api/artists: it is the same public directory.
  r.get("/:id/availability", publicDirectoryLimit(ctx), async (req, res) => {
    const artistId = id(req.params.id);
    const q = parse(availabilityQuery, req.query);
    const from = q.from ?? new Date();
    const to = q.to ?? new Date(from.getTime() + 14 * 86_400_000);
    if (to <= from) throw new HttpError(400, "VALIDATION_FAILED", "to must be after from.");
    if (to.getTime() - from.getTime() > 62 * 86_400_000)
      throw new HttpError(400, "VALIDATION_FAILED", "Ask for at most 62 days at once.");
    let duration = q.durationMinutes ?? 60;
    if (q.serviceId) {
      const service = await ctx.db.service.findFirst({ where: { id: q.serviceId, artistId, active: true } });
      if (!service) throw notFound("Service not found.");
      duration = service.durationMinutes;
    }
    const visible = await ctx.db.artistProfile.findFirst({
      where: { userId: artistId, visible: true, user: { emailVerifiedAt: { not: null } } },
      select: { userId: true },
    });
    const result = visible ? await availability(ctx, artistId, { from, to, durationMinutes: duration }) : undefined;
    if (!result) throw notFound("Artist not found.");
    res.json({ artistId, durationMinutes: duration, ...result });
  });
  return r;
}
