import { defineMeta } from "../kit/meta.ts";

/** Uses the Outlook connection's grant. */
export default defineMeta({ id: "outlook-calendar", order: 120, label: "Outlook Calendar", kind: "calendar" });
