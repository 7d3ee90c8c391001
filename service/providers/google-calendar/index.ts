// Google Calendar through the googleapis SDK on the Gmail account's grant (the consent
// screen asks for the calendar scope up front). Busy time comes from events.list with
// singleEvents=true and sync tokens (sync.ts); Tatu's appointments are written with
// events.import so the event keeps Tatu's iCalUID. Endpoints follow GOOGLE_API_BASE_URL,
// so the same code runs against the Google stand-in (standins/google/calendar.ts).
import { smokeChecks } from "../kit/smoke.ts";
import type { calendar_v3 } from "@googleapis/calendar";
import { ProviderError } from "../kit/errors.ts";
import type { SmokeResult } from "../kit/channel.ts";
import type { CalendarInfo, CalendarProvider, WrittenEvent } from "../kit/calendar.ts";
import { classifyCalendarError, CODES } from "./errors.ts";
import { eventBody } from "./events.ts";
import { CalendarSession } from "./session.ts";
import { syncGoogleEvents, type SyncTuning } from "./sync.ts";
import meta from "./meta.ts";

export type GoogleCalendarTuning = SyncTuning;

const defaults: GoogleCalendarTuning = { pageSize: 250, windowSlackMs: 86_400_000 };

const READ_ONLY_ROLES = new Set(["reader", "freeBusyReader"]);

const written = (ev: calendar_v3.Schema$Event): WrittenEvent => ({
  externalId: ev.id!,
  ...(ev.iCalUID && { iCalUID: ev.iCalUID }),
  ...(ev.etag && { etag: ev.etag }),
});

export function createGoogleCalendarProvider(overrides: Partial<GoogleCalendarTuning> = {}): CalendarProvider {
  const tuning = { ...defaults, ...overrides };
  return {
    ...meta,
    connect: {
      kind: "shared-grant",
      route: "google",
      grantLabel: "Google",
      grantProvider: "gmail",
      requiredScope: "https://www.googleapis.com/auth/calendar",
    },
    classifyError: classifyCalendarError,

    async listCalendars(env, account): Promise<CalendarInfo[]> {
      const s = new CalendarSession(env, account);
      const out: CalendarInfo[] = [];
      let pageToken: string | undefined;
      do {
        const page = await s.call((c) => c.calendarList.list({ maxResults: 250, ...(pageToken && { pageToken }) }));
        for (const c of page.items ?? []) {
          if (!c.id || c.deleted) continue;
          out.push({
            externalId: c.id,
            name: c.summaryOverride ?? c.summary ?? c.id,
            ...(c.primary && { primary: true }),
            ...(c.timeZone && { timeZone: c.timeZone }),
            readOnly: READ_ONLY_ROLES.has(c.accessRole ?? ""),
          });
        }
        pageToken = page.nextPageToken ?? undefined;
      } while (pageToken);
      return out;
    },

    syncEvents: (env, account, calendarId, cursor, opts) =>
      syncGoogleEvents(env, account, calendarId, cursor, opts, tuning),

    // events.import rather than insert: insert drops a client iCalUID and mints
    // "<id>@google.com", import keeps Tatu's UID (matching across calendars and with the
    // appointment) and refuses a second event with it (409), which makes a retried create
    // after a crash idempotent: the existing event is looked up by iCalUID and updated.
    async createEvent(env, account, calendarId, draft) {
      const s = new CalendarSession(env, account);
      const body = eventBody(draft);
      try {
        return written(
          await s.call((c) =>
            c.events.import({ calendarId, requestBody: { ...body, iCalUID: draft.iCalUID, status: "confirmed" } }),
          ),
        );
      } catch (err) {
        if ((err as { code?: string }).code !== CODES.duplicate) throw err;
      }
      const found = await s.call((c) =>
        c.events.list({ calendarId, iCalUID: draft.iCalUID, showDeleted: true, maxResults: 10 }),
      );
      const existing = (found.items ?? []).find((e) => !e.recurringEventId && e.id);
      if (!existing)
        throw new ProviderError("permanent", "Google Calendar: the iCalUID is taken by an event Tatu cannot see", {
          code: CODES.duplicate,
          status: 409,
        });
      // A deleted event with this UID comes back to life: create means "should be there".
      return written(
        await s.call((c) =>
          c.events.patch({
            calendarId,
            eventId: existing.id!,
            sendUpdates: "none",
            requestBody: { ...body, status: "confirmed" },
          }),
        ),
      );
    },

    async updateEvent(env, account, calendarId, externalId, draft) {
      const s = new CalendarSession(env, account);
      const body = eventBody(draft);
      return written(
        await s.call((c) =>
          c.events.patch({ calendarId, eventId: externalId, sendUpdates: "none", requestBody: body }),
        ),
      );
    },

    async deleteEvent(env, account, calendarId, externalId) {
      const s = new CalendarSession(env, account);
      try {
        await s.call((c) => c.events.delete({ calendarId, eventId: externalId, sendUpdates: "none" }));
      } catch (err) {
        const status = (err as { status?: number }).status;
        if (status === 404 || status === 410) return; // already gone: what we wanted
        throw err;
      }
    },

    async smoke(env, account): Promise<SmokeResult> {
      const { run, open, result } = smokeChecks((err) => classifyCalendarError(err).message);
      const s = await open("credentials", () => new CalendarSession(env, account));
      if (s) {
        await run(
          "calendarList.list",
          async () => `${(await s.call((c) => c.calendarList.list({ maxResults: 250 }))).items?.length ?? 0} calendars`,
        );
        await run(
          "events.list",
          async () =>
            `${(await s.call((c) => c.events.list({ calendarId: "primary", maxResults: 1 }))).items?.length ?? 0} listed`,
        );
      }
      return result();
    },
  };
}

export const googleCalendarProvider: CalendarProvider = createGoogleCalendarProvider();

export default googleCalendarProvider;
