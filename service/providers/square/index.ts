// Square Appointments as a calendar, through the official `square` SDK. Connect: a pasted
// access token (credentials connect, POST /api/calendars/square/connect). Calendars: one per
// team member who takes appointments at the connected location, because every Square booking
// belongs to a team member (appointment_segments[].team_member_id): filtering reads by it gives
// exactly one artist's busy time in a shared studio, and a write needs one anyway. A solo
// artist sees a single calendar. Endpoints follow SQUARE_API_BASE_URL / SQUARE_ENVIRONMENT so
// the same code runs against the stand-in (standins/square).
import { plainWords } from "../kit/errors.ts";
import type { ProviderAccount, ProviderEnv, SmokeResult } from "../kit/channel.ts";
import { classifyCalendarFailures, type CalendarInfo, type CalendarProvider } from "../kit/calendar.ts";
import { accountClient } from "./config.ts";
import { squareConnect } from "./connect.ts";
import { bookableMembers, listLocations } from "./directory.ts";
import { classifySquareError } from "./errors.ts";
import { syncDefaults, syncSquare, type SyncTuning } from "./sync.ts";
import { cancelBooking, createBooking, updateBooking } from "./write.ts";
import meta from "./meta.ts";

async function listCalendars(env: ProviderEnv, account: ProviderAccount): Promise<CalendarInfo[]> {
  const { client, creds } = await accountClient(env, account);
  const location = (await listLocations(client)).find((l) => l.id === creds.locationId);
  const members = await bookableMembers(client, creds.locationId);
  // Seller-level API writes need Square Appointments Plus/Premium; without it Tatu only reads.
  const profile = (await client.bookings.getBusinessProfile()).businessBookingProfile;
  const readOnly = profile?.supportSellerLevelWrites === false;
  return members.map((m) => ({
    externalId: m.teamMemberId!,
    name: m.displayName?.trim() || "Square Appointments",
    primary: m.teamMemberId === creds.teamMemberId || members.length === 1,
    ...(location?.timezone ? { timeZone: location.timezone } : {}),
    ...(readOnly ? { readOnly: true } : {}),
  }));
}

async function smoke(env: ProviderEnv, account: ProviderAccount): Promise<SmokeResult> {
  const checks: SmokeResult["checks"] = [];
  try {
    const { client, creds } = await accountClient(env, account);
    const location = (await listLocations(client)).find((l) => l.id === creds.locationId);
    const ok = location?.status === "ACTIVE";
    checks.push({
      name: "locations",
      ok,
      detail: ok
        ? `location ${location?.name ?? creds.locationId} is active`
        : "the connected location is gone or inactive: reconnect Square",
    });
  } catch (err) {
    checks.push({ name: "locations", ok: false, detail: plainWords(classifySquareError(err).errorClass, "Square") });
  }
  return { ok: checks.every((c) => c.ok), checks };
}

/** The provider with its tuning knobs (tests use small pages to exercise resumable cursors). */
export function createSquareProvider(overrides: Partial<SyncTuning> = {}): CalendarProvider {
  const tuning = { ...syncDefaults, ...overrides };
  return {
    ...meta,
    connect: squareConnect,
    ...classifyCalendarFailures(
      {
        listCalendars,
        syncEvents: (env, account, calendarId, cursor, opts) =>
          syncSquare(env, account, calendarId, cursor, opts, tuning),
        createEvent: createBooking,
        updateEvent: updateBooking,
        deleteEvent: (env, account, _calendarId, externalId) => cancelBooking(env, account, externalId),
      },
      classifySquareError,
    ),
    classifyError: classifySquareError,
    smoke,
  };
}

export const squareProvider: CalendarProvider = createSquareProvider();

export default squareProvider;
