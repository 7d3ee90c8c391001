// The deposit, cancellation and reschedule policy in plain words: the one place the rules
// enforced by workflow.ts (cancel) and reschedule.ts are told to customers. The API sends these
// sentences with the public profile, the customer's requests and appointments, so every screen
// (and any message) words the policy the same way.

export interface PolicyTerms {
  /** The deposit for this booking; null when the artist has not set it yet (no service chosen). */
  depositCents: number | null;
  currency: string;
  /** Less notice than this before the start keeps the deposit (ArtistProfile.cancelNoticeHours). */
  cancelNoticeHours: number;
}

/** "€50", "€49.50", "US$80": English words, so an English amount. */
export function moneyWords(cents: number, currency: string): string {
  return new Intl.NumberFormat("en-US", {
    style: "currency",
    currency: currency.toUpperCase(),
    minimumFractionDigits: cents % 100 === 0 ? 0 : 2,
  }).format(cents / 100);
}

const hours = (n: number) => `${n} hour${n === 1 ? "" : "s"}`;

/** The policy as sentences, e.g. "A deposit of €50 is due when you accept a time; it is refunded
 *  if you cancel at least 48 hours before the appointment." */
export function policySentences(t: PolicyTerms): string[] {
  const notice = t.cancelNoticeHours;
  const refundable =
    notice > 0
      ? `it is refunded if you cancel at least ${hours(notice)} before the appointment`
      : "it is refunded if you cancel any time before the appointment";
  const out: string[] = [];
  if (t.depositCents === null)
    out.push(
      `The artist sets the deposit (if any) with the times they offer; it is due when you accept a time, and ${refundable}.`,
    );
  else if (t.depositCents > 0)
    out.push(`A deposit of ${moneyWords(t.depositCents, t.currency)} is due when you accept a time; ${refundable}.`);
  else out.push("No deposit is needed to book.");
  if (t.depositCents !== 0)
    out.push(
      notice > 0
        ? "If you cancel later than that, the artist keeps the deposit. If the artist cancels, you get it back."
        : "If the artist cancels, you get it back.",
    );
  out.push(
    notice > 0
      ? `You can move the appointment yourself until ${hours(notice)} before it starts; after that, a new time needs the artist's approval.`
      : "You can move the appointment yourself until it starts.",
  );
  return out;
}

/** The deposit a customer will meet before any offer: the chosen service's, or the one every
 *  active service shares; null when they differ or nothing is known. */
export function expectedDeposit(
  services: { depositCents: number; currency: string }[],
): { depositCents: number; currency: string } | null {
  const [first, ...rest] = services;
  if (!first) return null;
  return rest.every((s) => s.depositCents === first.depositCents && s.currency === first.currency) ? first : null;
}

export type DepositOutcome = "kept" | "refunded";

/** What cancelling does to the deposit — the one rule cancel() applies and the booking page
 *  previews before the confirm step: the artist cancelling refunds it; the customer cancelling
 *  with at least `cancelNoticeHours` of notice gets it back, with less the artist keeps it.
 *  null when this session holds no paid deposit. */
export function cancelDepositOutcome(o: {
  byArtist: boolean;
  depositHere: boolean;
  noticeHours: number;
  cancelNoticeHours: number;
}): DepositOutcome | null {
  if (!o.depositHere) return null;
  return o.byArtist || o.noticeHours >= o.cancelNoticeHours ? "refunded" : "kept";
}

/** Hours of notice a cancellation now gives: measured before the earlier of the current start and
 *  policyStart (the start as paid for), so moving an appointment away first buys no refund. */
export function noticeHoursBefore(a: { start: Date; policyStart: Date | null }, now = Date.now()): number {
  const policyStart = a.policyStart && a.policyStart < a.start ? a.policyStart : a.start;
  return (policyStart.getTime() - now) / 3_600_000;
}
