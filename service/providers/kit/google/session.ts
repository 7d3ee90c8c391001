// Google endpoints (overridable for stand-ins), the OAuth2 client and a per-account Gmail
// session that persists refreshed tokens before the next API call.
//
// Retries: gaxios would retry GETs (and token POSTs) up to 3 times on 429/5xx within
// ~2 s, ignoring Retry-After. We turn SDK retries off entirely (retryConfig.retry = 0 on
// the OAuth client's transporter, which carries every API and token request, and
// `retry: false` on the Gmail client) so one failure surfaces at once, gets classified
// here, and the job queue's backoff / Retry-After decides when to try again.
// The per-API package (@googleapis/gmail), not googleapis: that index loads all ~300 Google
// APIs (57 MB of heap in every process, and every major GC walks it); this one is 3 MB.
import type { gmail_v1 } from "@googleapis/gmail";
import type { OAuth2Client } from "google-auth-library";
import { ProviderError } from "../errors.ts";
import type { ProviderAccount, ProviderEnv } from "../channel.ts";
import { classifyGmailError } from "./errors.ts";
import { requireOnFirstUse } from "../lazy-sdk.ts";

const gmailSdk = requireOnFirstUse<typeof import("@googleapis/gmail")>("@googleapis/gmail");
const authSdk = requireOnFirstUse<typeof import("google-auth-library")>("google-auth-library");

export interface GoogleEndpoints {
  authUrl: string;
  tokenUrl: string;
  revokeUrl: string;
  apiRoot: string;
}

const trim = (u: string | undefined) => u?.replace(/\/+$/, "");

export function googleEndpoints(env: ProviderEnv): GoogleEndpoints {
  const oauth = trim(env.config.env.GOOGLE_OAUTH_BASE_URL);
  const api = trim(env.config.env.GOOGLE_API_BASE_URL);
  return {
    authUrl: `${oauth ?? "https://accounts.google.com"}/o/oauth2/v2/auth`,
    tokenUrl: `${oauth ?? "https://oauth2.googleapis.com"}/token`,
    revokeUrl: `${oauth ?? "https://oauth2.googleapis.com"}/revoke`,
    apiRoot: `${api ?? "https://gmail.googleapis.com"}/`,
  };
}

export function oauthClient(env: ProviderEnv, redirectUri?: string): OAuth2Client {
  const clientId = env.config.env.GOOGLE_CLIENT_ID;
  const clientSecret = env.config.env.GOOGLE_CLIENT_SECRET;
  if (!clientId || !clientSecret)
    throw new ProviderError("permanent", "Gmail is not configured (GOOGLE_CLIENT_ID / GOOGLE_CLIENT_SECRET)", {
      code: "GOOGLE_NOT_CONFIGURED",
    });
  const ep = googleEndpoints(env);
  return new (authSdk().OAuth2Client)({
    clientId,
    clientSecret,
    redirectUri,
    endpoints: { oauth2AuthBaseUrl: ep.authUrl, oauth2TokenUrl: ep.tokenUrl, oauth2RevokeUrl: ep.revokeUrl },
    // A 401 on a token we believe valid (revoked server-side, clock skew) → refresh once and retry.
    forceRefreshOnFailure: true,
    transporterOptions: { retryConfig: { retry: 0, noResponseRetries: 0 }, timeout: googleTimeoutMs(env) },
  });
}

/** A Google API call that hangs must not hold a sync (and its account lease) forever: it fails
 *  as a transient TimeoutError and the queue retries it later. */
export const GOOGLE_REQUEST_TIMEOUT_MS = 30_000;
const googleTimeoutMs = (env: ProviderEnv) => env.config.env.PROVIDER_TIMEOUT_MS ?? GOOGLE_REQUEST_TIMEOUT_MS;

export function gmailApi(env: ProviderEnv, auth: OAuth2Client): gmail_v1.Gmail {
  return gmailSdk().gmail({
    version: "v1",
    auth,
    rootUrl: googleEndpoints(env).apiRoot,
    retry: false,
    timeout: googleTimeoutMs(env),
  });
}

const TOKEN_FIELDS = ["refresh_token", "access_token", "expiry_date", "scope", "token_type"] as const;

export function pickTokens(src: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of TOKEN_FIELDS) if (src[k] !== undefined && src[k] !== null) out[k] = src[k];
  return out;
}

/** One account's authenticated Gmail client for the length of a sync/send. */
export class GmailSession {
  readonly client: OAuth2Client;
  readonly gmail: gmail_v1.Gmail;
  /** Per-call `rootUrl` option: the SDK only re-roots `url`, not `mediaUrl`, from the client-level rootUrl. */
  readonly apiRoot: string;
  private creds: Record<string, unknown>;
  private pending: Promise<void>[] = [];

  constructor(env: ProviderEnv, account: ProviderAccount) {
    this.client = oauthClient(env);
    this.creds = pickTokens(account.credentials);
    if (typeof this.creds.refresh_token !== "string")
      throw new ProviderError("auth", "No Google refresh token stored for this account", {
        code: "GOOGLE_NO_REFRESH_TOKEN",
      });
    this.client.setCredentials(this.creds);
    // google-auth-library emits "tokens" synchronously inside a refresh; the save is awaited
    // in call() before its result (and so before any next API call) is handed back.
    this.client.on("tokens", (tokens) => {
      this.creds = { ...this.creds, ...pickTokens(tokens as Record<string, unknown>) };
      this.pending.push(account.saveCredentials({ ...this.creds }));
    });
    this.gmail = gmailApi(env, this.client);
    this.apiRoot = googleEndpoints(env).apiRoot;
  }

  /** Runs one SDK call; errors come out as ProviderErrors. */
  async call<T>(fn: (g: gmail_v1.Gmail) => Promise<{ data: T }>): Promise<T> {
    let result: T;
    try {
      result = (await fn(this.gmail)).data;
    } catch (err) {
      await this.flush();
      throw classifyGmailError(err);
    }
    await this.flush();
    return result;
  }

  /** Refreshes now if the token is (nearly) expired: used before requests the SDK cannot replay. */
  async freshToken(): Promise<void> {
    try {
      await this.client.getAccessToken();
    } catch (err) {
      await this.flush();
      throw classifyGmailError(err);
    }
    await this.flush();
  }

  private async flush(): Promise<void> {
    while (this.pending.length) {
      const batch = this.pending.splice(0);
      try {
        await Promise.all(batch);
      } catch {
        throw new ProviderError("transient", "Could not store the refreshed Google tokens", {
          code: "CREDENTIALS_SAVE_FAILED",
        });
      }
    }
  }
}
