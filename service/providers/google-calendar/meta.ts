import { defineMeta } from "../kit/meta.ts";

/** Uses the Gmail connection's grant. */
export default defineMeta({ id: "google-calendar", order: 110, label: "Google Calendar", kind: "calendar" });
