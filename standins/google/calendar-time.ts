// Time for the Calendar stand-in: IANA zones through luxon (wall time ↔ UTC, RFC 3339 with
// the zone's offset as Google prints it) and RRULE expansion for what Google's
// `singleEvents=true` does: DAILY / WEEKLY (BYDAY) / MONTHLY / YEARLY with INTERVAL, COUNT,
// UNTIL, and EXDATE. Kept separate from the provider's own zone code on purpose: the tests
// then compare two independent implementations against hard-coded UTC instants.
import { DateTime, IANAZone } from "luxon";

export interface Wall {
  y: number;
  m: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

const DAY_MS = 86_400_000;

export const isZone = (zone: string): boolean => IANAZone.isValidZone(zone);

export function wallInZone(ms: number, zone: string): Wall {
  const t = DateTime.fromMillis(ms, { zone });
  return { y: t.year, m: t.month, d: t.day, h: t.hour, mi: t.minute, s: t.second };
}

const wallMs = (w: Wall) => Date.UTC(w.y, w.m - 1, w.d, w.h, w.mi, w.s);

/**
 * The instant a wall-clock time in `zone` denotes, as RFC 5545 reads it: a time skipped by
 * DST moves forward by the gap (02:30 → 03:30 new time); a repeated one is its first occurrence.
 */
export function wallToUtc(w: Wall, zone: string): number {
  const t = DateTime.fromObject({ year: w.y, month: w.m, day: w.d, hour: w.h, minute: w.mi, second: w.s }, { zone });
  return Math.min(t.toMillis(), ...t.getPossibleOffsets().map((c) => c.toMillis()));
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** "2026-03-09T10:00:00-04:00" — how Google prints dateTime in an event's zone. */
export function formatInZone(ms: number, zone: string): string {
  const t = DateTime.fromMillis(ms, { zone });
  return t.toFormat("yyyy-MM-dd'T'HH:mm:ss") + (zone === "UTC" || zone === "Etc/UTC" ? "Z" : t.toFormat("ZZ"));
}

/** Civil day number (days since 1970-01-01) ↔ "YYYY-MM-DD". */
export const dayOf = (date: string) => Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
export function dateOf(day: number): string {
  const d = new Date(day * DAY_MS);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** RFC 3339 dateTime → instant; without an offset it is wall time in `zone`. */
export function parseDateTime(value: string, zone: string | undefined): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/i.exec(value);
  if (!m) return undefined;
  if (m[7]) return Date.parse(value);
  if (!zone) return undefined;
  return wallToUtc({ y: +m[1]!, m: +m[2]!, d: +m[3]!, h: +m[4]!, mi: +m[5]!, s: +(m[6] ?? 0) }, zone);
}

/** "20260309T150000Z" (timed) / "20260309" (all-day): Google's instance-id suffix. */
export function basicUtc(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

// ── RRULE ────────────────────────────────────────────────────────────────────────────────

const WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
/** Monday = 0 … Sunday = 6 for a civil day number (1970-01-01 was a Thursday). */
const weekday = (day: number) => (((day + 3) % 7) + 7) % 7;

interface Rule {
  freq: "DAILY" | "WEEKLY" | "MONTHLY" | "YEARLY";
  interval: number;
  count?: number;
  until?: { ms?: number; day?: number };
  byDay?: number[];
}

export class RecurrenceError extends Error {}

function parseRule(line: string): Rule {
  const parts = new Map(
    line
      .replace(/^RRULE:/i, "")
      .split(";")
      .map((kv) => kv.split("=") as [string, string])
      .map(([k, v]) => [k.toUpperCase(), v ?? ""]),
  );
  const freq = parts.get("FREQ")?.toUpperCase();
  if (freq !== "DAILY" && freq !== "WEEKLY" && freq !== "MONTHLY" && freq !== "YEARLY")
    throw new RecurrenceError(`Unsupported FREQ in ${line}`);
  const rule: Rule = { freq, interval: Math.max(1, Number(parts.get("INTERVAL") ?? 1) || 1) };
  if (parts.has("COUNT")) rule.count = Number(parts.get("COUNT"));
  const until = parts.get("UNTIL");
  if (until) {
    const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z?)?$/i.exec(until);
    if (!m) throw new RecurrenceError(`Bad UNTIL in ${line}`);
    rule.until = m[4]
      ? { ms: Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) }
      : { day: dayOf(`${m[1]}-${m[2]}-${m[3]}`) };
  }
  const byDay = parts.get("BYDAY");
  if (byDay) {
    rule.byDay = byDay.split(",").map((d) => WEEKDAYS.indexOf(d.slice(-2).toUpperCase()));
    if (rule.byDay.some((d) => d < 0)) throw new RecurrenceError(`Bad BYDAY in ${line}`);
    rule.byDay.sort((a, b) => a - b);
  }
  return rule;
}

/** EXDATE lines → excluded instants (timed) or days (all-day). */
function parseExdates(lines: string[], zone: string): { ms: Set<number>; days: Set<number> } {
  const out = { ms: new Set<number>(), days: new Set<number>() };
  for (const line of lines) {
    const [head, values = ""] = line.split(/:(.*)/s, 2) as [string, string?];
    const tzid = /TZID=([^;:]+)/i.exec(head)?.[1];
    for (const v of values
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)) {
      const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/i.exec(v);
      if (!m) continue;
      if (!m[4]) {
        out.days.add(dayOf(`${m[1]}-${m[2]}-${m[3]}`));
        continue;
      }
      const w: Wall = { y: +m[1]!, m: +m[2]!, d: +m[3]!, h: +m[4]!, mi: +m[5]!, s: +m[6]! };
      out.ms.add(m[7] ? wallMs(w) : wallToUtc(w, tzid ?? zone));
    }
  }
  return out;
}

export interface Occurrence {
  /** All-day: civil day; timed: undefined. */
  day?: number;
  /** Timed: the instance's start instant. */
  startMs?: number;
  /** Removed by EXDATE (Google lists it as a cancelled instance with showDeleted). */
  excluded: boolean;
}

/** Occurrences of a series, in order, up to `horizonMs` (start ≤ horizon) and `max` items.
 *  Timed series step in wall time of `zone` so 10:00 stays 10:00 across DST changes. */
export function expandRecurrence(
  recurrence: string[],
  first: { day: number; startMs?: number },
  zone: string,
  horizonMs: number,
  max = 5000,
): Occurrence[] {
  const rrules = recurrence.filter((l) => /^RRULE:/i.test(l));
  if (rrules.length !== 1) throw new RecurrenceError("Exactly one RRULE is supported");
  const rule = parseRule(rrules[0]!);
  const ex = parseExdates(
    recurrence.filter((l) => /^EXDATE/i.test(l)),
    zone,
  );
  const timed = first.startMs !== undefined;
  const time = timed ? wallInZone(first.startMs!, zone) : undefined;
  const startDay = timed ? dayOf(`${time!.y}-${pad(time!.m)}-${pad(time!.d)}`) : first.day;
  const byDay = rule.byDay ?? [weekday(startDay)];
  const out: Occurrence[] = [];
  let produced = 0;

  const emit = (day: number): boolean => {
    if (day < startDay) return true;
    const date = new Date(day * DAY_MS);
    const startMs = timed
      ? wallToUtc(
          {
            y: date.getUTCFullYear(),
            m: date.getUTCMonth() + 1,
            d: date.getUTCDate(),
            h: time!.h,
            mi: time!.mi,
            s: time!.s,
          },
          zone,
        )
      : undefined;
    const at =
      startMs ??
      wallToUtc({ y: date.getUTCFullYear(), m: date.getUTCMonth() + 1, d: date.getUTCDate(), h: 0, mi: 0, s: 0 }, zone);
    if (rule.until?.ms !== undefined && (startMs ?? day * DAY_MS) > rule.until.ms) return false;
    if (rule.until?.day !== undefined && day > rule.until.day) return false;
    if (rule.count !== undefined && produced >= rule.count) return false;
    if (at > horizonMs || out.length >= max) return false;
    produced++;
    out.push({ ...(timed ? { startMs } : { day }), excluded: timed ? ex.ms.has(startMs!) : ex.days.has(day) });
    return true;
  };

  const d0 = new Date(startDay * DAY_MS);
  for (let k = 0; k < 100_000; k++) {
    if (rule.freq === "DAILY") {
      if (!emit(startDay + k * rule.interval)) break;
    } else if (rule.freq === "WEEKLY") {
      const weekStart = startDay - weekday(startDay) + k * 7 * rule.interval;
      let go = true;
      for (const wd of byDay) if (!(go = emit(weekStart + wd))) break;
      if (!go) break;
    } else {
      const months = rule.freq === "MONTHLY" ? k * rule.interval : k * 12 * rule.interval;
      const y = d0.getUTCFullYear() + Math.floor((d0.getUTCMonth() + months) / 12);
      const mo = (d0.getUTCMonth() + months) % 12;
      const candidate = new Date(Date.UTC(y, mo, d0.getUTCDate()));
      if (candidate.getUTCMonth() !== mo) continue; // the 31st in a short month: no instance
      if (!emit(Math.floor(candidate.getTime() / DAY_MS))) break;
    }
  }
  return out;
}
