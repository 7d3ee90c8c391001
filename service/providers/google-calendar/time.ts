// Zone arithmetic for Google Calendar events with nothing but Intl: all-day dates become the
// calendar's local midnight, and Tatu's appointments are written as local wall time with
// the zone's offset ("2026-03-09T10:00:00-04:00") plus the IANA name.

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** UTC offset of `zone` at instant `ms`, in minutes (e.g. −240 for New York in summer). */
export function offsetMinutes(ms: number, zone: string): number {
  let f = offsetFormats.get(zone);
  if (!f) offsetFormats.set(zone, (f = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" })));
  const name = f.formatToParts(new Date(ms)).find((p) => p.type === "timeZoneName")?.value ?? "GMT";
  const m = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name);
  if (!m) return 0; // "GMT" itself
  return (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
}

/** The instant of 00:00 on `date` (YYYY-MM-DD) in `zone`; a midnight skipped by DST → the first instant of that day. */
export function localMidnight(date: string, zone: string): Date {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d);
  const a = wall - offsetMinutes(wall, zone) * 60_000;
  const b = wall - offsetMinutes(a, zone) * 60_000;
  for (const t of [a, b]) if (t + offsetMinutes(t, zone) * 60_000 === wall) return new Date(t);
  return new Date(Math.max(a, b));
}

/** Wall time without offset ("2026-03-09T10:00:00") in `zone` → the instant. */
export function wallTime(value: string, zone: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(value);
  if (!m) return undefined;
  const wall = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0));
  const a = wall - offsetMinutes(wall, zone) * 60_000;
  const b = wall - offsetMinutes(a, zone) * 60_000;
  return new Date(a + offsetMinutes(a, zone) * 60_000 === wall ? a : b);
}

const pad = (n: number) => String(n).padStart(2, "0");

/** RFC 3339 local time in `zone` with its offset at that instant. */
export function rfc3339InZone(at: Date, zone: string): string {
  const off = offsetMinutes(at.getTime(), zone);
  const local = new Date(at.getTime() + off * 60_000).toISOString().slice(0, 19);
  const abs = Math.abs(off);
  return `${local}${off < 0 ? "-" : "+"}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
