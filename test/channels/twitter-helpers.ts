// Shared plumbing for the X provider tests: a ProviderEnv pointed at the X stand-in, the
// browser leg of the OAuth 1.0a dance, and sync draining with inbox-style dedup.
import { randomBytes } from "node:crypto";
import { twitterProvider } from "../../service/providers/twitter/index.ts";
import type { OAuth1Connect, ProviderAccount, ProviderEnv, SyncOptions } from "../../service/providers/kit/channel.ts";
import type { TwitterStandIn, User } from "../../standins/twitter/index.ts";

import {
  drainSync,
  followConsent,
  sha256,
  Store as InboxStore,
  testAccount,
  testProviderEnv,
  type TestAccount,
} from "../helpers/providers.ts";

export const PUBLIC_URL = "https://tatu.example.com";
export const CALLBACK = `${PUBLIC_URL}/api/integrations/twitter/callback`;
export const oauth1 = twitterProvider.connect as OAuth1Connect;

export const providerEnv = (overrides: Record<string, string>): ProviderEnv =>
  testProviderEnv("twitter", { NEXTAUTH_URL: PUBLIC_URL, ...overrides });

export { sha256, type TestAccount };
export const days = (n: number) => new Date(Date.now() - n * 86_400_000);
export const tag = () => randomBytes(3).toString("hex");

/** The user's browser: open the authorize link, get redirected back to the callback. */
export async function approve(standIn: TwitterStandIn, userId: string, url: string): Promise<URL> {
  standIn.consentAs(userId);
  return followConsent(url, "authorize");
}

export async function connect(env: ProviderEnv, standIn: TwitterStandIn, user: User): Promise<TestAccount> {
  const { url, token, tokenSecret } = await oauth1.requestToken(env, { callbackUrl: CALLBACK });
  const back = await approve(standIn, user.id, url);
  const verifier = back.searchParams.get("oauth_verifier");
  if (back.searchParams.get("oauth_token") !== token || !verifier) throw new Error(`unexpected callback ${back}`);
  return testAccount(await oauth1.exchange(env, { token, tokenSecret, verifier }));
}

/** The inbox stand-in, plus the texts it kept. */
export class Store extends InboxStore {
  texts(): string[] {
    return [...this.byId.values()].map((m) => m.text).sort();
  }
}

export const drain = (
  env: ProviderEnv,
  account: ProviderAccount,
  store: Store,
  opts?: SyncOptions,
  stopAfter?: number,
) => drainSync(twitterProvider, env, account, store, opts, stopAfter);
