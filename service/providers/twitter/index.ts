// X (Twitter) Direct Messages through twitter-api-v2: OAuth 1.0a user tokens (they do not
// expire), v2 dm_events polling, replies into the conversation. See sync.ts for the cursor.
import { z } from "zod";
import { ProviderError, plainWords } from "../kit/errors.ts";
import {
  classifyChannelFailures,
  type ChannelProvider,
  type NewAccount,
  type OAuth1Connect,
  type ProviderAccount,
  type ProviderEnv,
  type SmokeResult,
} from "../kit/channel.ts";
import { accountClient, rebase, ROUTE, twitterClient } from "./client.ts";
import { classifyTwitterError } from "./errors.ts";
import { sendTwitter } from "./send.ts";
import { syncTwitter } from "./sync.ts";
import meta from "./meta.ts";

const me = z.object({
  data: z.object({ id: z.string().regex(/^\d+$/), name: z.string().optional(), username: z.string() }),
});

function callbackUrl(env: ProviderEnv): string {
  return env.config.env.TWITTER_OAUTH_CALLBACK ?? `${env.config.publicUrl}/api/integrations/${ROUTE}/callback`;
}

/** Step 1: a request token; the caller keeps its secret server-side, keyed by the token. */
async function requestToken(
  env: ProviderEnv,
  p: { callbackUrl: string },
): Promise<{ url: string; token: string; tokenSecret: string }> {
  try {
    // linkMode "authorize" always shows X's consent screen, so the user can pick the account.
    const link = await twitterClient(env).generateAuthLink(p.callbackUrl, { linkMode: "authorize" });
    if (String(link.oauth_callback_confirmed) !== "true")
      throw new ProviderError("permanent", "X did not confirm the callback URL. Register it in the X app settings.", {
        code: "TWITTER_CALLBACK_NOT_CONFIRMED",
      });
    return { url: rebase(env, link.url), token: link.oauth_token, tokenSecret: link.oauth_token_secret };
  } catch (err) {
    throw classifyTwitterError(err);
  }
}

/** Step 3: the verifier from the callback buys the access token for the user who approved. */
async function exchange(
  env: ProviderEnv,
  p: { token: string; tokenSecret: string; verifier: string },
): Promise<NewAccount> {
  try {
    const login = await twitterClient(env, { accessToken: p.token, accessSecret: p.tokenSecret }).login(p.verifier);
    const profile = me.parse(await twitterClient(env, login).v2.get("users/me"));
    if (profile.data.id !== String(login.userId))
      throw new ProviderError("permanent", "X returned tokens for a different account.", {
        code: "TWITTER_ACCOUNT_MISMATCH",
      });
    return {
      externalId: profile.data.id,
      address: `@${profile.data.username}`,
      ...(profile.data.name ? { displayName: profile.data.name } : {}),
      credentials: {
        accessToken: login.accessToken,
        accessSecret: login.accessSecret,
        userId: profile.data.id,
        screenName: profile.data.username,
      },
      scopes: [],
    };
  } catch (err) {
    throw classifyTwitterError(err);
  }
}

async function smoke(env: ProviderEnv, account: ProviderAccount): Promise<SmokeResult> {
  try {
    const { client } = accountClient(env, account);
    const profile = me.parse(await client.v2.get("users/me"));
    const same = profile.data.id === account.externalId;
    return {
      ok: same,
      checks: [
        {
          name: "profile",
          ok: same,
          detail: same ? `signed in as @${profile.data.username}` : "signed in as a different X account",
        },
      ],
    };
  } catch (err) {
    return {
      ok: false,
      checks: [{ name: "profile", ok: false, detail: plainWords(classifyTwitterError(err).errorClass, "X") }],
    };
  }
}

/** POST /1.1/oauth/invalidate_token, signed with the token to revoke (no parameters, as X's
 *  current reference shows): best effort, an already-dead token is fine. */
async function disconnect(env: ProviderEnv, account: ProviderAccount): Promise<void> {
  try {
    const { client } = accountClient(env, account);
    await client.v1.post("oauth/invalidate_token");
  } catch (err) {
    env.log.info(
      { accountId: account.id, code: classifyTwitterError(err).code },
      "twitter: token invalidation failed (ignored)",
    );
  }
}

const connect: OAuth1Connect = { kind: "oauth1", route: ROUTE, callbackUrl, requestToken, exchange };

export const twitterProvider: ChannelProvider = {
  ...meta,
  identityKind: "twitter",
  // Photos arrive with synced DMs; sending attachments is not supported (see send.ts).
  capabilities: { attachments: false, webhooks: false },
  connect,
  ...classifyChannelFailures({ sync: syncTwitter, send: sendTwitter }, classifyTwitterError),
  disconnect,
  classifyError: classifyTwitterError,
  smoke,
};

export default twitterProvider;
