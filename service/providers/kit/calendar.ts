// The one interface every calendar implements (google/, outlook/, caldav/, square/). A
// provider reads busy time incrementally and writes Tatu's appointments as events; storing
// busy blocks, availability and the two-way bookkeeping live in service/calendars/*.ts and
// service/booking. Credentials live on a ConnectedAccount (Google/Microsoft: the same grant
// as the mailbox; Apple/Square: their own), decrypted into a ProviderAccount.
import type { z } from "zod";
import { classified, classifiedPages, type ProviderError } from "./errors.ts";
import type { ProviderMeta } from "./meta.ts";
import type { CredentialsConnect, ProviderAccount, ProviderEnv, SmokeResult } from "./channel.ts";

/** A calendar provider's stored id; the exact union is `CalendarProviderId` in ../catalog.ts. */
export type CalendarProviderId = string;

export interface CalendarInfo {
  externalId: string;
  name: string;
  primary?: boolean;
  /** IANA zone of the calendar, when the provider says. */
  timeZone?: string;
  /** Tatu cannot write events here. */
  readOnly?: boolean;
}

/** Opaque JSON for everyone but its provider (syncToken, deltaLink, sync-collection token/ctag…). */
export type CalendarCursor = Record<string, unknown>;

export interface CalendarEvent {
  /** Provider event id; for recurring events the id of the expanded instance. */
  externalId: string;
  /** RFC 5545 UID (iCalUID): matches events across providers and with Tatu's own appointments. */
  iCalUID?: string;
  /** Absolute instants (UTC). All-day events: start/end at the calendar's local midnight. */
  start: Date;
  end: Date;
  allDay: boolean;
  /** cancelled = deleted or cancelled in the calendar (a tombstone for an event we knew). */
  status: "confirmed" | "tentative" | "cancelled";
  /** "Free" events (transparency) do not block time. */
  transparent: boolean;
  /** Set on events Tatu created (extended property / UID prefix / Square booking id link). */
  tatuAppointmentId?: string;
  /** Titles are only kept for Tatu's own events; other events are busy time, nothing more. */
  title?: string;
  etag?: string;
}

export interface CalendarSyncPage {
  events: CalendarEvent[];
  /** Safe to resume from (stored in the same transaction as the events). */
  cursor: CalendarCursor;
  /** The provider says its cursor is gone (410 Gone / syncStateNotFound / invalid sync-token):
   *  a full window follows, and events not seen in it are no longer busy. */
  fullResync?: boolean;
}

export interface CalendarSyncOptions {
  /** Window of interest for a full read (providers expand recurrences inside it). */
  from: Date;
  until: Date;
}

export interface EventDraft {
  appointmentId: string;
  /** Stable RFC 5545 UID Tatu assigns, e.g. `tatu-<appointmentId>@tatu.app`. */
  iCalUID: string;
  title: string;
  description?: string;
  start: Date;
  end: Date;
  /** The artist's IANA zone (for providers that store local times). */
  timeZone: string;
  location?: string;
  /** Square: the booking's customer/service details. */
  customer?: { name?: string; email?: string; phone?: string };
}

export interface WrittenEvent {
  externalId: string;
  iCalUID?: string;
  etag?: string;
}

/** A calendar signed in with its own credentials (Apple, Square): the channels' credentials connect,
 *  posted to /api/calendars/<route>/connect (auth failures answer 400 with their code). */
export type CalendarCredentialsConnect<S extends z.ZodType = z.ZodType> = CredentialsConnect<S>;

/** Google/Microsoft calendars use the mailbox's grant: the ConnectedAccount of this provider. */
export interface SharedGrantConnect {
  kind: "shared-grant";
  /** POST /api/calendars/<route> adds the calendars of that grant. */
  route: string;
  /** Who the user signed in with ("Google", "Microsoft"), for "connect your … account first". */
  grantLabel: string;
  /** The inbox provider whose account holds the grant ("gmail", "outlook"). */
  grantProvider: "gmail" | "outlook";
  /** Scope the grant must include (else the user reconnects the mailbox). */
  requiredScope: string;
}

/** id, label and the rest of the provider's meta.ts are spread in (`{ ...meta, ... }`). */
export interface CalendarProvider extends ProviderMeta {
  readonly kind: "calendar";
  connect: SharedGrantConnect | CalendarCredentialsConnect;
  listCalendars(env: ProviderEnv, account: ProviderAccount): Promise<CalendarInfo[]>;
  /** Pages of changes since `cursor` (null: a full read of the window). */
  syncEvents(
    env: ProviderEnv,
    account: ProviderAccount,
    calendarId: string,
    cursor: CalendarCursor | null,
    opts: CalendarSyncOptions,
  ): AsyncIterable<CalendarSyncPage>;
  createEvent(env: ProviderEnv, account: ProviderAccount, calendarId: string, draft: EventDraft): Promise<WrittenEvent>;
  updateEvent(
    env: ProviderEnv,
    account: ProviderAccount,
    calendarId: string,
    externalId: string,
    draft: EventDraft,
  ): Promise<WrittenEvent>;
  /** Deleting an already-deleted event is not an error. */
  deleteEvent(env: ProviderEnv, account: ProviderAccount, calendarId: string, externalId: string): Promise<void>;
  classifyError(err: unknown): ProviderError;
  smoke(env: ProviderEnv, account: ProviderAccount): Promise<SmokeResult>;
}

/** The calendar I/O of a provider, which `classifyCalendarFailures` wraps. */
export type CalendarOperations = Pick<
  CalendarProvider,
  "listCalendars" | "syncEvents" | "createEvent" | "updateEvent" | "deleteEvent"
>;

/** `ops` with every failure rethrown through the provider's classifier (which passes ProviderErrors
 *  through), so the calendar sync and the booking writes only ever see ProviderErrors. */
export function classifyCalendarFailures(
  ops: CalendarOperations,
  classify: (err: unknown) => ProviderError,
): CalendarOperations {
  return {
    listCalendars: (...args) => classified(classify, () => ops.listCalendars(...args)),
    syncEvents: (...args) => classifiedPages(classify, () => ops.syncEvents(...args)),
    createEvent: (...args) => classified(classify, () => ops.createEvent(...args)),
    updateEvent: (...args) => classified(classify, () => ops.updateEvent(...args)),
    deleteEvent: (...args) => classified(classify, () => ops.deleteEvent(...args)),
  };
}
