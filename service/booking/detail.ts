// The booking page's extras for one appointment (GET /api/bookings/appointments/:id): the other
// sessions of its project (to open them, and for the artist to pick which one the deposit is
// credited to) and what each destructive step would do to the deposit — computed by the same rule
// the step applies (policy.ts), so the confirm step says in words what will happen.
import type { AppContext } from "../context.ts";
import { cancelDepositOutcome, type DepositOutcome, noticeHoursBefore } from "./policy.ts";

interface Row {
  id: string;
  artistId: string;
  status: string;
  start: Date;
  policyStart: Date | null;
  projectId: string | null;
  project: {
    depositCents: number;
    currency: string;
    depositStatus: string;
    depositAppointmentId: string | null;
  } | null;
}

export interface Consequences {
  /** The deposit held by this session (0 when it holds none, or none is paid). */
  depositCents: number;
  currency: string;
  cancelNoticeHours: number;
  /** What the viewer cancelling now does to it. */
  cancel: DepositOutcome | null;
  /** What marking it a no-show does to it (the artist's step). */
  noShow: DepositOutcome | null;
}

/** The appointment with `sessions` (its project's, by start) and `consequences` for the viewer. */
export async function withDetail<A extends Row>(ctx: AppContext, viewerId: string, a: A) {
  const [sessions, profile] = await Promise.all([
    a.projectId
      ? ctx.db.appointment.findMany({
          where: { projectId: a.projectId },
          orderBy: { start: "asc" },
          select: { id: true, start: true, end: true, status: true },
        })
      : Promise.resolve([]),
    ctx.db.artistProfile.findUnique({ where: { userId: a.artistId }, select: { cancelNoticeHours: true } }),
  ]);
  const p = a.project;
  const depositHere = Boolean(p && p.depositStatus === "paid" && p.depositAppointmentId === a.id && p.depositCents > 0);
  const cancelNoticeHours = profile?.cancelNoticeHours ?? 0;
  const consequences: Consequences = {
    depositCents: depositHere ? p!.depositCents : 0,
    currency: p?.currency ?? "eur",
    cancelNoticeHours,
    cancel: cancelDepositOutcome({
      byArtist: viewerId === a.artistId,
      depositHere,
      noticeHours: noticeHoursBefore(a),
      cancelNoticeHours,
    }),
    noShow: depositHere ? "kept" : null,
  };
  return { ...a, sessions, consequences };
}
