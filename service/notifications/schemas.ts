// The preferences API's input, shared with the web settings page.
import { z } from "zod";

/** Every notification kind (who gets each, and which are transactional: kinds.ts). Here, not
 *  there, so the web settings page can validate with this schema alone. */
export const notificationKinds = [
  "request_received",
  "request_acknowledged",
  "times_offered",
  "request_declined",
  "booking_confirmed",
  "rescheduled",
  "cancelled",
  "deposit_receipt",
  "reschedule_requested",
  "reschedule_declined",
  "no_show",
  "artist_message",
] as const;
export type NotificationKind = (typeof notificationKinds)[number];

/** E.164: a plus, then up to 15 digits, no leading zero. */
export const e164 = z
  .string()
  .trim()
  .regex(/^\+[1-9]\d{6,14}$/, "Use the international format, e.g. +4915123456789.");

const choice = z.object({ email: z.boolean(), sms: z.boolean() }).strict();

export const preferencesBody = z
  .object({
    /** null removes the number (and with it every text). */
    phone: e164.nullable().optional(),
    kinds: z.partialRecord(z.enum(notificationKinds), choice).default({}),
  })
  .strict();
export type PreferencesBody = z.output<typeof preferencesBody>;
