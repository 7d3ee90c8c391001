// Facebook Login (manual flow) → long-lived user token → the Pages the user manages, each
// subscribed to the app's webhooks, plus the Instagram professional accounts linked to them.
// Meta has no PKCE: the code challenge/verifier are ignored; `state` is checked by the caller.
import { z } from "zod";
import { ProviderError } from "../kit/errors.ts";
import type { NewAccount, ProviderEnv } from "../kit/channel.ts";
import { appCredentials, dialogBase, GRAPH_VERSION, PAGE_SCOPES, SCOPES, SUBSCRIBED_FIELDS } from "./config.ts";
import { classifyMetaError } from "./errors.ts";
import { GraphClient, nextCursor } from "./graph.ts";

const tokenAnswer = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.number().optional(),
});

const paging = z
  .object({ cursors: z.object({ after: z.string().optional() }).partial().optional(), next: z.string().optional() })
  .optional();

const pageSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  access_token: z.string().min(1).optional(),
  instagram_business_account: z.object({ id: z.string().min(1), username: z.string().optional() }).optional(),
});
const accountsPage = z.object({ data: z.array(pageSchema), paging });

const permissions = z.object({ data: z.array(z.object({ permission: z.string(), status: z.string() })) });

/** /me/accounts pages are small; this bounds a runaway pager, not real users. */
const MAX_PAGES = 200;

export function authorizationUrl(env: ProviderEnv, p: { state: string; redirectUri: string }): string {
  const { appId } = appCredentials(env);
  const url = new URL(`${dialogBase(env)}/${GRAPH_VERSION}/dialog/oauth`);
  url.searchParams.set("client_id", appId);
  url.searchParams.set("redirect_uri", p.redirectUri);
  url.searchParams.set("state", p.state);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("scope", SCOPES.join(","));
  return url.toString();
}

export interface MetaGrant {
  userAccessToken: string;
  scopes: string[];
  pages: NewAccount[];
  instagram: NewAccount[];
}

/** Redeems the code and collects every Page and linked Instagram account of the grant. */
export async function redeem(env: ProviderEnv, p: { code: string; redirectUri: string }): Promise<MetaGrant> {
  try {
    const { appId, appSecret } = appCredentials(env);
    const graph = new GraphClient(env);
    const short = tokenAnswer.parse(
      await graph.call("oauth/access_token", {
        query: { client_id: appId, client_secret: appSecret, redirect_uri: p.redirectUri, code: p.code },
      }),
    );
    // Page tokens fetched with a long-lived user token never expire; with a short one they
    // would die within hours.
    const long = tokenAnswer.parse(
      await graph.call("oauth/access_token", {
        query: {
          grant_type: "fb_exchange_token",
          client_id: appId,
          client_secret: appSecret,
          fb_exchange_token: short.access_token,
        },
      }),
    );
    const userAccessToken = long.access_token;

    const granted = permissions
      .parse(await graph.call("me/permissions", { token: userAccessToken }))
      .data.filter((x) => x.status === "granted")
      .map((x) => x.permission);
    const missing = PAGE_SCOPES.filter((s) => !granted.includes(s));
    if (missing.length)
      throw new ProviderError(
        "permanent",
        "Facebook did not grant the Page messaging permissions Tatu needs. Connect again and keep every permission switched on.",
        { code: "META_PERMISSIONS_DECLINED" },
      );

    const pages: z.infer<typeof pageSchema>[] = [];
    let after: string | undefined;
    for (let i = 0; i < MAX_PAGES; i++) {
      const page = accountsPage.parse(
        await graph.call("me/accounts", {
          token: userAccessToken,
          query: { fields: "id,name,access_token,instagram_business_account{id,username}", limit: 100, after },
        }),
      );
      pages.push(...page.data);
      after = nextCursor(page.paging);
      if (!after) break;
    }
    const usable = pages.filter((pg): pg is typeof pg & { access_token: string } => Boolean(pg.access_token));
    if (!usable.length)
      throw new ProviderError(
        "permanent",
        "This Facebook login manages no Facebook Page. Create a Page (or ask to be made its admin) and connect again.",
        { code: "NO_PAGES" },
      );

    for (const pg of usable) {
      await graph.call(`${pg.id}/subscribed_apps`, {
        method: "POST",
        token: pg.access_token,
        json: { subscribed_fields: SUBSCRIBED_FIELDS.join(",") },
      });
    }

    const scopes = granted.length ? granted : SCOPES;
    return {
      userAccessToken,
      scopes,
      pages: usable.map((pg) => ({
        provider: "facebook",
        externalId: pg.id,
        address: pg.name,
        displayName: pg.name,
        credentials: { pageAccessToken: pg.access_token, userAccessToken, pageId: pg.id },
        scopes,
      })),
      instagram: usable.flatMap((pg) => {
        const ig = pg.instagram_business_account;
        if (!ig) return [];
        const handle = ig.username ? `@${ig.username}` : ig.id;
        return [
          {
            provider: "instagram" as const,
            externalId: ig.id,
            address: handle,
            displayName: handle,
            credentials: { pageAccessToken: pg.access_token, pageId: pg.id, igId: ig.id },
            scopes,
          },
        ];
      }),
    };
  } catch (err) {
    throw classifyMetaError(err);
  }
}

/** The Facebook connect: first Page primary, other Pages and all IG accounts linked. */
export async function exchangeFacebook(
  env: ProviderEnv,
  p: { code: string; redirectUri: string },
): Promise<NewAccount> {
  const grant = await redeem(env, p);
  const [primary, ...pages] = grant.pages;
  return { ...primary!, linked: [...pages, ...grant.instagram] };
}

/** The same grant with the first Instagram account as the primary. */
export async function exchangeInstagram(
  env: ProviderEnv,
  p: { code: string; redirectUri: string },
): Promise<NewAccount> {
  const grant = await redeem(env, p);
  const [primary, ...rest] = grant.instagram;
  if (!primary)
    throw new ProviderError(
      "permanent",
      "None of your Facebook Pages has an Instagram professional account linked. Link one in the Page's settings and connect again.",
      { code: "NO_INSTAGRAM_ACCOUNTS" },
    );
  return { ...primary, linked: [...grant.pages, ...rest] };
}
