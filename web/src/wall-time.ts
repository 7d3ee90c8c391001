// Times typed into a datetime-local input are wall times of the studio (where the appointment
// happens), not of the browser: the calendar's offer form and the booking page's next-session form share this.
/** A datetime-local value ("2026-12-09T14:30") read as a wall time in `zone` → an ISO instant.
 *  Intl gives the zone's offset at an instant; one correction step settles it, also across DST. */
export function wallTimeToIso(local: string, zone: string | undefined): string {
  if (!zone) return new Date(local).toISOString();
  const asUtc = Date.parse(local.length === 16 ? `${local}:00Z` : `${local}Z`);
  const offset = (at: number) => {
    const p = Object.fromEntries(
      new Intl.DateTimeFormat("en-US", {
        timeZone: zone,
        hourCycle: "h23",
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
      })
        .formatToParts(at)
        .map((x) => [x.type, x.value]),
    );
    return Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!) - at;
  };
  const first = asUtc - offset(asUtc);
  return new Date(asUtc - offset(first)).toISOString();
}
