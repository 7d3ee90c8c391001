// Time zones for Graph's dateTimeTimeZone ({dateTime: local wall time, timeZone: name}).
//
// Graph documents Windows zone names ("W. Europe Standard Time") as the timeZone form and
// only "some" IANA names as accepted on create/update, so Tatu writes Windows names (CLDR
// windowsZones, from windows-iana) and falls back to UTC wall time when a zone has no mapping
// or the local time is ambiguous/non-existent (DST overlap/gap): the instant stays exact
// either way. Wall clock ↔ UTC is the service's toolkit (service/time/zones.ts).
import { requireOnFirstUse } from "../kit/lazy-sdk.ts";
import { canonicalZone, isZone, utcToWallClock, wallClockInstants, wallClockToUtc } from "../../time/zones.ts";

/** The CLDR tables (CommonJS), required at the first zone mapped rather than at boot. */
const windowsIana = requireOnFirstUse<typeof import("windows-iana")>("windows-iana");

// windows-iana's CLDR data predates a few rule changes; these rows follow current CLDR.
const NEWER_PRIMARY: Record<string, string | undefined> = {
  "Mountain Standard Time (Mexico)": "America/Mazatlan", // Chihuahua left it in 2022
  "Central Asia Standard Time": "Asia/Bishkek", // Almaty left it in 2024
  // Greenland changed rules in 2023; it stays unmapped on purpose (UTC fallback is exact).
  "Greenland Standard Time": undefined,
};
const NEWER_WINDOWS: Record<string, string> = { "America/Ciudad_Juarez": "Mountain Standard Time" };

let windowsNames: Map<string, string> | undefined;
const windowsNameIndex = () =>
  (windowsNames ??= new Map(
    windowsIana().WINDOWS_TO_IANA_MAP.map((r) => [r.windowsName.toLowerCase(), r.windowsName as string]),
  ));

const UTC_NAMES =
  /^(utc|gmt|z|zulu|etc\/utc|etc\/gmt|etc\/universal|etc\/zulu|universal|tzone:\/\/microsoft\/utc|coordinated universal time)$/i;

export function isUtcName(name: string): boolean {
  return UTC_NAMES.test(name.trim());
}

function windowsOf(iana: string): string | undefined {
  const win = NEWER_WINDOWS[iana] ?? windowsIana().findWindows(iana)[0];
  return win && win in NEWER_PRIMARY && !NEWER_PRIMARY[win] ? undefined : win;
}

/** The Windows zone Graph should receive for an IANA zone, when there is a known one. */
export function windowsZoneFor(iana: string): string | undefined {
  const name = iana.trim();
  if (isUtcName(name)) return "UTC";
  const canonical = canonicalZone(name);
  return windowsOf(name) ?? (canonical && windowsOf(canonical));
}

/** An IANA zone for whatever Graph (or a user) put in timeZone: Windows name, IANA name or UTC. */
export function ianaZoneFor(name: string | null | undefined): string | undefined {
  if (!name) return undefined;
  const trimmed = name.trim();
  if (isUtcName(trimmed)) return "UTC";
  const win = windowsNameIndex().get(trimmed.toLowerCase());
  if (win) return win in NEWER_PRIMARY ? NEWER_PRIMARY[win] : windowsIana().findIana(win, "001")[0];
  return isIanaZone(trimmed) ? trimmed : undefined;
}

export function isIanaZone(name: string): boolean {
  return (name.includes("/") || isUtcName(name)) && isZone(name);
}

/** True when the wall time of `instant` in `zone` names exactly that instant and no other
 *  (whole seconds, not inside a DST overlap), so sending local time cannot shift it. */
export function roundTrips(instant: Date, zone: string): boolean {
  if (instant.getMilliseconds() !== 0) return false;
  const valid = wallClockInstants(utcToWallClock(instant, zone), zone);
  return valid.length === 1 && valid[0]!.getTime() === instant.getTime();
}
