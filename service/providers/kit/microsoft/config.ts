// Where the Outlook provider talks to: the Microsoft identity platform and Graph, or the
// stand-ins that replace them in tests and `tatu launch --rehearse`.
import type { ProviderEnv } from "../channel.ts";
import { ProviderError } from "../errors.ts";

export const ROUTE = "outlook";

/** One grant for mail now and Outlook Calendar later (Calendars.ReadWrite). */
export const SCOPES = [
  "offline_access",
  "openid",
  "email",
  "profile",
  "User.Read",
  "Mail.ReadWrite",
  "Mail.Send",
  "Calendars.ReadWrite",
];

export function loginBase(env: ProviderEnv): string {
  return (env.config.env.MICROSOFT_LOGIN_BASE_URL ?? "https://login.microsoftonline.com").replace(/\/+$/, "");
}

/** The Graph root without the version segment (the SDK adds "v1.0"). */
export function graphRoot(env: ProviderEnv): string {
  return (env.config.env.MICROSOFT_GRAPH_BASE_URL ?? "https://graph.microsoft.com")
    .replace(/\/+$/, "")
    .replace(/\/v1\.0$/i, "");
}

export function clientCredentials(env: ProviderEnv): { clientId: string; clientSecret: string } {
  const clientId = env.config.env.OUTLOOK_CLIENT_ID;
  const clientSecret = env.config.env.OUTLOOK_CLIENT_SECRET;
  if (!clientId || !clientSecret)
    throw new ProviderError(
      "permanent",
      "Outlook is not configured: set OUTLOOK_CLIENT_ID and OUTLOOK_CLIENT_SECRET.",
      { code: "OUTLOOK_NOT_CONFIGURED" },
    );
  return { clientId, clientSecret };
}

export function defaultRedirectUri(env: ProviderEnv): string {
  return env.config.env.OUTLOOK_REDIRECT_URI ?? `${env.config.publicUrl}/api/integrations/${ROUTE}/callback`;
}
