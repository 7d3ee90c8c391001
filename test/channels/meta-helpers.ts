// Shared plumbing for the Facebook/Instagram tests: a ProviderEnv pointed at the Meta stand-in,
// the browser leg of Facebook Login, accounts built from a connect, sync draining with
// inbox-style dedup, and webhook requests signed with an HMAC computed here (node:crypto),
// independent of the code under test.
import { createHmac, randomBytes } from "node:crypto";
import type { ChannelProvider, NewAccount, OAuthConnect, ProviderEnv } from "../../service/providers/kit/channel.ts";
import type { RawWebhook } from "../../service/providers/kit/webhook.ts";
import type { MetaStandIn } from "../../standins/meta/index.ts";

import {
  drainSync,
  followConsent,
  sha256,
  Store,
  testAccount,
  testProviderEnv,
  type TestAccount,
} from "../helpers/providers.ts";

export const PUBLIC_URL = "https://tatu.example.com";
export const REDIRECT_URI = `${PUBLIC_URL}/api/integrations/facebook/callback`;

export const providerEnv = (overrides: Record<string, string>): ProviderEnv =>
  testProviderEnv("meta", { NEXTAUTH_URL: PUBLIC_URL, ...overrides });

export { sha256 };

/** What the user's browser does: open the login dialog and follow the redirect back. */
export async function authorize(
  env: ProviderEnv,
  provider: ChannelProvider,
  standIn: MetaStandIn,
  userId: string,
  redirectUri = REDIRECT_URI,
): Promise<URL> {
  standIn.consentAs(userId);
  const state = randomBytes(12).toString("base64url");
  const url = new URL(
    (provider.connect as OAuthConnect).authorizationUrl(env, { state, redirectUri, codeChallenge: "unused-by-meta" }),
  );
  const back = await followConsent(url, "login dialog");
  if (back.searchParams.get("state") !== state) throw new Error("state was not echoed");
  return back;
}

export type { TestAccount };

export function accountFrom(connected: NewAccount): TestAccount {
  // Through JSON, as the inbox stores them (encrypted) and hands them back.
  return testAccount(connected, JSON.parse(JSON.stringify(connected.credentials)) as Record<string, unknown>);
}

export async function connect(
  env: ProviderEnv,
  provider: ChannelProvider,
  standIn: MetaStandIn,
  userId: string,
): Promise<NewAccount> {
  const back = await authorize(env, provider, standIn, userId);
  const code = back.searchParams.get("code");
  if (!code) throw new Error(`no code: ${back.searchParams.get("error_reason")}`);
  return (provider.connect as OAuthConnect).exchangeCode(env, {
    code,
    redirectUri: REDIRECT_URI,
    codeVerifier: "unused-by-meta",
  });
}

export { drainSync as drain, Store };

/** A webhook request as Tatu's endpoint receives it, signed here with node:crypto. */
export function signedWebhook(
  payload: unknown,
  secret: string,
  opts: { header?: string | null; body?: Buffer } = {},
): RawWebhook {
  const rawBody = opts.body ?? Buffer.from(JSON.stringify(payload));
  const header =
    opts.header === undefined ? `sha256=${createHmac("sha256", secret).update(rawBody).digest("hex")}` : opts.header;
  return {
    rawBody,
    headers: { "content-type": "application/json", ...(header !== null ? { "x-hub-signature-256": header } : {}) },
    publicUrl: `${PUBLIC_URL}/api/webhooks/facebook`,
  };
}
