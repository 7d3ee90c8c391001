// Shared plumbing for the Outlook provider tests: a ProviderEnv pointed at the Microsoft
// stand-in, the browser leg of the OAuth dance, and sync draining with inbox-style dedup.
import { randomBytes } from "node:crypto";
import { outlookProvider } from "../../service/providers/outlook/index.ts";
import type { OAuthConnect, ProviderAccount, ProviderEnv, SyncOptions } from "../../service/providers/kit/channel.ts";
import type { MicrosoftStandIn } from "../../standins/microsoft/index.ts";

import {
  drainSync,
  followConsent,
  pkce,
  sha256,
  Store as InboxStore,
  testAccount,
  testProviderEnv,
  type TestAccount,
} from "../helpers/providers.ts";

export const REDIRECT_URI = "https://tatu.example.com/api/integrations/outlook/callback";
export const oauth = outlookProvider.connect as OAuthConnect;

export const providerEnv = (overrides: Record<string, string>): ProviderEnv =>
  testProviderEnv("outlook", { NEXTAUTH_URL: "https://tatu.example.com", ...overrides });

export { pkce, sha256, type TestAccount };

/** What the user's browser does: open the authorize URL, follow the consent redirect back. */
export async function authorize(
  env: ProviderEnv,
  standIn: MicrosoftStandIn,
  email: string,
  challenge: string,
): Promise<{ code: string; url: URL }> {
  standIn.consentAs(email);
  const state = randomBytes(12).toString("base64url");
  const url = new URL(oauth.authorizationUrl(env, { state, redirectUri: REDIRECT_URI, codeChallenge: challenge }));
  const back = await followConsent(url, "authorize");
  if (back.searchParams.get("state") !== state) throw new Error("state was not echoed");
  const code = back.searchParams.get("code");
  if (!code) throw new Error(`no code: ${back.searchParams.get("error_description")}`);
  return { code, url };
}

export async function connect(env: ProviderEnv, standIn: MicrosoftStandIn, email: string): Promise<TestAccount> {
  const { verifier, challenge } = pkce();
  const { code } = await authorize(env, standIn, email, challenge);
  return testAccount(await oauth.exchangeCode(env, { code, redirectUri: REDIRECT_URI, codeVerifier: verifier }));
}

/** The inbox stand-in, plus the subjects it kept. */
export class Store extends InboxStore {
  subjects(direction: "inbound" | "outbound" = "inbound"): string[] {
    return [...this.byId.values()]
      .filter((m) => m.direction === direction)
      .map((m) => m.subject ?? "")
      .sort();
  }
}

export const drain = (
  env: ProviderEnv,
  account: ProviderAccount,
  store: Store,
  opts?: SyncOptions,
  stopAfter?: number,
) => drainSync(outlookProvider, env, account, store, opts, stopAfter);
