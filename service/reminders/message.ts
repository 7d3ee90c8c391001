// What a reminder or aftercare note says. Pure functions of the appointment, so the same
// claim always renders the same text: the Twilio duplicate guard (send.ts) recognises an
// earlier attempt of this reminder by its exact body.
import type { Email } from "../mail/mailer.ts";

export type ReminderKind = "reminder" | "aftercare";
export const REMINDER_KINDS: readonly ReminderKind[] = ["reminder", "aftercare"];

export interface ReminderFacts {
  kind: ReminderKind;
  start: Date;
  end: Date;
  /** IANA zone the times are shown in (the artist's). */
  timeZone: string;
  artistName: string;
  customerName: string;
}

/** US zones read 12-hour clocks; everyone else gets the 24-hour clock. */
function localeFor(timeZone: string): string {
  return timeZone.startsWith("America/") ? "en-US" : "en-GB";
}

// Building an Intl.DateTimeFormat costs far more than formatting with one (a third of a
// millisecond): keep one per zone and style for the life of the process.
const formatters = new Map<string, Intl.DateTimeFormat>();
const DATE: Intl.DateTimeFormatOptions = { weekday: "long", day: "numeric", month: "long" };
const TIME: Intl.DateTimeFormatOptions = { hour: "numeric", minute: "2-digit", timeZoneName: "short" };

function formatter(timeZone: string, style: "date" | "time"): Intl.DateTimeFormat {
  const key = `${style} ${timeZone}`;
  let f = formatters.get(key);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat(localeFor(timeZone), { timeZone, ...(style === "date" ? DATE : TIME) });
    } catch {
      // A zone Intl rejects would throw mid-batch; UTC is a readable fallback.
      f = formatter("UTC", style);
    }
    if (formatters.size > 1000) formatters.clear(); // zones come from the database: stay bounded
    formatters.set(key, f);
  }
  return f;
}

// ICU may put narrow/no-break spaces before AM/PM: they would force UCS-2 SMS encoding
// (70 instead of 160 characters a segment) for no visible gain.
const plain = (s: string) => s.replace(/[\u202f\u00a0]/g, " ");

// Appointments start on a few round slots, so a reminder run formats the same instants in the
// same zones over and over (100,000 reminders: a few hundred distinct strings): remember them.
const formatted = new Map<string, string>();

function format(at: Date, timeZone: string, style: "date" | "time"): string {
  const key = `${style} ${timeZone} ${at.getTime()}`;
  let s = formatted.get(key);
  if (s === undefined) {
    s = plain(formatter(timeZone, style).format(at));
    if (formatted.size >= 10_000) formatted.clear(); // bounded: keys come from the database
    formatted.set(key, s);
  }
  return s;
}

/** "Friday 15 January" / "Friday, January 15" in the zone. */
export function localDate(at: Date, timeZone: string): string {
  return format(at, timeZone, "date");
}

/** "14:30 CET" / "8:30 AM EST" in the zone. */
export function localTime(at: Date, timeZone: string): string {
  return format(at, timeZone, "time");
}

const firstName = (name: string) => name.trim().split(/\s+/)[0] || "there";

const CARE_NOTE =
  "Keep the wrap on for the first few hours, then wash gently with lukewarm water and unscented soap, pat dry and apply a thin layer of fragrance-free aftercare cream 2-3 times a day. " +
  "For two weeks: no swimming, no sunbathing, no picking or scratching.";

/** The text of an SMS; also the plain-text body of the email twin. */
export function reminderText(f: ReminderFacts): string {
  const hi = `Hi ${firstName(f.customerName)}`;
  if (f.kind === "reminder")
    return (
      `${hi}, this is a reminder from ${f.artistName}: your appointment is on ${localDate(f.start, f.timeZone)} at ${localTime(f.start, f.timeZone)}. ` +
      `If you need to reschedule, please contact ${f.artistName} as soon as possible.`
    );
  return (
    `${hi}, thank you for your session with ${f.artistName} on ${localDate(f.start, f.timeZone)}. Aftercare: ${CARE_NOTE} ` +
    `Questions or anything unusual? Contact ${f.artistName}.`
  );
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function reminderEmail(to: string, f: ReminderFacts): Email {
  const subject =
    f.kind === "reminder"
      ? `Reminder: your appointment with ${f.artistName} on ${localDate(f.start, f.timeZone)} at ${localTime(f.start, f.timeZone)}`
      : `Aftercare for your new tattoo from ${f.artistName}`;
  const text = reminderText(f);
  return { to, subject, text: `${text}\n`, html: `<p>${escapeHtml(text)}</p>` };
}
