// twitter-api-v2 clients for the app (OAuth 1.0a consumer) and for a connected account.
//
// The SDK has no base-URL option: every URL is an absolute https://api.x.com/… constant and
// requests go through https.request. With TWITTER_API_BASE_URL set (stand-ins, rehearsal) a
// plugin's onBeforeRequestConfig hook — the SDK's documented request-rewrite point, run
// before the OAuth signature is computed — moves api.x.com URLs onto that origin, so the
// signature covers the URL actually requested. For an http:// origin the client gets an
// http.Agent (https.request honours the agent's protocol). One SDK behaviour keyed on the
// api.x.com host is restored by the plugin's onAfterRequest hook: the /oauth/* answers are
// form-encoded, which the SDK only parses as such for https://api.x.com/oauth/ URLs.
import http from "node:http";
import { z } from "zod";
import type { ITwitterApiClientPlugin, TwitterApi, TwitterApiTokens } from "twitter-api-v2";
import { ProviderError } from "../kit/errors.ts";
import type { ProviderAccount, ProviderEnv } from "../kit/channel.ts";
import { storedCredentials } from "../kit/credentials.ts";
import { requireOnFirstUse } from "../kit/lazy-sdk.ts";

/** CommonJS (no ESM build Node would pick), so errors.ts sees the same classes. */
export const twitterSdk = requireOnFirstUse<typeof import("twitter-api-v2")>("twitter-api-v2");

export const SDK_ORIGIN = "https://api.x.com";
export const ROUTE = "twitter";

export const credentialsSchema = z.object({
  accessToken: z.string().min(1),
  accessSecret: z.string().min(1),
  userId: z.string().regex(/^\d+$/),
  screenName: z.string(),
});
export type TwitterCredentials = z.infer<typeof credentialsSchema>;

/** The override origin, or undefined when the SDK's own hosts are used. */
export function apiOrigin(env: ProviderEnv): string | undefined {
  const raw = env.config.env.TWITTER_API_BASE_URL;
  if (!raw) return undefined;
  const origin = new URL(raw).origin;
  return origin === SDK_ORIGIN ? undefined : origin;
}

/** A URL the SDK built for api.x.com, moved onto the configured origin (browser links too). */
export function rebase(env: ProviderEnv, url: string): string {
  const origin = apiOrigin(env);
  if (!origin) return url;
  const u = new URL(url);
  return u.origin === SDK_ORIGIN ? origin + u.pathname + u.search : url;
}

function rebasePlugin(origin: string): ITwitterApiClientPlugin {
  return {
    onBeforeRequestConfig({ params }) {
      const u = new URL(params.url);
      if (u.origin === SDK_ORIGIN) params.url = origin + u.pathname + u.search;
    },
    // What the SDK does for https://api.x.com/oauth/ only: a body that is not JSON is the
    // form-encoded token answer (JSON error bodies were already parsed as JSON).
    onAfterRequest({ url, response }) {
      if (url.origin !== origin || !url.pathname.startsWith("/oauth/") || typeof response.data !== "string") return;
      return new (twitterSdk().TwitterApiPluginResponseOverride)({
        ...response,
        data: Object.fromEntries(new URLSearchParams(response.data)),
      });
    },
  };
}

const plainAgent = new http.Agent();

function consumer(env: ProviderEnv): { appKey: string; appSecret: string } {
  const appKey = env.config.env.TWITTER_API_KEY;
  const appSecret = env.config.env.TWITTER_API_SECRET;
  if (!appKey || !appSecret)
    throw new ProviderError("permanent", "X is not configured (TWITTER_API_KEY / TWITTER_API_SECRET).", {
      code: "TWITTER_NOT_CONFIGURED",
    });
  return { appKey, appSecret };
}

/** `agent` replaces the default one (media downloads pass the outbound guard's). */
export function twitterClient(
  env: ProviderEnv,
  tokens?: { accessToken: string; accessSecret: string },
  plugins: ITwitterApiClientPlugin[] = [],
  agent?: http.Agent,
): TwitterApi {
  const init: TwitterApiTokens = {
    ...consumer(env),
    ...(tokens ? { accessToken: tokens.accessToken, accessSecret: tokens.accessSecret } : {}),
  };
  const origin = apiOrigin(env);
  return new (twitterSdk().TwitterApi)(init, {
    plugins: [...(origin ? [rebasePlugin(origin)] : []), ...plugins],
    ...(agent ? { httpAgent: agent } : origin?.startsWith("http:") ? { httpAgent: plainAgent } : {}),
  });
}

export function accountCredentials(account: ProviderAccount): TwitterCredentials {
  return storedCredentials(credentialsSchema, account, {
    message: "The stored X credentials are incomplete. Reconnect the account.",
    code: "TWITTER_CREDENTIALS_MISSING",
  });
}

export function accountClient(
  env: ProviderEnv,
  account: ProviderAccount,
): { client: TwitterApi; creds: TwitterCredentials } {
  const creds = accountCredentials(account);
  return { client: twitterClient(env, creds), creds };
}

/** Hosts allowed to receive the account's OAuth signature when downloading DM media. */
export function trustedMediaHosts(env: ProviderEnv): Set<string> {
  const hosts = new Set(["ton.twitter.com", "ton.x.com"]);
  const origin = apiOrigin(env);
  if (origin) hosts.add(new URL(origin).host);
  return hosts;
}
