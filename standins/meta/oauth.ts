// Facebook Login (manual flow): the login dialog (auto-consent as the chosen user, or a
// denial), the code exchange and the long-lived token exchange (fb_exchange_token).
import { escapeHtml, sendGraphError, sendHtml, sendJson, type Res } from "./http.ts";
import { opaque, type MetaState } from "./state.ts";

export interface OAuthOptions {
  redirectUris?: string[];
}

export const DIALOG_PATH = /^\/v\d+\.\d+\/dialog\/oauth$/;

export function dialog(state: MetaState, opts: OAuthOptions, res: Res, url: URL): void {
  const q = url.searchParams;
  if (q.get("client_id") !== state.appId)
    return sendHtml(res, 400, "Invalid App ID", "The provided app ID does not look like a valid app ID.");
  const redirectUri = q.get("redirect_uri") ?? "";
  if (!/^https?:\/\//.test(redirectUri) || (opts.redirectUris && !opts.redirectUris.includes(redirectUri)))
    return sendHtml(
      res,
      400,
      "URL blocked",
      "This redirect failed because the redirect URI is not whitelisted in the app's Client OAuth Settings.",
    );

  const back = new URL(redirectUri);
  const stateParam = q.get("state");
  const redirect = (params: Record<string, string>) => {
    for (const [k, v] of Object.entries(params)) back.searchParams.set(k, v);
    if (stateParam !== null) back.searchParams.set("state", stateParam);
    // Facebook appends this fragment to every redirect.
    res.writeHead(302, { Location: `${back.toString()}#_=_` }).end();
  };
  if (state.denyNext) {
    state.denyNext = false;
    return redirect({
      error: "access_denied",
      error_code: "200",
      error_description: "Permissions error",
      error_reason: "user_denied",
    });
  }
  if (q.get("response_type") && q.get("response_type") !== "code")
    return sendHtml(res, 400, "Error", "Unsupported response_type.");
  const userId = state.consentAs ?? (state.users.size === 1 ? [...state.users.keys()][0] : undefined);
  const user = userId ? state.users.get(userId) : undefined;
  if (!user) {
    // Nobody to consent as: a person would have to log in here.
    const body = `<!DOCTYPE html><html><head><title>Log in to Facebook</title></head><body><form>Log in to ${escapeHtml("Facebook")}</form></body></html>`;
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(body);
    return;
  }
  const requested = (q.get("scope") ?? "").split(/[ ,]+/).filter(Boolean);
  const code = `AQ${opaque(180)}`;
  state.codes.set(code, {
    userId: user.id,
    redirectUri,
    scopes: requested,
    expiresAt: Date.now() + 10 * 60_000,
    used: false,
  });
  redirect({ code });
}

export function accessToken(state: MetaState, res: Res, q: Map<string, string>): void {
  if (q.get("client_id") !== state.appId)
    return sendGraphError(res, 400, { message: "Error validating application. Invalid application ID.", code: 101 });
  if (q.get("client_secret") !== state.appSecret)
    return sendGraphError(res, 400, { message: "Error validating client secret.", code: 1 });

  if (q.get("grant_type") === "fb_exchange_token") {
    const grant = state.tokens.get(q.get("fb_exchange_token") ?? "");
    if (!grant || grant.kind !== "user" || grant.expired)
      return sendGraphError(res, 400, { message: "Invalid OAuth access token - Cannot parse access token", code: 190 });
    const token = state.newToken({ ...grant, longLived: true });
    return sendJson(res, 200, { access_token: token, token_type: "bearer", expires_in: 5183944 });
  }

  const code = q.get("code");
  if (!code) return sendGraphError(res, 400, { message: "Missing authorization code", code: 1 });
  const grant = state.codes.get(code);
  if (!grant)
    return sendGraphError(res, 400, { message: "Invalid verification code format.", code: 100, subcode: 36008 });
  if (grant.used)
    return sendGraphError(res, 400, { message: "This authorization code has been used.", code: 100, subcode: 36009 });
  if (grant.expiresAt < Date.now())
    return sendGraphError(res, 400, { message: "This authorization code has expired.", code: 100, subcode: 36007 });
  if (q.get("redirect_uri") !== grant.redirectUri)
    return sendGraphError(res, 400, {
      message:
        "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request",
      code: 100,
      subcode: 36008,
    });
  grant.used = true;
  const scopes = grant.scopes.filter((s) => !state.declineScopes.includes(s));
  const token = state.newToken({ kind: "user", userId: grant.userId, longLived: false, expired: false, scopes });
  sendJson(res, 200, { access_token: token, token_type: "bearer", expires_in: 5183944 });
}
