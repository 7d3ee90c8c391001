// OAuth 2.0 against the identity platform's `common` tenant (personal + work accounts):
// the authorize URL, code redemption (client secret + PKCE verifier) and refresh. Token
// calls are plain form posts; Microsoft rotates refresh tokens on every refresh, so the new
// one is saved before the new access token is used.
import { z } from "zod";
import { ProviderError, parseRetryAfter } from "../errors.ts";
import type { ProviderAccount, ProviderEnv } from "../channel.ts";
import { clientCredentials, loginBase, SCOPES } from "./config.ts";
import { storedCredentials } from "../credentials.ts";

export const credentialsSchema = z.object({
  accessToken: z.string().min(1),
  refreshToken: z.string().min(1),
  /** Epoch ms. */
  expiresAt: z.number(),
  scope: z.string().optional(),
});
export type OutlookCredentials = z.infer<typeof credentialsSchema>;

const tokenResponse = z.object({
  token_type: z.string().optional(),
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.coerce.number().positive(),
  scope: z.string().optional(),
});
type TokenResponse = z.infer<typeof tokenResponse>;

const aadError = z.object({ error: z.string(), error_codes: z.array(z.number()).optional() });

/** Errors that only a new consent fixes (expired/revoked grant, changed password, MFA…). */
const reconsent = new Set(["invalid_grant", "interaction_required", "consent_required", "login_required"]);

export function authorizationUrl(
  env: ProviderEnv,
  p: { state: string; redirectUri: string; codeChallenge: string },
): string {
  const { clientId } = clientCredentials(env);
  const url = new URL(`${loginBase(env)}/common/oauth2/v2.0/authorize`);
  url.search = new URLSearchParams({
    client_id: clientId,
    response_type: "code",
    redirect_uri: p.redirectUri,
    response_mode: "query",
    scope: SCOPES.join(" "),
    state: p.state,
    code_challenge: p.codeChallenge,
    code_challenge_method: "S256",
    // People often have several Microsoft accounts signed in (work + Hotmail): let them pick.
    prompt: "select_account",
  }).toString();
  return url.toString();
}

async function tokenCall(
  env: ProviderEnv,
  grant: "authorization_code" | "refresh_token",
  params: Record<string, string>,
): Promise<TokenResponse> {
  const { clientId, clientSecret } = clientCredentials(env);
  const body = new URLSearchParams({
    client_id: clientId,
    client_secret: clientSecret,
    scope: SCOPES.join(" "),
    grant_type: grant,
    ...params,
  });
  let res: Response;
  try {
    res = await fetch(`${loginBase(env)}/common/oauth2/v2.0/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      body,
      redirect: "error",
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    throw new ProviderError("transient", "The Microsoft sign-in service could not be reached.", {
      code: "OUTLOOK_TOKEN_UNREACHABLE",
      cause: err,
    });
  }
  const json: unknown = await res.json().catch(() => undefined);
  if (res.ok) {
    const parsed = tokenResponse.safeParse(json);
    if (parsed.success) return parsed.data;
    throw new ProviderError("transient", "The Microsoft sign-in service answered in an unexpected shape.", {
      code: "OUTLOOK_TOKEN_UNEXPECTED",
      status: res.status,
    });
  }
  throw tokenError(grant, res.status, json, res.headers.get("retry-after"));
}

function tokenError(grant: string, status: number, json: unknown, retryAfter: string | null): ProviderError {
  const parsed = aadError.safeParse(json);
  const error = parsed.success ? parsed.data.error : undefined;
  // Only the AADSTS number is kept: descriptions carry trace ids and echo request values.
  const aadsts =
    parsed.success && parsed.data.error_codes?.[0] !== undefined ? ` (AADSTS${parsed.data.error_codes[0]})` : "";
  if (status === 429)
    return new ProviderError("rate_limit", "Microsoft sign-in asked Tatu to slow down.", {
      code: "OUTLOOK_RATE_LIMITED",
      status,
      retryAfterMs: parseRetryAfter(retryAfter),
    });
  if (status >= 500 || error === "temporarily_unavailable")
    return new ProviderError("transient", `The Microsoft sign-in service failed${aadsts}.`, {
      code: "OUTLOOK_TOKEN_UNAVAILABLE",
      status,
      retryAfterMs: parseRetryAfter(retryAfter),
    });
  if (error && reconsent.has(error)) {
    return grant === "authorization_code"
      ? new ProviderError("auth", `Microsoft rejected the sign-in code${aadsts}. Please connect again.`, {
          code: "OUTLOOK_CODE_REJECTED",
          status,
        })
      : new ProviderError("auth", `Microsoft no longer accepts this connection${aadsts}. Reconnect the account.`, {
          code: "OUTLOOK_REAUTH_REQUIRED",
          status,
        });
  }
  if (error === "invalid_client" || error === "unauthorized_client")
    // The app registration (id/secret) is wrong or its secret expired: reconnecting won't help.
    return new ProviderError(
      "permanent",
      `Microsoft rejected Tatu's app credentials${aadsts}: check OUTLOOK_CLIENT_ID / OUTLOOK_CLIENT_SECRET.`,
      { code: "OUTLOOK_CLIENT_REJECTED", status },
    );
  return new ProviderError("permanent", `Microsoft sign-in refused the request${aadsts}.`, {
    code: "OUTLOOK_TOKEN_REFUSED",
    status,
  });
}

function toCredentials(t: TokenResponse, previousRefresh?: string): OutlookCredentials {
  const refreshToken = t.refresh_token ?? previousRefresh;
  if (!refreshToken)
    throw new ProviderError("permanent", "Microsoft did not grant offline access (no refresh token).", {
      code: "OUTLOOK_NO_REFRESH_TOKEN",
    });
  return { accessToken: t.access_token, refreshToken, expiresAt: Date.now() + t.expires_in * 1000, scope: t.scope };
}

export async function redeemCode(
  env: ProviderEnv,
  p: { code: string; redirectUri: string; codeVerifier: string },
): Promise<OutlookCredentials> {
  return toCredentials(
    await tokenCall(env, "authorization_code", {
      code: p.code,
      redirect_uri: p.redirectUri,
      code_verifier: p.codeVerifier,
    }),
  );
}

/** Access tokens for one account: refreshed shortly before expiry or on demand after a 401. */
export class TokenManager {
  private creds: OutlookCredentials;
  private inflight: Promise<string> | undefined;

  constructor(
    private readonly env: ProviderEnv,
    private readonly account: ProviderAccount,
  ) {
    this.creds = storedCredentials(credentialsSchema, account, {
      message: "The stored Outlook connection is incomplete. Reconnect the account.",
      code: "OUTLOOK_CREDENTIALS_INVALID",
    });
  }

  async accessToken(): Promise<string> {
    if (this.creds.expiresAt - 120_000 > Date.now()) return this.creds.accessToken;
    return this.refresh();
  }

  /** One refresh at a time per account object: concurrent callers share it. */
  refresh(): Promise<string> {
    this.inflight ??= this.doRefresh().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async doRefresh(): Promise<string> {
    const t = await tokenCall(this.env, "refresh_token", { refresh_token: this.creds.refreshToken });
    const next = toCredentials(t, this.creds.refreshToken);
    // The rotated refresh token must be stored before anything else can fail.
    await this.account.saveCredentials(next);
    this.creds = next;
    this.account.credentials = next; // later calls with this same account object see it too
    return next.accessToken;
  }
}
