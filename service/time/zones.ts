// The service's one time-zone toolkit: IANA names, offsets and wall clock ↔ UTC, on luxon
// (which reads the rules from the runtime's ICU tzdata, so every year and rule change is right).
//
// A wall time that a DST change skips or repeats is read as RFC 5545 §3.3.5 and Exchange do:
// a time in a spring-forward gap uses the offset from before the gap (02:30 → 03:30 summer
// time), and a time repeated at fall-back means its first occurrence.
import { IANAZone } from "luxon";

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour?: number;
  minute?: number;
  second?: number;
  millisecond?: number;
}

const DAY = 86_400_000;

/** A real IANA zone name (not an offset like "+02:00") in Intl's canonical spelling, else undefined. */
export function canonicalZone(name: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(name) || !IANAZone.isValidZone(name)) return undefined;
  return new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
}

/** True for a zone name the runtime knows ("Europe/Berlin", "UTC"). */
export function isZone(name: string): boolean {
  return canonicalZone(name) !== undefined;
}

/** Offset (ms, east positive) of `zone` at an instant; throws a RangeError for an unknown zone. */
export function offsetMs(zone: string, at: Date | number): number {
  if (zone === "UTC") return 0;
  const z = IANAZone.create(zone);
  if (!z.isValid) throw new RangeError(`Invalid time zone specified: ${zone}`);
  // Luxon answers in minutes, fractional for offsets with seconds (old local mean times).
  return Math.round(z.offset(typeof at === "number" ? at : at.getTime()) * 60_000);
}

/** "YYYY-MM-DD", "YYYY-MM-DDTHH:mm", "…:ss" or "…:ss.fffffff" (no offset) → its fields. */
export function parseWallClock(text: string): WallClock | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?$/.exec(text.trim());
  if (!m) return undefined;
  return {
    year: +m[1]!,
    month: +m[2]!,
    day: +m[3]!,
    hour: +(m[4] ?? 0),
    minute: +(m[5] ?? 0),
    second: +(m[6] ?? 0),
    millisecond: m[7] ? +m[7].slice(0, 3).padEnd(3, "0") : 0,
  };
}

function fields(local: WallClock | string): WallClock {
  if (typeof local !== "string") return local;
  const w = parseWallClock(local);
  if (!w) throw new RangeError(`Not a local date-time: ${local}`);
  return w;
}

/** The wall time read as if it were UTC (the "local milliseconds"). */
function localMs(w: WallClock): number {
  const d = new Date(0);
  d.setUTCFullYear(w.year, w.month - 1, w.day); // not Date.UTC: it maps years 0–99 to 1900–1999
  return d.setUTCHours(w.hour ?? 0, w.minute ?? 0, w.second ?? 0, w.millisecond ?? 0);
}

/** The offsets a wall time really has in `zone`: none in a gap, two in a repeated hour. */
function fittingOffsets(local: number, zone: string): number[] {
  const candidates = new Set([offsetMs(zone, local - DAY), offsetMs(zone, local + DAY)]);
  return [...candidates].filter((o) => offsetMs(zone, local - o) === o).sort((a, b) => b - a);
}

/** The instants a wall time names in `zone`, earliest first: none in a gap, two in a repeated hour. */
export function wallClockInstants(local: WallClock | string, zone: string): Date[] {
  const ms = localMs(fields(local));
  return fittingOffsets(ms, zone).map((o) => new Date(ms - o));
}

/** The offset (ms) a wall time is read with in `zone` (see the top of this file for gaps and repeats). */
export function wallClockOffset(local: WallClock | string, zone: string): number {
  const ms = localMs(fields(local));
  return fittingOffsets(ms, zone)[0] ?? offsetMs(zone, ms - DAY);
}

/** The instant of a wall time in `zone` (a string as parseWallClock reads it, or fields). */
export function wallClockToUtc(local: WallClock | string, zone: string): Date {
  const w = fields(local);
  return new Date(localMs(w) - wallClockOffset(w, zone));
}

/** The wall time of an instant in `zone`, "YYYY-MM-DDTHH:mm:ss" (fractions dropped). */
export function utcToWallClock(at: Date, zone: string): string {
  return new Date(at.getTime() + offsetMs(zone, at)).toISOString().slice(0, 19);
}

const pad = (n: number) => String(n).padStart(2, "0");

/** RFC 3339 local time in `zone` with its offset at that instant ("2026-03-09T10:00:00-04:00"). */
export function isoWithOffset(at: Date, zone: string): string {
  const minutes = Math.trunc(offsetMs(zone, at) / 60_000); // RFC 3339 offsets are whole minutes
  const local = new Date(at.getTime() + minutes * 60_000).toISOString().slice(0, 19);
  const abs = Math.abs(minutes);
  return `${local}${minutes < 0 ? "-" : "+"}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
