// Shared plumbing for the Outlook provider tests: a ProviderEnv pointed at the Microsoft
// stand-in, the browser leg of the OAuth dance, and sync draining with inbox-style dedup.
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "../../service/config/load.ts";
import { createLogger } from "../../service/observability/logger.ts";
import { outlookProvider } from "../../service/channels/outlook/index.ts";
import type { InboundMessage, NewAccount, OAuthConnect, ProviderAccount, ProviderEnv, SyncCursor, SyncOptions, SyncPage } from "../../service/channels/types.ts";
import type { MicrosoftStandIn } from "../../standins/microsoft/index.ts";

export const REDIRECT_URI = "https://tatu.example.com/api/integrations/outlook/callback";
export const oauth = outlookProvider.connect as OAuthConnect;

export function providerEnv(overrides: Record<string, string>): ProviderEnv {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tatu-outlook-"));
  return {
    config: loadConfig({ NODE_ENV: "test", TATU_DATA_DIR: dir, NEXTAUTH_URL: "https://tatu.example.com", ...overrides }),
    log: createLogger({ level: "silent" }),
  };
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

export const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** What the user's browser does: open the authorize URL, follow the consent redirect back. */
export async function authorize(env: ProviderEnv, standIn: MicrosoftStandIn, email: string, challenge: string): Promise<{ code: string; url: URL }> {
  standIn.consentAs(email);
  const state = randomBytes(12).toString("base64url");
  const url = new URL(oauth.authorizationUrl(env, { state, redirectUri: REDIRECT_URI, codeChallenge: challenge }));
  const res = await fetch(url, { redirect: "manual" });
  if (res.status !== 302) throw new Error(`authorize answered ${res.status}`);
  const back = new URL(res.headers.get("location")!);
  if (back.searchParams.get("state") !== state) throw new Error("state was not echoed");
  const code = back.searchParams.get("code");
  if (!code) throw new Error(`no code: ${back.searchParams.get("error_description")}`);
  return { code, url };
}

export interface TestAccount extends ProviderAccount { saves: Record<string, unknown>[]; connected: NewAccount }

export async function connect(env: ProviderEnv, standIn: MicrosoftStandIn, email: string): Promise<TestAccount> {
  const { verifier, challenge } = pkce();
  const { code } = await authorize(env, standIn, email, challenge);
  const connected = await oauth.exchangeCode(env, { code, redirectUri: REDIRECT_URI, codeVerifier: verifier });
  const account: TestAccount = {
    id: `acct-${randomBytes(4).toString("hex")}`,
    userId: "user-1",
    externalId: connected.externalId,
    address: connected.address,
    credentials: connected.credentials,
    saves: [],
    connected,
    async saveCredentials(next) {
      account.saves.push(next);
      account.credentials = next;
    },
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
  subjects(direction: "inbound" | "outbound" = "inbound"): string[] {
    return [...this.byId.values()].filter((m) => m.direction === direction).map((m) => m.subject ?? "").sort();
  }
}

export async function drain(env: ProviderEnv, account: ProviderAccount, store: Store, opts: SyncOptions = {}, stopAfter = Infinity): Promise<SyncPage[]> {
  const pages: SyncPage[] = [];
  for await (const page of outlookProvider.sync(env, account, store.cursor, opts)) {
    // Like the inbox: messages and cursor committed together; the cursor goes through JSON
    // (a database column), then the loop may "crash" (break) after any page.
    store.add({ messages: page.messages, cursor: JSON.parse(JSON.stringify(page.cursor)) as SyncCursor });
    pages.push(page);
    if (pages.length >= stopAfter) break;
  }
  return pages;
}
