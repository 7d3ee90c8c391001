// Texts from the platform's Twilio number (TWILIO_PHONE_NUMBER) through the official SDK, the
// same session the reminders use (TWILIO_API_BASE_URL honoured, errors classified once).
import type { AppContext } from "../context.ts";
import { providerEnv } from "../integrations/accounts.ts";
import { classifyTwilioError } from "../providers/kit/twilio/errors.ts";
import { TwilioSession } from "../providers/kit/twilio/session.ts";

/** Texts are possible when the server has a Twilio account and a sending number. */
export function smsConfigured(ctx: AppContext): boolean {
  const e = ctx.config.env;
  return Boolean(e.TWILIO_ACCOUNT_SID && e.TWILIO_AUTH_TOKEN && e.TWILIO_PHONE_NUMBER);
}

export type SmsResult = { ok: true; sid: string } | { ok: false; permanent: boolean; error: string };

export async function sendSms(ctx: AppContext, to: string, body: string): Promise<SmsResult> {
  const from = ctx.config.env.TWILIO_PHONE_NUMBER;
  if (!smsConfigured(ctx) || !from)
    return { ok: false, permanent: false, error: "Texting is not set up on this server." };
  if (!(await ctx.switches.isEnabled("provider.twilio")))
    return { ok: false, permanent: false, error: "Texting is switched off (provider.twilio)." };
  try {
    // No status callback: delivery receipts are the inbox's and reminders' concern, not ours.
    const msg = await new TwilioSession(providerEnv(ctx)).call((c) => c.messages.create({ from, to, body }));
    return { ok: true, sid: msg.sid };
  } catch (err) {
    const e = classifyTwilioError(err);
    return {
      ok: false,
      permanent: e.errorClass === "permanent",
      error: `[${e.errorClass}] ${e.message}`.slice(0, 1000),
    };
  }
}
