// Google OAuth (web-server flow with PKCE). One grant serves Gmail now and Google Calendar
// later, so the calendar scope is asked for up front (no second consent screen).
import type { CodeChallengeMethod } from "google-auth-library";
import { z } from "zod";
import { ProviderError } from "../kit/errors.ts";
import type { NewAccount, OAuthConnect, ProviderEnv } from "../kit/channel.ts";
import { gmailApi, oauthClient, pickTokens } from "../kit/google/session.ts";
import { classifyGmailError } from "../kit/google/errors.ts";

const G = "https://www.googleapis.com/auth/";
export const GOOGLE_SCOPES = [`${G}gmail.readonly`, `${G}gmail.send`, `${G}calendar`, "openid", "email", "profile"];
const CAN_READ = [`${G}gmail.readonly`, `${G}gmail.modify`, "https://mail.google.com/"];
const CAN_SEND = [`${G}gmail.send`, `${G}gmail.modify`, `${G}gmail.compose`, "https://mail.google.com/"];

const IdClaims = z.object({ name: z.string().optional() }).passthrough();

/** Display name from the id_token. It came straight from the token endpoint over TLS, so
 *  (per OpenID Connect Core §3.1.3.7) reading it without a signature check is acceptable. */
function nameFromIdToken(idToken: unknown): string | undefined {
  if (typeof idToken !== "string") return undefined;
  try {
    const claims = IdClaims.safeParse(
      JSON.parse(Buffer.from(idToken.split(".")[1] ?? "", "base64url").toString("utf8")),
    );
    return claims.success ? claims.data.name : undefined;
  } catch {
    return undefined;
  }
}

export const googleConnect: OAuthConnect = {
  kind: "oauth",
  route: "google",

  redirectUri: (env) => `${env.config.publicUrl}/api/integrations/google/callback`,

  authorizationUrl(env, { state, redirectUri, codeChallenge }) {
    return oauthClient(env, redirectUri).generateAuthUrl({
      access_type: "offline",
      prompt: "consent", // a refresh token on every connect, also when reconnecting
      include_granted_scopes: true,
      scope: GOOGLE_SCOPES,
      state,
      code_challenge: codeChallenge,
      code_challenge_method: "S256" as CodeChallengeMethod, // the enum's value, without loading the SDK
    });
  },

  async exchangeCode(env: ProviderEnv, { code, redirectUri, codeVerifier }): Promise<NewAccount> {
    const client = oauthClient(env, redirectUri);
    let tokens;
    try {
      ({ tokens } = await client.getToken({ code, codeVerifier, redirect_uri: redirectUri }));
    } catch (err) {
      throw classifyGmailError(err);
    }
    if (!tokens.refresh_token)
      throw new ProviderError("auth", "Google did not return a refresh token; connect the account again", {
        code: "GOOGLE_NO_REFRESH_TOKEN",
      });
    const scopes = (tokens.scope ?? "").split(" ").filter(Boolean);
    if (!scopes.some((s) => CAN_READ.includes(s)) || !scopes.some((s) => CAN_SEND.includes(s)))
      throw new ProviderError("auth", "Tatu needs permission to read and send Gmail: connect again and allow both", {
        code: "GOOGLE_SCOPES_MISSING",
      });

    client.setCredentials(tokens);
    let address: string;
    try {
      const profile = await gmailApi(env, client).users.getProfile({ userId: "me" });
      address = z.email().parse(profile.data.emailAddress).toLowerCase();
    } catch (err) {
      throw classifyGmailError(err);
    }
    const displayName = nameFromIdToken(tokens.id_token);
    return {
      externalId: address,
      address,
      ...(displayName && { displayName }),
      credentials: pickTokens(tokens as Record<string, unknown>),
      scopes,
    };
  },
};
