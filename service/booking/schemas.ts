import { z } from "zod";

const instant = z.iso
  .datetime({ offset: true, message: "must be an ISO date-time with a zone, e.g. 2026-12-01T10:00:00Z" })
  .transform((v) => new Date(v));

export const requestBody = z.object({
  artistId: z.uuid("must be an artist id"),
  serviceId: z.uuid().optional(),
  idea: z.string().trim().min(3, "Describe your idea in a few words.").max(5_000),
  placement: z.string().trim().min(2, "Where on the body?").max(200),
  size: z.string().trim().min(1, "Roughly how big (e.g. 10 cm, palm-sized)?").max(100),
  budget: z.string().trim().max(100).optional(),
});

export const offerBody = z.object({
  slots: z
    .array(z.object({ start: instant }))
    .min(1, "Offer at least one slot.")
    .max(10, "Offer at most 10 slots."),
  serviceId: z.uuid("must be one of your services"),
  title: z.string().trim().min(1).max(200).optional(),
  /** Overrides the service's deposit for this project. */
  depositCents: z.number().int().min(0).max(1_000_000).optional(),
});

export const declineBody = z.object({ reason: z.string().trim().max(1_000).optional() });
export const acceptBody = z.object({ start: instant });
export const sessionBody = z.object({
  projectId: z.uuid(),
  serviceId: z.uuid(),
  start: instant,
  applyDeposit: z.boolean().optional(),
});
/** POST /api/bookings/projects/:id/sessions: the next session (the project's service unless named). */
export const projectSessionBody = z.object({
  start: instant,
  serviceId: z.uuid("must be one of your services").optional(),
  applyDeposit: z.boolean().optional(),
});
/** PUT /api/bookings/projects/:id/deposit-session */
export const depositSessionBody = z.object({ appointmentId: z.uuid("must be a session of this project") });
export const rescheduleBody = z.object({ start: instant });
export const cancelBody = z.object({ reason: z.string().trim().max(1_000).optional() });
export const availabilityQuery = z.object({
  from: instant.optional(),
  to: instant.optional(),
  serviceId: z.uuid().optional(),
  durationMinutes: z.coerce.number().int().min(15).max(720).optional(),
});

/** A calendar date that exists ("2026-02-30" does not). */
const calendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Use a date like "2026-12-07".')
  .refine((v) => {
    const d = new Date(`${v}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(v);
  }, "There is no such date.");
/** GET /api/bookings/week: the week holding `start` (a date in the studio's zone); this week without it. */
export const weekQuery = z.strictObject({ start: calendarDate.optional() });
