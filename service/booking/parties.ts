// Who is who in the artist's lists: each request and appointment names the customer (name,
// email, optional phone) and their history with this artist — earlier requests and sessions —
// so an artist knows who they are talking to. Only the two parties of a request or appointment
// ever reach these rows (the callers filter by them first); the customer's card is the artist's.
import type { AppContext } from "../context.ts";

export interface CustomerCard {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  /** With this artist: every request they sent, sessions that happened (completed), and sessions
   *  they did not come to (no_show). */
  history: { requests: number; sessions: number; noShows: number };
}

/** Customer cards by id, for the artist's view of their own requests and appointments. */
export async function customerCards(
  ctx: AppContext,
  artistId: string,
  customerIds: string[],
): Promise<Map<string, CustomerCard>> {
  const ids = [...new Set(customerIds)];
  if (!ids.length) return new Map();
  const [users, requests, sessions] = await Promise.all([
    ctx.db.user.findMany({ where: { id: { in: ids } }, select: { id: true, name: true, email: true, phone: true } }),
    ctx.db.bookingRequest.groupBy({
      by: ["customerId"],
      where: { artistId, customerId: { in: ids } },
      _count: { _all: true },
    }),
    ctx.db.appointment.groupBy({
      by: ["customerId", "status"],
      where: { artistId, customerId: { in: ids }, status: { in: ["completed", "no_show"] } },
      _count: { _all: true },
    }),
  ]);
  const count = (rows: { customerId: string; _count: { _all: number } }[], id: string) =>
    rows.find((r) => r.customerId === id)?._count._all ?? 0;
  const completed = sessions.filter((r) => r.status === "completed");
  const noShows = sessions.filter((r) => r.status === "no_show");
  return new Map(
    ids.map((id) => {
      const u = users.find((x) => x.id === id);
      return [
        id,
        {
          id,
          // A customer who deleted their account: the booking stays, the person is gone.
          name: u?.name ?? "Deleted account",
          email: u?.email ?? null,
          phone: u?.phone ?? null,
          history: { requests: count(requests, id), sessions: count(completed, id), noShows: count(noShows, id) },
        },
      ];
    }),
  );
}

/** Each row the viewer is the artist of gets the customer's card (views.ts adds the artist's
 *  summary, the policy and — once booked — the address for both parties). */
export async function withParties<T extends { artistId: string; customerId: string }>(
  ctx: AppContext,
  viewerId: string,
  rows: T[],
): Promise<(T & { customer?: CustomerCard })[]> {
  const cards = await customerCards(
    ctx,
    viewerId,
    rows.filter((r) => r.artistId === viewerId).map((r) => r.customerId),
  );
  return rows.map((r) => (r.artistId === viewerId ? { ...r, customer: cards.get(r.customerId) } : r));
}
