// The calendars Tatu knows, by id. Adding one = one folder + one line here.
import type { CalendarProvider, CalendarProviderId } from "./kit/calendar.ts";
import { googleCalendarProvider } from "./google-calendar/index.ts";
import { outlookCalendarProvider } from "./outlook-calendar/index.ts";
import { appleCalendarProvider } from "./caldav/index.ts";
import { squareProvider } from "./square/index.ts";

export const calendarProviders: Record<CalendarProviderId, CalendarProvider> = {
  "google-calendar": googleCalendarProvider,
  "outlook-calendar": outlookCalendarProvider,
  "apple-calendar": appleCalendarProvider,
  square: squareProvider,
};

export function calendarProvider(id: string): CalendarProvider | undefined {
  return Object.hasOwn(calendarProviders, id) ? calendarProviders[id as CalendarProviderId] : undefined;
}

export function calendarByRoute(route: string): CalendarProvider | undefined {
  return Object.values(calendarProviders).find((p) => p.connect.kind === "credentials" && p.connect.route === route);
}
