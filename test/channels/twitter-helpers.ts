// Shared plumbing for the X provider tests: a ProviderEnv pointed at the X stand-in, the
// browser leg of the OAuth 1.0a dance, and sync draining with inbox-style dedup.
import { randomBytes } from "node:crypto";
import { twitterProvider } from "../../service/providers/twitter/index.ts";
import type {
  NewAccount,
  OAuth1Connect,
  ProviderAccount,
  ProviderEnv,
  SyncOptions,
  SyncPage,
} from "../../service/providers/kit/channel.ts";
import type { TwitterStandIn, User } from "../../standins/twitter/index.ts";

import { drainInto, sha256, Store as InboxStore, testProviderEnv } from "../helpers/providers.ts";

export const PUBLIC_URL = "https://tatu.example.com";
export const CALLBACK = `${PUBLIC_URL}/api/integrations/twitter/callback`;
export const oauth1 = twitterProvider.connect as OAuth1Connect;

export const providerEnv = (overrides: Record<string, string>): ProviderEnv =>
  testProviderEnv("twitter", { NEXTAUTH_URL: PUBLIC_URL, ...overrides });

export { sha256 };
export const days = (n: number) => new Date(Date.now() - n * 86_400_000);
export const tag = () => randomBytes(3).toString("hex");

/** The user's browser: open the authorize link, get redirected back to the callback. */
export async function approve(standIn: TwitterStandIn, userId: string, url: string): Promise<URL> {
  standIn.consentAs(userId);
  const res = await fetch(url, { redirect: "manual" });
  if (res.status !== 302) throw new Error(`authorize answered ${res.status}`);
  return new URL(res.headers.get("location")!);
}

export interface TestAccount extends ProviderAccount {
  connected: NewAccount;
}

export async function connect(env: ProviderEnv, standIn: TwitterStandIn, user: User): Promise<TestAccount> {
  const { url, token, tokenSecret } = await oauth1.requestToken(env, { callbackUrl: CALLBACK });
  const back = await approve(standIn, user.id, url);
  const verifier = back.searchParams.get("oauth_verifier");
  if (back.searchParams.get("oauth_token") !== token || !verifier) throw new Error(`unexpected callback ${back}`);
  const connected = await oauth1.exchange(env, { token, tokenSecret, verifier });
  const account: TestAccount = {
    id: `acct-${tag()}`,
    userId: "user-1",
    externalId: connected.externalId,
    address: connected.address,
    credentials: connected.credentials,
    connected,
    async saveCredentials(next) {
      account.credentials = next;
    },
  };
  return account;
}

/** The inbox stand-in, plus the texts it kept. */
export class Store extends InboxStore {
  texts(): string[] {
    return [...this.byId.values()].map((m) => m.text).sort();
  }
}

export async function drain(
  env: ProviderEnv,
  account: ProviderAccount,
  store: Store,
  opts: SyncOptions = {},
  stopAfter = Infinity,
): Promise<SyncPage[]> {
  return drainInto(twitterProvider.sync(env, account, store.cursor, opts), store, stopAfter);
}
