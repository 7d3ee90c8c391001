// Shared plumbing for the X provider tests: a ProviderEnv pointed at the X stand-in, the
// browser leg of the OAuth 1.0a dance, and sync draining with inbox-style dedup.
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "../../service/config/load.ts";
import { createLogger } from "../../service/observability/logger.ts";
import { twitterProvider } from "../../service/channels/twitter/index.ts";
import type { InboundMessage, NewAccount, OAuth1Connect, ProviderAccount, ProviderEnv, SyncCursor, SyncOptions, SyncPage } from "../../service/channels/types.ts";
import type { TwitterStandIn, User } from "../../standins/twitter/index.ts";

export const PUBLIC_URL = "https://tatu.example.com";
export const CALLBACK = `${PUBLIC_URL}/api/integrations/twitter/callback`;
export const oauth1 = twitterProvider.connect as OAuth1Connect;

export function providerEnv(overrides: Record<string, string>): ProviderEnv {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tatu-twitter-"));
  return {
    config: loadConfig({ NODE_ENV: "test", TATU_DATA_DIR: dir, NEXTAUTH_URL: PUBLIC_URL, ...overrides }),
    log: createLogger({ level: "silent" }),
  };
}

export const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
export const days = (n: number) => new Date(Date.now() - n * 86_400_000);
export const tag = () => randomBytes(3).toString("hex");

/** The user's browser: open the authorize link, get redirected back to the callback. */
export async function approve(standIn: TwitterStandIn, userId: string, url: string): Promise<URL> {
  standIn.consentAs(userId);
  const res = await fetch(url, { redirect: "manual" });
  if (res.status !== 302) throw new Error(`authorize answered ${res.status}`);
  return new URL(res.headers.get("location")!);
}

export interface TestAccount extends ProviderAccount { connected: NewAccount }

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
    async saveCredentials(next) { account.credentials = next; },
  };
  return account;
}

/** Stands in for the inbox: keeps every message once per externalId, counts re-deliveries. */
export class Store {
  readonly byId = new Map<string, InboundMessage>();
  yielded = 0;
  cursor: SyncCursor | null = null;
  add(page: SyncPage): void {
    for (const m of page.messages) {
      this.yielded++;
      if (!this.byId.has(m.externalId)) this.byId.set(m.externalId, m);
    }
    this.cursor = page.cursor;
  }
  texts(): string[] {
    return [...this.byId.values()].map((m) => m.text).sort();
  }
}

export async function drain(env: ProviderEnv, account: ProviderAccount, store: Store, opts: SyncOptions = {}, stopAfter = Infinity): Promise<SyncPage[]> {
  const pages: SyncPage[] = [];
  for await (const page of twitterProvider.sync(env, account, store.cursor, opts)) {
    // Like the inbox: messages and cursor committed together (through JSON, a database
    // column); the loop may "crash" (break) after any page.
    store.add({ messages: page.messages, cursor: JSON.parse(JSON.stringify(page.cursor)) as SyncCursor });
    pages.push(page);
    if (pages.length >= stopAfter) break;
  }
  return pages;
}
