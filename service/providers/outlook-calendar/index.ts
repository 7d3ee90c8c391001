// Outlook Calendar through Microsoft Graph, on the Outlook mailbox's grant (same account,
// same credentials, same token refresh: GraphSession from the mail provider).
import { smokeChecks } from "../kit/smoke.ts";
import { z } from "zod";
import { plainWords } from "../kit/errors.ts";
import { classifyOutlookError } from "../kit/microsoft/errors.ts";
import { GraphSession, encodeId } from "../kit/microsoft/graph.ts";
import type { ProviderAccount, ProviderEnv, SmokeResult } from "../kit/channel.ts";
import {
  classifyCalendarFailures,
  type CalendarInfo,
  type CalendarProvider,
  type WrittenEvent,
} from "../kit/calendar.ts";
import { eventBody, graphEvent } from "./events.ts";
import { PREFER, syncOutlookCalendar } from "./sync.ts";
import meta from "./meta.ts";

const calendarSchema = z.object({
  id: z.string().min(1),
  name: z.string().nullish(),
  isDefaultCalendar: z.boolean().nullish(),
  canEdit: z.boolean().nullish(),
});
const calendarsPage = z.object({ "@odata.nextLink": z.string().optional(), value: z.array(calendarSchema) });
const listPage = z.object({ value: z.array(z.unknown()) });

async function listCalendars(env: ProviderEnv, account: ProviderAccount): Promise<CalendarInfo[]> {
  const session = new GraphSession(env, account);
  const out: CalendarInfo[] = [];
  let link: string | undefined;
  for (let guard = 0; guard < 50; guard++) {
    const page = calendarsPage.parse(
      await session.call(() =>
        link
          ? session.api(link).get()
          : session.api("/me/calendars").select(["id", "name", "isDefaultCalendar", "canEdit"]).top(100).get(),
      ),
    );
    for (const c of page.value)
      out.push({
        externalId: c.id,
        name: c.name ?? "Calendar",
        primary: c.isDefaultCalendar === true,
        readOnly: c.canEdit === false,
      });
    link = page["@odata.nextLink"];
    if (!link) break;
  }
  return out;
}

function written(raw: unknown): WrittenEvent {
  const ev = graphEvent.parse(raw);
  return {
    externalId: ev.id,
    ...(ev.iCalUId ? { iCalUID: ev.iCalUId } : {}),
    ...(ev.changeKey ? { etag: ev.changeKey } : {}),
  };
}

const createEvent: CalendarProvider["createEvent"] = async (env, account, calendarId, draft) => {
  const session = new GraphSession(env, account);
  // transactionId makes a retried POST (timeout after Graph created it) return the same event.
  // Graph assigns iCalUId itself (read-only in v1.0): draft.iCalUID cannot be imposed.
  const body = { ...eventBody(draft), transactionId: draft.appointmentId };
  return written(
    await session.call(() =>
      session
        .api(`/me/calendars/${encodeId(calendarId)}/events`)
        .header("Prefer", PREFER)
        .post(body),
    ),
  );
};

const updateEvent: CalendarProvider["updateEvent"] = async (env, account, calendarId, externalId, draft) => {
  const session = new GraphSession(env, account);
  return written(
    await session.call(() =>
      session
        .api(`/me/calendars/${encodeId(calendarId)}/events/${encodeId(externalId)}`)
        .header("Prefer", PREFER)
        .patch(eventBody(draft)),
    ),
  );
};

const deleteEvent: CalendarProvider["deleteEvent"] = async (env, account, calendarId, externalId) => {
  const session = new GraphSession(env, account);
  try {
    await session.call(() =>
      session.api(`/me/calendars/${encodeId(calendarId)}/events/${encodeId(externalId)}`).delete(),
    );
  } catch (err) {
    if (classifyOutlookError(err).status === 404) return; // already gone: the goal is met
    throw classifyOutlookError(err);
  }
};

async function smoke(env: ProviderEnv, account: ProviderAccount): Promise<SmokeResult> {
  const { run, result, checks } = smokeChecks((err) =>
    plainWords(classifyOutlookError(err).errorClass, "Outlook Calendar"),
  );
  let session: GraphSession | undefined;
  await run("calendars", async () => {
    session = new GraphSession(env, account);
    const s = session;
    const page = calendarsPage.parse(
      await s.call(() => s.api("/me/calendars").select(["id", "name", "isDefaultCalendar", "canEdit"]).get()),
    );
    return `${page.value.length} calendar${page.value.length === 1 ? "" : "s"}`;
  });
  if (checks[0]?.ok && session) {
    const s = session;
    await run("calendarView", async () => {
      const now = new Date();
      const until = new Date(now.getTime() + 7 * 86_400_000);
      const page = listPage.parse(
        await s.call(() =>
          s
            .api("/me/calendarView")
            .query({
              startDateTime: now.toISOString().replace(/\.\d{3}Z$/, "Z"),
              endDateTime: until.toISOString().replace(/\.\d{3}Z$/, "Z"),
            })
            .select(["id"])
            .top(1)
            .header("Prefer", 'outlook.timezone="UTC"')
            .get(),
        ),
      );
      return page.value.length ? "events readable" : "events readable (none this week)";
    });
  }
  return result();
}

export const outlookCalendarProvider: CalendarProvider = {
  ...meta,
  connect: {
    kind: "shared-grant",
    route: "outlook",
    grantLabel: "Microsoft",
    grantProvider: "outlook",
    requiredScope: "Calendars.ReadWrite",
  },
  ...classifyCalendarFailures(
    { listCalendars, syncEvents: syncOutlookCalendar, createEvent, updateEvent, deleteEvent },
    classifyOutlookError,
  ),
  classifyError: classifyOutlookError,
  smoke,
};

export default outlookCalendarProvider;
