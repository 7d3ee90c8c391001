// A calendar connection as the API shows it (GET /api/calendars, connect answers).
import { calendarProvider } from "../providers/registry.ts";

/** Public fields only: no cursor, no credentials. */
export const calendarView = (c: {
  id: string;
  provider: string;
  name: string;
  calendarExternalId: string;
  timeZone: string | null;
  readOnly: boolean;
  isPrimary: boolean;
  status: string;
  lastSyncAt: Date | null;
  lastSuccessAt: Date | null;
  lastError: string | null;
  accountId: string;
}) => ({
  id: c.id,
  provider: c.provider,
  label: calendarProvider(c.provider)?.label ?? c.provider,
  name: c.name,
  timeZone: c.timeZone,
  readOnly: c.readOnly,
  isPrimary: c.isPrimary,
  status: c.status,
  needsReconnect: c.status === "reauth_required",
  lastSyncAt: c.lastSyncAt,
  lastSuccessAt: c.lastSuccessAt,
  lastError: c.lastError,
  accountId: c.accountId,
});
