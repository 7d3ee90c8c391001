// Connecting a studio number. Either a number of the server's Twilio account (who may connect
// which one is decided before this runs: service/integrations/twilio-connect.ts) or a number of
// the studio's own Twilio account, whose credentials must own it. Tatu then points the number's
// Messaging webhook (SmsUrl, POST) at /api/webhooks/twilio so inbound texts arrive.
import { z } from "zod";
import { ProviderError } from "../kit/errors.ts";
import type { CredentialsConnect, NewAccount, ProviderEnv } from "../kit/channel.ts";
import { TwilioSession } from "../kit/twilio/session.ts";
import {
  DEFAULT_API_BASE,
  E164,
  apiBase,
  inboundWebhookUrl,
  ROUTE,
  type ServerCredentials,
} from "../kit/twilio/config.ts";
import { classifyTwilioError } from "../kit/twilio/errors.ts";

const e164 = z.string().trim().regex(E164, "must be an E.164 phone number, e.g. +15551234567");

export const connectSchema = z
  .object({
    phoneNumber: e164.optional(),
    /** A studio's own Twilio account (both or neither). */
    accountSid: z
      .string()
      .trim()
      .regex(/^AC[0-9a-fA-F]{32}$/, "must be a Twilio Account SID: AC followed by 32 hex digits")
      .optional(),
    authToken: z
      .string()
      .trim()
      .min(16, "must be the Twilio auth token of that account")
      .max(200, "is too long")
      .optional(),
  })
  .superRefine((v, ctx) => {
    if (v.accountSid && !v.authToken)
      ctx.addIssue({ code: "custom", path: ["authToken"], message: "is required with accountSid" });
    if (v.authToken && !v.accountSid)
      ctx.addIssue({ code: "custom", path: ["accountSid"], message: "is required with authToken" });
    if (v.accountSid && !v.phoneNumber)
      ctx.addIssue({
        code: "custom",
        path: ["phoneNumber"],
        message: "is required with your own Twilio account: which of its numbers?",
      });
  });
export type TwilioConnectInput = z.output<typeof connectSchema>;

/** Loopback public URLs are unreachable for the real Twilio: leave the number's webhook alone. */
function canPointTwilioAt(env: ProviderEnv): boolean {
  if (apiBase(env) !== DEFAULT_API_BASE) return true;
  const host = new URL(env.config.publicUrl).hostname;
  return !(host === "localhost" || host === "::1" || host === "[::1]" || host.startsWith("127."));
}

/** The number asked for: the given one, else the server's default (TWILIO_PHONE_NUMBER). */
export function requestedNumber(env: ProviderEnv, input: TwilioConnectInput): string {
  const phoneNumber = input.phoneNumber ?? env.config.env.TWILIO_PHONE_NUMBER;
  if (!phoneNumber)
    throw new ProviderError(
      "permanent",
      "Enter the Twilio phone number to connect (no default studio number is set on this server).",
      { code: "TWILIO_NO_NUMBER" },
    );
  return phoneNumber;
}

/** `own`: the studio's own Twilio account; without it the server's. */
export async function connectTwilio(
  env: ProviderEnv,
  input: TwilioConnectInput,
  own?: ServerCredentials,
): Promise<NewAccount> {
  const phoneNumber = requestedNumber(env, input);
  try {
    const session = new TwilioSession(env, own);
    // PhoneNumber filters by "contains": pick the exact number among the matches.
    const matches = await session.call((c) => c.incomingPhoneNumbers.list({ phoneNumber, limit: 20 }));
    const found = matches.find((n) => n.phoneNumber === phoneNumber);
    if (!found) {
      throw own
        ? new ProviderError(
            "auth",
            `The number ${phoneNumber} is not one of the numbers of the Twilio account ${own.accountSid}. Check the number (with its country code) and the Account SID.`,
            { code: "TWILIO_NUMBER_NOT_IN_ACCOUNT" },
          )
        : new ProviderError(
            "auth",
            `The number ${phoneNumber} is not one of this server's Twilio numbers. Check the number, or ask the administrator to add it to the Twilio account.`,
            { code: "TWILIO_NUMBER_NOT_FOUND" },
          );
    }
    const smsUrl = inboundWebhookUrl(env);
    if (canPointTwilioAt(env)) {
      if (found.smsUrl !== smsUrl || found.smsMethod !== "POST")
        await session.call((c) => c.incomingPhoneNumbers(found.sid).update({ smsUrl, smsMethod: "POST" }));
    } else {
      env.log.warn(
        { phoneSid: found.sid },
        "twilio: NEXTAUTH_URL is a loopback address; the number's Messaging webhook was left unchanged",
      );
    }
    return {
      externalId: phoneNumber,
      address: phoneNumber,
      ...(found.friendlyName && found.friendlyName !== phoneNumber ? { displayName: found.friendlyName } : {}),
      // The server's numbers carry no secret (the auth token is server config); a studio's own
      // account keeps its credentials here, sealed with the account like every provider token.
      credentials: own
        ? { phoneNumber, phoneSid: found.sid, accountSid: own.accountSid, authToken: own.authToken }
        : { phoneNumber, phoneSid: found.sid },
      ...(own ? { providerAccountId: own.accountSid } : {}),
      scopes: [],
    };
  } catch (err) {
    const e = classifyTwilioError(err);
    // Twilio refused the studio's own credentials: say so in its words, not the server's.
    if (own && e.code === "TWILIO_AUTH_FAILED")
      throw new ProviderError(
        "auth",
        "Twilio rejected this Account SID and auth token. Copy both from the Twilio console (Account info) and try again.",
        { code: "TWILIO_CREDENTIALS_INVALID", status: e.status, cause: err },
      );
    throw e;
  }
}

export const twilioConnect: CredentialsConnect<typeof connectSchema> = {
  kind: "credentials",
  route: ROUTE,
  schema: connectSchema,
  connect: (env, input) =>
    connectTwilio(
      env,
      input,
      input.accountSid && input.authToken ? { accountSid: input.accountSid, authToken: input.authToken } : undefined,
    ),
};
