// OAuth 1.0a three-legged flow of the X stand-in:
//   POST /oauth/request_token  (signed with the consumer secret only)
//   GET  /oauth/authorize | /oauth/authenticate?oauth_token=…  (the browser leg)
//   POST /oauth/access_token   (signed with the request token's secret, carries oauth_verifier)
import type { OAuth1Verifier } from "./oauth1.ts";
import { type Req, type Res, sendForm, sendText, sendV1Error } from "./http.ts";
import { opaque, type TwitterState } from "./state.ts";

export interface OAuthContext {
  state: TwitterState;
  verifier: OAuth1Verifier;
  consumerKey: string;
  consumerSecret: string;
  /** When set, request_token refuses other callbacks (X requires them registered in the app). */
  callbackUrls?: string[];
}

const consumerSecrets = (ctx: OAuthContext) => (key: string) =>
  key === ctx.consumerKey ? ctx.consumerSecret : undefined;

export function handleRequestToken(ctx: OAuthContext, req: Req, res: Res, url: URL, body: Buffer): void {
  const v = ctx.verifier.verify(req, url, body, { consumer: consumerSecrets(ctx), token: () => undefined });
  if (!v.ok) return sendV1Error(res, 401, 32, "Could not authenticate you.");
  const callback = v.request.oauth.get("oauth_callback");
  if (!callback || (callback !== "oob" && !/^https?:\/\//i.test(callback)))
    return sendV1Error(res, 400, 417, "Desktop applications only support the oauth_callback value 'oob'");
  if (callback !== "oob" && ctx.callbackUrls && !ctx.callbackUrls.includes(callback)) {
    const xml = `<?xml version="1.0" encoding="UTF-8"?><errors><error code="415">Callback URL not approved for this client application. Approved callback URLs can be adjusted in your application settings</error></errors>`;
    return sendText(res, 403, xml, "application/xml;charset=utf-8");
  }
  const token = opaque(32);
  const secret = opaque(32);
  ctx.state.requestTokens.set(token, { secret, callback });
  sendForm(res, { oauth_token: token, oauth_token_secret: secret, oauth_callback_confirmed: "true" });
}

function page(res: Res, title: string, text: string): void {
  sendText(
    res,
    200,
    `<!DOCTYPE html><html><head><title>${title}</title></head><body><h1>${title}</h1><p>${text}</p></body></html>`,
    "text/html; charset=utf-8",
  );
}

/** The stand-in "user" decides at once, as set by consentAs(): approve, cancel, or not yet. */
export function handleAuthorize(ctx: OAuthContext, res: Res, url: URL): void {
  const token = url.searchParams.get("oauth_token") ?? "";
  const rt = ctx.state.requestTokens.get(token);
  if (!rt)
    return page(
      res,
      "X / Error",
      "Whoa there! The request token for this page is invalid. It may have already been used, or expired because it is too old. Please go back to the site or application that sent you here and try again; it was probably just a mistake.",
    );
  const who = ctx.state.consentAs;
  if (who === undefined || (who !== null && !ctx.state.users.has(who)))
    return page(res, "X / Authorize an application", "Sign in to X to continue.");
  if (rt.callback === "oob") {
    if (who === null) return page(res, "X / Authorize an application", "You did not authorize the application.");
    rt.verifier = String(1_000_000 + Math.floor(Math.random() * 9_000_000));
    rt.userId = who;
    return page(res, "X / Authorize an application", `Enter this PIN: <code>${rt.verifier}</code>`);
  }
  const back = new URL(rt.callback);
  if (who === null) {
    ctx.state.requestTokens.delete(token);
    back.searchParams.set("denied", token);
  } else {
    rt.verifier = opaque(24);
    rt.userId = who;
    back.searchParams.set("oauth_token", token);
    back.searchParams.set("oauth_verifier", rt.verifier);
  }
  res.writeHead(302, { Location: back.toString(), "Content-Length": "0" });
  res.end();
}

export function handleAccessToken(ctx: OAuthContext, req: Req, res: Res, url: URL, body: Buffer): void {
  const v = ctx.verifier.verify(req, url, body, {
    consumer: consumerSecrets(ctx),
    token: (t) => ctx.state.requestTokens.get(t)?.secret,
  });
  if (!v.ok) return sendV1Error(res, 401, 32, "Could not authenticate you.");
  const token = v.request.token;
  const rt = token ? ctx.state.requestTokens.get(token) : undefined;
  if (!token || !rt) return sendText(res, 401, "Request token missing");
  const verifier = v.request.oauth.get("oauth_verifier");
  if (!rt.verifier || !rt.userId || verifier !== rt.verifier)
    return sendText(res, 401, "Error processing your OAuth request: Invalid oauth_verifier parameter");
  ctx.state.requestTokens.delete(token); // single use
  const user = ctx.state.mustUser(rt.userId);
  // X hands the same access token to the same user and app until it is revoked.
  let access = [...ctx.state.accessTokens].find(([, a]) => a.userId === user.id);
  if (!access) {
    access = [`${user.id}-${opaque(30)}`, { secret: opaque(32), userId: user.id }];
    ctx.state.accessTokens.set(access[0], access[1]);
  }
  sendForm(res, {
    oauth_token: access[0],
    oauth_token_secret: access[1].secret,
    user_id: user.id,
    screen_name: user.username,
  });
}
