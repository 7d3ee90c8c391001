// Dates, money and policy in words, the same in every template.
import { DateTime } from "luxon";

/** "Tuesday 15 December 2026, 14:00 (Europe/Berlin)": the studio's wall clock, zone named. */
export function when(iso: string, zone: string): string {
  return `${DateTime.fromISO(iso, { zone }).toFormat("cccc d LLLL yyyy, HH:mm")} (${zone})`;
}

export function durationText(startIso: string, endIso: string): string {
  const minutes = Math.round((Date.parse(endIso) - Date.parse(startIso)) / 60_000);
  const h = Math.floor(minutes / 60),
    m = minutes % 60;
  return [h ? `${h} h` : "", m ? `${m} min` : ""].filter(Boolean).join(" ") || "0 min";
}

export function money(cents: number, currency: string): string {
  return new Intl.NumberFormat("en", { style: "currency", currency: currency.toUpperCase() }).format(cents / 100);
}

/** The cancellation and reschedule policy as the customer should read it. */
export function policyText(cancelNoticeHours: number, deposit: { cents: number; currency: string } | null): string {
  const notice = `${cancelNoticeHours} hours`;
  if (!deposit)
    return `Please cancel or move the appointment at least ${notice} before it starts. Moves closer to the date need the artist's approval.`;
  return `Cancel at least ${notice} before the start and the ${money(deposit.cents, deposit.currency)} deposit is refunded; with less notice the artist keeps it. If the artist cancels, the deposit is always refunded. You can move the appointment yourself until ${notice} before it starts; after that a new time needs the artist's approval.`;
}
