// The preferences API's input, shared with the web settings page.
import { z } from "zod";
import { notificationKinds } from "./kinds.ts";

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
