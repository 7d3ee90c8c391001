// Where the Twilio provider talks to and with which credentials. A studio connects either a
// number of the server's own Twilio account (TWILIO_*; an admin assigns it to one artist) or a
// number of its own Twilio account, whose AccountSid + auth token are stored sealed with the
// connected account and used for everything that account does.
import { ProviderError } from "../errors.ts";
import type { ProviderEnv } from "../channel.ts";

export const ROUTE = "twilio";
export const E164 = /^\+[1-9]\d{6,14}$/;
export const DEFAULT_API_BASE = "https://api.twilio.com";

/** TWILIO_API_BASE_URL (stand-ins / rehearsal only); the real API otherwise. */
export function apiBase(env: ProviderEnv): string {
  const v = (env.config.env as Record<string, unknown>).TWILIO_API_BASE_URL;
  return (typeof v === "string" && v.trim() ? v.trim() : DEFAULT_API_BASE).replace(/\/+$/, "");
}

export interface ServerCredentials {
  accountSid: string;
  authToken: string;
}

/** Credentials a studio brought (its own Twilio account), as stored (sealed) with the account. */
export function ownCredentials(credentials: Record<string, unknown>): ServerCredentials | undefined {
  const { accountSid, authToken } = credentials;
  return typeof accountSid === "string" && typeof authToken === "string" && accountSid && authToken
    ? { accountSid, authToken }
    : undefined;
}

/** The Twilio account an account's calls go to: its own, else the server's. */
export function accountCredentials(
  env: ProviderEnv,
  account: { credentials: Record<string, unknown> },
): ServerCredentials {
  return ownCredentials(account.credentials) ?? serverCredentials(env);
}

export function serverCredentials(env: ProviderEnv): ServerCredentials {
  const accountSid = env.config.env.TWILIO_ACCOUNT_SID;
  const authToken = env.config.env.TWILIO_AUTH_TOKEN;
  if (!accountSid || !authToken)
    throw new ProviderError(
      "permanent",
      "Text messaging is not set up on this server: TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are missing.",
      { code: "TWILIO_NOT_CONFIGURED" },
    );
  return { accountSid, authToken };
}

/** Twilio's "Messaging URL" of a connected number: inbound SMS/MMS are posted here. */
export const inboundWebhookUrl = (env: ProviderEnv) => `${env.config.publicUrl}/api/webhooks/twilio`;
/** StatusCallback of every message Tatu sends. */
export const statusWebhookUrl = (env: ProviderEnv) => `${env.config.publicUrl}/api/webhooks/twilio/status`;
