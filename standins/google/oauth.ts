// Google OAuth 2.0 web-server flow: the consent URL (auto-consents with a 302 back to the
// app), the token endpoint (code exchange with PKCE, refresh), revoke, tokeninfo and the
// JWKS that verifies id_tokens. Error bodies are the flat RFC 6749 shape Google sends.
import { createHash, randomBytes } from "node:crypto";
import express, { type Request, type Response } from "express";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from "jose";
import { canonicalScope, s256, type Grant, type GoogleState } from "./state.ts";
import { faultsAndLog } from "./http.ts";

const CODE_TTL_MS = 10 * 60 * 1000;

export async function oauthRouter(state: GoogleState): Promise<express.Router> {
  const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
  const kid = randomBytes(8).toString("hex");
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  const r = express.Router();
  const f = faultsAndLog(state, "oauth");
  r.get("/o/oauth2/v2/auth", f, (req, res) => consent(state, req, res));
  r.post("/token", f, express.urlencoded({ extended: false }), (req, res) => token(state, req, res, privateKey, kid));
  r.post("/revoke", f, express.urlencoded({ extended: false }), (req, res) => revoke(state, req, res));
  r.get("/tokeninfo", f, (req, res) => tokenInfo(state, req, res));
  r.get("/oauth2/v3/certs", f, (_req, res) => void res.json({ keys: [jwk] }));
  return r;
}

/** Google shows an HTML error page (never a redirect) for a bad client or redirect URI. */
function errorPage(res: Response, title: string, detail: string): void {
  res
    .status(400)
    .type("html")
    .send(
      `<!doctype html><title>${title}</title><h1>Access blocked: authorisation error</h1><p>${title}</p><p>${detail}</p>`,
    );
}

function consent(state: GoogleState, req: Request, res: Response): void {
  const q = req.query as Record<string, string | undefined>;
  if (q.client_id !== state.clientId)
    return errorPage(res, "Error 401: invalid_client", "The OAuth client was not found.");
  let redirect: URL;
  try {
    redirect = new URL(q.redirect_uri ?? "");
    if (!/^https?:$/.test(redirect.protocol)) throw new Error("scheme");
  } catch {
    return errorPage(res, "Error 400: redirect_uri_mismatch", "Missing or invalid redirect_uri.");
  }
  if (q.response_type !== "code")
    return errorPage(res, "Error 400: invalid_request", "Invalid response_type: only code is supported here.");
  const requested = (q.scope ?? "").split(" ").filter(Boolean).map(canonicalScope);
  if (!requested.length) return errorPage(res, "Error 400: invalid_request", "Missing required parameter: scope");
  const method = q.code_challenge_method ?? (q.code_challenge ? "plain" : undefined);
  if (method && method !== "S256" && method !== "plain")
    return errorPage(res, "Error 400: invalid_request", "Invalid code_challenge_method");

  const back = (params: Record<string, string>) => {
    for (const [k, v] of Object.entries(params)) redirect.searchParams.set(k, v);
    res.redirect(302, redirect.toString());
  };
  if (state.denyNextConsent) {
    state.denyNextConsent = false;
    return back({ error: "access_denied", ...(q.state !== undefined && { state: q.state }) });
  }
  const email =
    state.consentEmail ?? q.login_hint ?? (state.mailboxes.size === 1 ? [...state.mailboxes.keys()][0] : undefined);
  if (!email)
    return errorPage(res, "Error 400: no account", "google stand-in: call consentAs(email) or pass login_hint.");
  state.addMailbox(email);
  // Granular consent: the user may untick some scopes; openid/userinfo always stay.
  const withheld = new Set((state.consentScopes ?? []).map(canonicalScope));
  const scopes = requested.filter((s) => !withheld.has(s));
  const code = `4/0A${randomBytes(54).toString("base64url")}`;
  state.codes.set(code, {
    code,
    email: email.toLowerCase(),
    clientId: state.clientId,
    redirectUri: q.redirect_uri!,
    scopes,
    codeChallenge: q.code_challenge,
    codeChallengeMethod: method,
    offline: q.access_type === "offline",
    nonce: q.nonce,
    expiresAt: Date.now() + CODE_TTL_MS,
  });
  back({
    ...(q.state !== undefined && { state: q.state }),
    code,
    scope: scopes.join(" "),
    authuser: "0",
    prompt: "consent",
  });
}

function oauthError(res: Response, status: number, error: string, description: string): void {
  res.status(status).json({ error, error_description: description });
}

/** Client auth in the body (ClientSecretPost, the library default) or HTTP Basic. */
function clientOf(req: Request): { id?: string; secret?: string } {
  const basic = /^Basic\s+(.+)$/i.exec(req.get("authorization") ?? "");
  if (basic) {
    const [id, secret] = Buffer.from(basic[1]!, "base64").toString().split(":");
    return { id: decodeURIComponent(id ?? ""), secret: decodeURIComponent(secret ?? "") };
  }
  return { id: req.body?.client_id, secret: req.body?.client_secret };
}

async function token(state: GoogleState, req: Request, res: Response, key: CryptoKey, kid: string): Promise<void> {
  res.setHeader("Cache-Control", "no-cache, no-store, max-age=0, must-revalidate");
  res.setHeader("Pragma", "no-cache");
  const body = (req.body ?? {}) as Record<string, string | undefined>;
  const client = clientOf(req);
  if (client.id !== state.clientId) return oauthError(res, 401, "invalid_client", "The OAuth client was not found.");
  if (client.secret !== state.clientSecret) return oauthError(res, 401, "invalid_client", "Unauthorized");

  if (body.grant_type === "authorization_code") {
    const code = body.code ?? "";
    if (!code.startsWith("4/")) return oauthError(res, 400, "invalid_grant", "Malformed auth code.");
    const pending = state.codes.get(code);
    state.codes.delete(code); // single use, even when this attempt fails
    if (!pending || pending.expiresAt < Date.now()) return oauthError(res, 400, "invalid_grant", "Bad Request");
    if (pending.redirectUri !== body.redirect_uri) return oauthError(res, 400, "redirect_uri_mismatch", "Bad Request");
    if (pending.codeChallenge) {
      const verifier = body.code_verifier ?? "";
      const ok =
        pending.codeChallengeMethod === "S256"
          ? s256(verifier) === pending.codeChallenge
          : verifier === pending.codeChallenge;
      if (!verifier || !ok) return oauthError(res, 400, "invalid_grant", "Bad Request");
    }
    const grant = state.newGrant(pending.email, pending.clientId, pending.scopes);
    const at = state.issueTokens(grant);
    res.json({
      access_token: at.token,
      expires_in: state.accessTokenTtlSec - 1,
      ...(pending.offline && { refresh_token: grant.refreshToken }),
      scope: grant.scopes.join(" "),
      token_type: "Bearer",
      ...(grant.scopes.includes("openid") && { id_token: await idToken(state, grant, key, kid, pending.nonce) }),
    });
    return;
  }
  if (body.grant_type === "refresh_token") {
    const grant = state.grants.get(body.refresh_token ?? "");
    if (!grant || grant.revoked) return oauthError(res, 400, "invalid_grant", "Token has been expired or revoked.");
    if (grant.clientId !== client.id) return oauthError(res, 400, "unauthorized_client", "Unauthorized");
    const at = state.issueTokens(grant);
    res.json({
      access_token: at.token,
      expires_in: state.accessTokenTtlSec - 1,
      scope: grant.scopes.join(" "),
      token_type: "Bearer",
      ...(grant.scopes.includes("openid") && { id_token: await idToken(state, grant, key, kid) }),
    });
    return;
  }
  oauthError(res, 400, "unsupported_grant_type", `Invalid grant_type: ${body.grant_type ?? ""}`);
}

function subjectOf(email: string): string {
  return BigInt(`0x${createHash("sha256").update(email).digest("hex").slice(0, 15)}`)
    .toString()
    .padStart(21, "1");
}

async function idToken(state: GoogleState, grant: Grant, key: CryptoKey, kid: string, nonce?: string): Promise<string> {
  const box = state.mailbox(grant.email);
  return new SignJWT({
    azp: grant.clientId,
    email: grant.email,
    email_verified: true,
    ...(grant.scopes.includes("https://www.googleapis.com/auth/userinfo.profile") && box && { name: box.name }),
    ...(nonce && { nonce }),
  })
    .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
    .setIssuer("https://accounts.google.com")
    .setAudience(grant.clientId)
    .setSubject(subjectOf(grant.email))
    .setIssuedAt()
    .setExpirationTime("1h")
    .sign(key);
}

function revoke(state: GoogleState, req: Request, res: Response): void {
  const tok = (req.query.token as string | undefined) ?? (req.body?.token as string | undefined) ?? "";
  const access = state.accessTokens.get(tok);
  const grant = access && !access.expired && access.expiresAt > Date.now() ? access.grant : state.grants.get(tok);
  if (!grant || grant.revoked) return oauthError(res, 400, "invalid_token", "Token expired or revoked");
  // Revoking either token ends the whole grant (refresh token and its access tokens).
  grant.revoked = true;
  res.status(200).json({});
}

function tokenInfo(state: GoogleState, req: Request, res: Response): void {
  const at = state.bearer((req.query.access_token as string | undefined) ?? "");
  if (!at) return oauthError(res, 400, "invalid_token", "Invalid Value");
  const expiresIn = Math.floor((at.expiresAt - Date.now()) / 1000);
  res.json({
    azp: at.grant.clientId,
    aud: at.grant.clientId,
    sub: subjectOf(at.grant.email),
    scope: at.grant.scopes.join(" "),
    exp: String(Math.floor(at.expiresAt / 1000)),
    expires_in: String(expiresIn),
    email: at.grant.email,
    email_verified: "true",
    access_type: "offline",
  });
}
