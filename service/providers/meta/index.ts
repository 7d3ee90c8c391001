// Facebook Messenger (Pages) and Instagram Direct (Page-linked professional accounts) through
// the Graph API. One Facebook login connects every Page of the user and every Instagram
// account linked to them; messages arrive by webhook (webhook.ts), sync() is the catch-up.
import { SmokeFinding, smokeChecks } from "../kit/smoke.ts";
import { z } from "zod";
import { plainWords } from "../kit/errors.ts";
import type { ChannelProvider, ProviderAccount, ProviderEnv, SmokeResult } from "../kit/channel.ts";
import {
  appCredentials,
  FACEBOOK_ROUTE,
  INSTAGRAM_ROUTE,
  PAGE_SCOPES,
  redirectUriFor,
  SCOPES,
  SUBSCRIBED_FIELDS,
  type MetaChannel,
} from "./config.ts";
import { authorizationUrl, exchangeFacebook, exchangeInstagram } from "./connect.ts";
import { accountCredentials } from "./credentials.ts";
import { classifyMetaError } from "./errors.ts";
import { GraphClient } from "./graph.ts";
import { sendMeta } from "./send.ts";
import { syncMeta } from "./sync.ts";
import meta from "./meta.ts";
import { facebookWebhook, instagramWebhook } from "./webhook.ts";

export { classifyMetaError } from "./errors.ts";
export { facebookWebhook, instagramWebhook, hubChallenge } from "./webhook.ts";

const metaOf = (channel: MetaChannel) => meta.find((m) => m.id === channel)!;

async function smoke(env: ProviderEnv, channel: MetaChannel, account: ProviderAccount): Promise<SmokeResult> {
  const { run, result } = smokeChecks((err) => plainWords(classifyMetaError(err).errorClass, metaOf(channel).label));
  await run(channel === "facebook" ? "page" : "instagram account", async () => {
    const creds = accountCredentials(channel, account);
    const graph = new GraphClient(env);
    const node = z.object({ id: z.string() }).parse(
      await graph.call(channel === "facebook" ? "me" : creds.ownId, {
        token: creds.pageAccessToken,
        query: { fields: channel === "facebook" ? "id,name" : "id,username" },
      }),
    );
    return node.id === creds.ownId ? "page token valid" : "the token belongs to another Page";
  });
  // What Meta says about the grant: every scope Tatu asked for still granted (App Review,
  // a user unticking a permission), and the Page subscribed to the app's messaging webhooks.
  await run("granted scopes", async () => {
    const { appId, appSecret } = appCredentials(env);
    const creds = accountCredentials(channel, account);
    const info = DebugToken.parse(
      await new GraphClient(env).call("debug_token", {
        token: `${appId}|${appSecret}`,
        query: { input_token: creds.pageAccessToken },
      }),
    );
    if (!info.data.is_valid)
      throw new SmokeFinding("Meta reports the Page token as no longer valid: reconnect the account.");
    // Messenger needs the Page scopes; an Instagram account needs the instagram_* ones too.
    const needed = channel === "facebook" ? PAGE_SCOPES : SCOPES;
    const missing = needed.filter((s) => !info.data.scopes.includes(s));
    if (missing.length) throw new SmokeFinding(`not granted: ${missing.join(", ")}`);
    return `granted: ${needed.join(", ")}`;
  });
  await run("webhook subscription", async () => {
    const { appId } = appCredentials(env);
    const creds = accountCredentials(channel, account);
    const subs = SubscribedApps.parse(
      await new GraphClient(env).call(`${creds.pageId}/subscribed_apps`, { token: creds.pageAccessToken }),
    );
    const mine = subs.data.find((a) => a.id === appId);
    if (!mine)
      throw new SmokeFinding("the Page is not subscribed to the app's webhooks: reconnect it to subscribe again.");
    const missing = SUBSCRIBED_FIELDS.filter((f) => !mine.subscribed_fields.includes(f));
    if (missing.length) throw new SmokeFinding(`subscribed without: ${missing.join(", ")}`);
    return `subscribed to ${SUBSCRIBED_FIELDS.join(", ")}`;
  });
  return result();
}

const DebugToken = z.object({ data: z.object({ is_valid: z.boolean(), scopes: z.array(z.string()).default([]) }) });
const SubscribedApps = z.object({
  data: z.array(z.object({ id: z.string(), subscribed_fields: z.array(z.string()).default([]) })),
});

function provider(channel: MetaChannel): ChannelProvider {
  const route = channel === "facebook" ? FACEBOOK_ROUTE : INSTAGRAM_ROUTE;
  return {
    ...metaOf(channel),
    identityKind: channel,
    capabilities: { attachments: true, webhooks: true, replyWindowHours: 24 },
    connect: {
      kind: "oauth",
      route,
      // Meta has no PKCE: the challenge/verifier are not sent; `state` is checked by the caller.
      authorizationUrl: (env, p) => authorizationUrl(env, p),
      exchangeCode: (env, p) => (channel === "facebook" ? exchangeFacebook(env, p) : exchangeInstagram(env, p)),
      redirectUri: redirectUriFor(route),
    },
    // The registry classifies what these throw (classifyMetaError).
    sync: (env, account, cursor, opts) => syncMeta(env, channel, account, cursor, opts),
    send: (env, account, draft) => sendMeta(env, channel, account, draft),
    // Nothing to revoke per account: a Page's webhook subscription also carries its linked
    // Instagram account, and DELETE /me/permissions would end every Page of the login. The
    // inbox drops the stored tokens; the user can remove Tatu under Business Integrations.
    async disconnect() {},
    classifyError: classifyMetaError,
    smoke: (env, account) => smoke(env, channel, account),
  };
}

export const facebookProvider = provider("facebook");
export const instagramProvider = provider("instagram");

export default [
  { ...facebookProvider, webhooks: [facebookWebhook] },
  { ...instagramProvider, webhooks: [instagramWebhook] },
];
