// Plumbing the provider tests share: a ProviderEnv on a scratch data dir, an inbox-like store
// of synced messages, draining a sync into it, and a guard that keeps SDKs off the internet.
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import type {
  ChannelProvider,
  InboundMessage,
  NewAccount,
  ProviderAccount,
  ProviderEnv,
  SyncCursor,
  SyncOptions,
  SyncPage,
} from "../../service/providers/kit/channel.ts";
import { loadConfig } from "../../service/config/load.ts";
import { createLogger } from "../../service/observability/logger.ts";
import { suiteResources } from "./suite.ts";

export const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** A PKCE verifier and its S256 challenge. */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/** A silent ProviderEnv whose data dir is a fresh temp dir `tatu-<tag>-…` (in `dataDir`). */
export function testProviderEnv(tag: string, env: Record<string, string>): ProviderEnv & { dataDir: string } {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `tatu-${tag}-`));
  return {
    config: loadConfig({ NODE_ENV: "test", TATU_DATA_DIR: dataDir, ...env }),
    log: createLogger({ level: "silent" }),
    dataDir,
  };
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
}

/** Like the inbox: each page's messages and cursor committed together, the cursor through JSON
 *  (a database column); the loop may "crash" (break) after any page (`stopAfter`). */
export async function drainInto(
  pages: AsyncIterable<SyncPage>,
  store: Store,
  stopAfter = Infinity,
): Promise<SyncPage[]> {
  const out: SyncPage[] = [];
  for await (const page of pages) {
    store.add({ messages: page.messages, cursor: JSON.parse(JSON.stringify(page.cursor)) as SyncCursor });
    out.push(page);
    if (out.length >= stopAfter) break;
  }
  return out;
}

/** `provider`'s sync of `account`, from the store's cursor, drained into the store (see drainInto). */
export function drainSync(
  provider: ChannelProvider,
  env: ProviderEnv,
  account: ProviderAccount,
  store: Store,
  opts: SyncOptions = {},
  stopAfter = Infinity,
): Promise<SyncPage[]> {
  return drainInto(provider.sync(env, account, store.cursor, opts), store, stopAfter);
}

/** A connected account held in memory the way the inbox holds it; what the provider saves
 *  replaces the credentials and is kept, in order, in `saves`. */
export interface TestAccount extends ProviderAccount {
  saves: Record<string, unknown>[];
  connected: NewAccount;
}

export function testAccount(connected: NewAccount, credentials = connected.credentials): TestAccount {
  const account: TestAccount = {
    id: `acct-${randomBytes(4).toString("hex")}`,
    userId: "user-1",
    externalId: connected.externalId,
    address: connected.address,
    credentials,
    saves: [],
    connected,
    async saveCredentials(next) {
      account.saves.push(next);
      account.credentials = next;
    },
  };
  return account;
}

/** The browser leg of a consent screen: open `url`, expect a 302 and return where it points. */
export async function followConsent(url: string | URL, what: string): Promise<URL> {
  const res = await fetch(url, { redirect: "manual" });
  if (res.status !== 302) throw new Error(`${what} answered ${res.status}`);
  return new URL(res.headers.get("location")!);
}

/** SDKs send through http(s).request: anything not for loopback (an SDK URL we failed to re-root
 *  at a stand-in) fails loudly instead of trying the internet. Returns the undo. */
export function guardNetwork(): () => void {
  const real = { http: http.request, https: https.request };
  const hostOf = (arg: unknown) =>
    typeof arg === "string"
      ? new URL(arg).hostname
      : arg instanceof URL
        ? arg.hostname
        : ((arg as { hostname?: string; host?: string })?.hostname ?? (arg as { host?: string })?.host ?? "");
  const guard = <F extends (...a: never[]) => unknown>(fn: F): F =>
    ((...args: Parameters<F>) => {
      const host = hostOf(args[0]);
      if (host !== "127.0.0.1" && host !== "localhost") throw new Error(`test tried to reach ${host}`);
      return fn(...args);
    }) as F;
  http.request = guard(real.http);
  https.request = guard(real.https);
  return () => {
    http.request = real.http;
    https.request = real.https;
  };
}

interface StandIn {
  env(): Record<string, string>;
  close(): Promise<void>;
}

/** Suite hooks for a provider test against a stand-in: the network guard, the stand-in and a
 *  ProviderEnv on its env() (handed to `ready`), all undone after the suite. */
export function standInSuite<S extends StandIn>(
  tag: string,
  start: () => Promise<S>,
  ready: (standIn: S, env: ProviderEnv) => void,
): void {
  suiteResources(async (track) => {
    const unguard = guardNetwork();
    track({ close: async () => unguard() });
    const standIn = track(await start());
    const env = testProviderEnv(tag, standIn.env());
    track({ close: async () => fs.rmSync(env.dataDir, { recursive: true, force: true }) });
    ready(standIn, env);
  });
}
