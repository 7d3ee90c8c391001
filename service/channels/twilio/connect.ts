// Connecting a studio number: the server's Twilio account must own it; Tatu then points the
// number's Messaging webhook (SmsUrl, POST) at /api/webhooks/twilio so inbound texts arrive.
import { z } from "zod";
import { ProviderError } from "../errors.ts";
import type { CredentialsConnect, NewAccount, ProviderEnv } from "../types.ts";
import { TwilioSession } from "./client.ts";
import { DEFAULT_API_BASE, E164, apiBase, inboundWebhookUrl, ROUTE } from "./config.ts";
import { classifyTwilioError } from "./errors.ts";

export const connectSchema = z.object({
  phoneNumber: z.string().trim().regex(E164, "must be an E.164 phone number, e.g. +15551234567").optional(),
});

/** Loopback public URLs are unreachable for the real Twilio: leave the number's webhook alone. */
function canPointTwilioAt(env: ProviderEnv): boolean {
  if (apiBase(env) !== DEFAULT_API_BASE) return true;
  const host = new URL(env.config.publicUrl).hostname;
  return !(host === "localhost" || host === "::1" || host === "[::1]" || host.startsWith("127."));
}

export async function connectTwilio(env: ProviderEnv, input: z.output<typeof connectSchema>): Promise<NewAccount> {
  const phoneNumber = input.phoneNumber ?? env.config.env.TWILIO_PHONE_NUMBER;
  if (!phoneNumber)
    throw new ProviderError("permanent", "Enter the Twilio phone number to connect (no default studio number is set on this server).", { code: "TWILIO_NO_NUMBER" });
  try {
    const session = new TwilioSession(env);
    // PhoneNumber filters by "contains": pick the exact number among the matches.
    const matches = await session.call((c) => c.incomingPhoneNumbers.list({ phoneNumber, limit: 20 }));
    const found = matches.find((n) => n.phoneNumber === phoneNumber);
    if (!found)
      throw new ProviderError("auth", `The number ${phoneNumber} is not one of this server's Twilio numbers. Check the number, or ask the administrator to add it to the Twilio account.`, { code: "TWILIO_NUMBER_NOT_FOUND" });
    const smsUrl = inboundWebhookUrl(env);
    if (canPointTwilioAt(env)) {
      if (found.smsUrl !== smsUrl || found.smsMethod !== "POST")
        await session.call((c) => c.incomingPhoneNumbers(found.sid).update({ smsUrl, smsMethod: "POST" }));
    } else {
      env.log.warn({ phoneSid: found.sid }, "twilio: NEXTAUTH_URL is a loopback address; the number's Messaging webhook was left unchanged");
    }
    return {
      externalId: phoneNumber,
      address: phoneNumber,
      ...(found.friendlyName && found.friendlyName !== phoneNumber ? { displayName: found.friendlyName } : {}),
      // No secrets: the auth token is server config, not per account.
      credentials: { phoneNumber, phoneSid: found.sid },
      scopes: [],
    };
  } catch (err) {
    throw classifyTwilioError(err);
  }
}

export const twilioConnect: CredentialsConnect<typeof connectSchema> = {
  kind: "credentials",
  route: ROUTE,
  schema: connectSchema,
  connect: connectTwilio,
};
