// IANA time zones for CalDAV: TZIDs → IANA names, an ical.js Timezone backed by tzdata, and
// VTIMEZONE components for the events Tatu writes. The zone arithmetic is the service's
// toolkit (service/time/zones.ts).
import ICAL from "ical.js";
import { isZone, offsetMs, wallClockOffset } from "../../time/zones.ts";

const validity = new Map<string, string | null>();

/** The IANA name behind a TZID, if any: "Europe/Berlin", and also prefixed forms some
 *  clients write ("/mozilla.org/20050126_1/Europe/Berlin", "/citadel.org/…/America/New_York"). */
export function ianaName(tzid: string | null | undefined): string | undefined {
  if (!tzid) return undefined;
  const cached = validity.get(tzid);
  if (cached !== undefined) return cached ?? undefined;
  let found: string | null = null;
  const parts = tzid.trim().split("/").filter(Boolean);
  // Longest trailing run of segments that names a zone ("America/Argentina/Buenos_Aires" first).
  for (let i = 0; i < parts.length && !found; i++) {
    const candidate = parts.slice(i).join("/");
    if (isZone(candidate)) found = candidate;
  }
  validity.set(tzid, found);
  return found ?? undefined;
}

/**
 * An ical.js Timezone answering from Intl. ical.js asks a zone only for `utcOffset(wallTime)`
 * when it converts or compares times, so this is all it needs; unlike a VTIMEZONE it is right
 * for every year.
 */
export class IanaTimezone extends ICAL.Timezone {
  readonly iana: string;
  constructor(tzid: string, iana: string) {
    super({ tzid });
    this.iana = iana;
  }
  override utcOffset(tt: ICAL.Time): number {
    return Math.round(wallClockOffset(tt, this.iana) / 1000);
  }
}

/** Makes `tzid` resolvable by ical.js for times whose file has no VTIMEZONE of that name. */
export function registerIana(tzid: string): boolean {
  const iana = ianaName(tzid);
  if (!iana) return false;
  // Process-wide, which is fine: an IANA name means the same zone for every caller. Zones
  // ical.js knows itself (UTC, Z, GMT) stay as they are.
  if (!ICAL.TimezoneService.has(tzid)) ICAL.TimezoneService.register(new IanaTimezone(tzid, iana), tzid);
  return true;
}

function formatOffset(ms: number): string {
  const sign = ms < 0 ? "-" : "+";
  const abs = Math.abs(Math.round(ms / 1000));
  const hh = String(Math.floor(abs / 3600)).padStart(2, "0");
  const mm = String(Math.floor((abs % 3600) / 60)).padStart(2, "0");
  const ss = abs % 60;
  return `${sign}${hh}${mm}${ss ? String(ss).padStart(2, "0") : ""}`;
}

function icalWall(utcMs: number, offset: number): string {
  const d = new Date(utcMs + offset);
  const p = (n: number, l = 2) => String(n).padStart(l, "0");
  return `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}T${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

const DAY = 86_400_000;

/** UTC instants where `zone`'s offset changes in [fromMs, untilMs) (to the second). */
function transitions(zone: string, fromMs: number, untilMs: number): { at: number; from: number; to: number }[] {
  const out: { at: number; from: number; to: number }[] = [];
  let t = fromMs;
  let off = offsetMs(zone, t);
  // Rules never change twice within a week; bisect each weekly step that saw a change.
  while (t < untilMs) {
    const next = Math.min(t + 7 * DAY, untilMs);
    const nextOff = offsetMs(zone, next);
    if (nextOff !== off) {
      let lo = t,
        hi = next;
      while (hi - lo > 1000) {
        const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
        if (offsetMs(zone, mid) === off) lo = mid;
        else hi = mid;
      }
      out.push({ at: hi, from: off, to: nextOff });
    }
    t = next;
    off = nextOff;
  }
  return out;
}

/**
 * A VTIMEZONE for `zone` covering `fromUtc..untilUtc` (plus a year either side), written as
 * explicit onsets from tzdata. RFC 5545 allows onsets without RRULE; they are exact for the
 * span a single appointment needs, and CalDAV servers/clients resolve the TZID themselves too.
 */
export function vtimezone(zone: string, fromUtc: Date, untilUtc: Date): ICAL.Component {
  const start = Date.UTC(new Date(fromUtc.getTime() - 365 * DAY).getUTCFullYear(), 0, 1);
  const end = Date.UTC(new Date(untilUtc.getTime() + 365 * DAY).getUTCFullYear() + 1, 0, 1);
  const changes = transitions(zone, start, end);
  const initial = offsetMs(zone, start);
  const all = [initial, ...changes.map((c) => c.to)];
  const standardOffset = Math.min(...all);
  const comp = new ICAL.Component("vtimezone");
  comp.addPropertyWithValue("tzid", zone);
  comp.addPropertyWithValue("x-lic-location", zone);
  const observance = (onsetUtc: number, from: number, to: number) => {
    const o = new ICAL.Component(to > standardOffset ? "daylight" : "standard");
    // Onsets are local times in the offset in force before them (RFC 5545 §3.6.5).
    o.addPropertyWithValue("dtstart", ICAL.Time.fromDateTimeString(toIsoWall(icalWall(onsetUtc, from))));
    o.addProperty(rawProperty("tzoffsetfrom", formatOffset(from)));
    o.addProperty(rawProperty("tzoffsetto", formatOffset(to)));
    comp.addSubcomponent(o);
  };
  observance(start, initial, initial);
  for (const c of changes) observance(c.at, c.from, c.to);
  return comp;
}

function toIsoWall(compact: string): string {
  return `${compact.slice(0, 4)}-${compact.slice(4, 6)}-${compact.slice(6, 8)}T${compact.slice(9, 11)}:${compact.slice(11, 13)}:${compact.slice(13, 15)}`;
}

/** A property whose value is written verbatim (utc-offset values keep their seconds). */
function rawProperty(name: string, value: string): ICAL.Property {
  return new ICAL.Property([
    name,
    {},
    "utc-offset",
    value.length > 5
      ? `${value.slice(0, 3)}:${value.slice(3, 5)}:${value.slice(5)}`
      : `${value.slice(0, 3)}:${value.slice(3)}`,
  ]);
}
