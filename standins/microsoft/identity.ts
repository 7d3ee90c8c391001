// Microsoft identity platform v2 (tenant `common`): authorize (auto-consent) and token
// (authorization_code with PKCE, refresh_token with rotation). Error bodies follow AAD:
// {error, error_description "AADSTSnnnn: …", error_codes, timestamp, trace_id, correlation_id}.
import { createHash, timingSafeEqual } from "node:crypto";
import { readBody, sendAadError, sendJson, sendLoginErrorPage, type Req, type Res } from "./http.ts";
import { opaque, type Grant, type StandInState } from "./state.ts";

export interface IdentityOptions {
  clientId: string;
  clientSecret: string;
  /** When set, authorize only accepts these redirect URIs (exact match, as Azure does). */
  redirectUris?: string[];
  accessTokenTtlSec: number;
}

const CONSUMER_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad";
const TENANTS = /^\/(common|consumers|organizations)\/oauth2\/v2\.0\/(authorize|token)$/;

export function isIdentityPath(pathname: string): boolean {
  return TENANTS.test(pathname);
}

export async function handleIdentity(
  state: StandInState,
  opts: IdentityOptions,
  req: Req,
  res: Res,
  url: URL,
): Promise<void> {
  const kind = TENANTS.exec(url.pathname)![2];
  if (kind === "authorize" && req.method === "GET") return authorize(state, opts, res, url);
  if (kind === "token" && req.method === "POST") return token(state, opts, req, res);
  sendAadError(res, 400, "invalid_request", 900561, "The endpoint only accepts POST requests.");
}

function authorize(state: StandInState, opts: IdentityOptions, res: Res, url: URL): void {
  const q = url.searchParams;
  const clientId = q.get("client_id") ?? "";
  if (clientId !== opts.clientId)
    return sendLoginErrorPage(res, 700016, `Application with identifier '${clientId}' was not found in the directory.`);
  const redirectUri = q.get("redirect_uri") ?? "";
  if (!/^https?:\/\//.test(redirectUri) || (opts.redirectUris && !opts.redirectUris.includes(redirectUri)))
    return sendLoginErrorPage(
      res,
      50011,
      "The redirect URI specified in the request does not match the redirect URIs configured for the application.",
    );

  const back = new URL(redirectUri);
  const stateParam = q.get("state");
  const fail = (error: string, description: string) => {
    back.searchParams.set("error", error);
    back.searchParams.set("error_description", description);
    if (stateParam !== null) back.searchParams.set("state", stateParam);
    res.writeHead(302, { Location: back.toString() }).end();
  };
  if (q.get("response_type") !== "code")
    return fail("unsupported_response_type", "AADSTS700054: response_type 'code' is required.");
  const scopes = (q.get("scope") ?? "").split(" ").filter(Boolean);
  if (!scopes.length)
    return fail("invalid_request", "AADSTS900144: The request body must contain the following parameter: 'scope'.");
  const challenge = q.get("code_challenge");
  const method = (q.get("code_challenge_method") ?? "plain") as "S256" | "plain";
  if (challenge && method !== "S256" && method !== "plain")
    return fail("invalid_request", "AADSTS501491: Invalid code_challenge_method.");

  // Auto-consent: the tester chose a user with consentAs(), or the app passed login_hint.
  const email =
    state.consentAs ?? q.get("login_hint") ?? (state.users.size === 1 ? [...state.users.keys()][0] : undefined);
  const user = email ? state.user(email) : undefined;
  if (!user) return fail("access_denied", "the user canceled the authentication");

  const code = `M.C5${opaque(4)}_BAY.2.U.${opaque(32)}`;
  state.codes.set(code, {
    email: user.email,
    clientId,
    redirectUri,
    scopes,
    challenge: challenge ? { value: challenge, method } : undefined,
    expiresAt: Date.now() + 10 * 60_000,
    redeemed: false,
  });
  back.searchParams.set("code", code);
  if (stateParam !== null) back.searchParams.set("state", stateParam);
  res.writeHead(302, { Location: back.toString() }).end();
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

async function token(state: StandInState, opts: IdentityOptions, req: Req, res: Res): Promise<void> {
  if (!String(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded"))
    return sendAadError(
      res,
      400,
      "invalid_request",
      900144,
      "The request body must contain the following parameter: 'grant_type'.",
    );
  const form = new URLSearchParams((await readBody(req)).toString("utf8"));

  // Client authentication: body parameters or HTTP Basic.
  let clientId = form.get("client_id") ?? "";
  let secret = form.get("client_secret");
  const basic = /^Basic (.+)$/i.exec(String(req.headers.authorization ?? ""));
  if (basic) {
    const [id, pw] = Buffer.from(basic[1]!, "base64").toString("utf8").split(":");
    clientId = decodeURIComponent(id ?? "");
    secret = decodeURIComponent(pw ?? "");
  }
  if (clientId !== opts.clientId)
    return sendAadError(
      res,
      400,
      "unauthorized_client",
      700016,
      `Application with identifier '${clientId}' was not found in the directory 'Microsoft Accounts'.`,
    );
  if (!secret || !safeEqual(secret, opts.clientSecret))
    return sendAadError(
      res,
      401,
      "invalid_client",
      7000215,
      "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
    );

  const grantType = form.get("grant_type");
  if (grantType === "authorization_code") {
    const code = form.get("code") ?? "";
    const entry = state.codes.get(code);
    if (!entry || entry.clientId !== clientId || entry.expiresAt < Date.now())
      return sendAadError(
        res,
        400,
        "invalid_grant",
        70000,
        "The provided value for the 'code' parameter is not valid.",
      );
    if (entry.redeemed)
      return sendAadError(
        res,
        400,
        "invalid_grant",
        54005,
        "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
      );
    if (form.get("redirect_uri") !== entry.redirectUri)
      return sendAadError(
        res,
        400,
        "invalid_grant",
        500112,
        "The reply address does not match the reply address provided when requesting Authorization code.",
      );
    if (entry.challenge) {
      const verifier = form.get("code_verifier") ?? "";
      const computed =
        entry.challenge.method === "S256" ? createHash("sha256").update(verifier).digest("base64url") : verifier;
      if (!verifier || !safeEqual(computed, entry.challenge.value))
        return sendAadError(
          res,
          400,
          "invalid_grant",
          501481,
          "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
        );
    }
    entry.redeemed = true; // single use, even when later checks fail
    return issue(state, opts, res, { email: entry.email, clientId, scopes: entry.scopes });
  }
  if (grantType === "refresh_token") {
    const rt = form.get("refresh_token") ?? "";
    const grant = state.refreshTokens.get(rt);
    if (!grant || grant.clientId !== clientId)
      return sendAadError(
        res,
        400,
        "invalid_grant",
        70000,
        "The provided value for the input parameter 'refresh_token' or 'assertion' is not valid. The user or admin has not consented or the grant was revoked.",
      );
    // Rotation: the used refresh token dies here. (Stricter than Microsoft, which lets the old
    // one live until it expires: a client that forgets to save the new one fails fast here.)
    state.refreshTokens.delete(rt);
    return issue(state, opts, res, grant);
  }
  sendAadError(res, 400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.");
}

function issue(state: StandInState, opts: IdentityOptions, res: Res, grant: Grant): void {
  const user = state.user(grant.email);
  if (!user) return sendAadError(res, 400, "invalid_grant", 70000, "The user account no longer exists.");
  // Personal-account access tokens are opaque compact tokens ("EwA…"), not JWTs.
  const accessToken = `EwA${opaque(48)}`;
  state.accessTokens.set(accessToken, { ...grant, expiresAt: Date.now() + opts.accessTokenTtlSec * 1000 });
  const granted = grant.scopes.filter((s) => s !== "offline_access");
  const body: Record<string, unknown> = {
    token_type: "Bearer",
    scope: granted.join(" "),
    expires_in: opts.accessTokenTtlSec,
    ext_expires_in: opts.accessTokenTtlSec,
    access_token: accessToken,
  };
  if (grant.scopes.includes("offline_access")) {
    const refreshToken = `M.C5${opaque(4)}_BL2.0.U.${opaque(64)}`;
    state.refreshTokens.set(refreshToken, grant);
    body.refresh_token = refreshToken;
  }
  if (grant.scopes.includes("openid")) body.id_token = idToken(opts.clientId, user);
  sendJson(res, 200, body, { "Cache-Control": "no-store", Pragma: "no-cache" });
}

/** Shaped like a real id_token; unsigned (clients here read /me, never this token). */
function idToken(clientId: string, user: { id: string; email: string; displayName: string }): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return [
    part({ typ: "JWT", alg: "RS256", kid: "stand-in" }),
    part({
      ver: "2.0",
      iss: `https://login.microsoftonline.com/${CONSUMER_TENANT}/v2.0`,
      sub: opaque(16),
      aud: clientId,
      exp: now + 3600,
      iat: now,
      nbf: now,
      name: user.displayName,
      preferred_username: user.email,
      email: user.email,
      oid: `00000000-0000-0000-${user.id.slice(0, 4)}-${user.id.slice(4)}`,
      tid: CONSUMER_TENANT,
    }),
    opaque(64),
  ].join(".");
}
