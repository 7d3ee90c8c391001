// A Graph SDK client for one account.
//
// Why a custom middleware chain (Client.initWithMiddleware) instead of the SDK's default
// AuthenticationHandler: that handler only attaches the bearer to https Graph hosts (or
// `customHosts`), which silently breaks the http loopback stand-in; the alternative, an
// HTTPS stand-in with a self-signed cert, needs NODE_EXTRA_CA_CERTS set before the process
// starts, for every TLS connection in it. Our BearerMiddleware keeps the same protection
// (the token only goes to URLs under the configured Graph root) and works for both. The
// SDK's RetryHandler/RedirectHandler are left out on purpose: retries belong to the sync
// orchestrator (which honours Retry-After account-wide), and a bearer must never follow a
// redirect.
import type { Client, Context, GraphRequest, Middleware } from "@microsoft/microsoft-graph-client";
import { ProviderError } from "../errors.ts";
import type { ProviderAccount, ProviderEnv } from "../channel.ts";
import { graphRoot } from "./config.ts";
import { classifyOutlookError } from "./errors.ts";
import { TokenManager } from "./tokens.ts";
import { graphSdk } from "./sdk.ts";

/** Immutable ids survive folder moves: a stored externalId stays valid when the user files a
 *  message away, and a sent draft keeps its id in Sent Items. Graph only applies the
 *  preference per request, so every request carries it. */
const IMMUTABLE_IDS = 'IdType="ImmutableId"';

class BearerMiddleware implements Middleware {
  private next: Middleware | undefined;
  constructor(
    private readonly root: string,
    private readonly token: () => string,
  ) {}

  async execute(context: Context): Promise<void> {
    const url = typeof context.request === "string" ? context.request : context.request.url;
    const options = (context.options ??= {});
    const headers = new Headers(options.headers as HeadersInit | undefined);
    headers.delete("Authorization");
    if (url.toLowerCase().startsWith(`${this.root.toLowerCase()}/`))
      headers.set("Authorization", `Bearer ${this.token()}`);
    headers.append("Prefer", IMMUTABLE_IDS);
    options.headers = headers as unknown as typeof options.headers;
    options.redirect = "manual";
    await this.next!.execute(context);
  }

  setNext(next: Middleware): void {
    this.next = next;
  }
}

export class GraphSession {
  readonly root: string;
  private readonly client: Client;
  private readonly tokens: TokenManager;
  private bearer = "";

  constructor(env: ProviderEnv, account: ProviderAccount) {
    this.root = graphRoot(env);
    this.tokens = new TokenManager(env, account);
    const sdk = graphSdk();
    this.client = sdk.Client.initWithMiddleware({
      baseUrl: this.root,
      defaultVersion: "v1.0",
      middleware: [new BearerMiddleware(this.root, () => this.bearer), new sdk.HTTPMessageHandler()],
    });
  }

  /** A request for a Graph path ("/me/…") or a nextLink/deltaLink Graph handed out. */
  api(pathOrLink: string): GraphRequest {
    return this.client.api(this.relative(pathOrLink));
  }

  /**
   * Runs one Graph call with a fresh token. A 401 (token revoked/expired early) gets exactly
   * one refresh and retry; everything that escapes is a ProviderError.
   */
  async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      this.bearer = await this.tokens.accessToken();
      try {
        return await fn();
      } catch (err) {
        if (!(err instanceof graphSdk().GraphError && err.statusCode === 401)) throw err;
        this.bearer = await this.tokens.refresh();
        return await fn();
      }
    } catch (err) {
      throw classifyOutlookError(err);
    }
  }

  /**
   * The SDK only understands absolute https URLs, so Graph's links are turned into paths
   * relative to our root; a link pointing anywhere else is refused (it would get the token).
   */
  relative(pathOrLink: string): string {
    if (pathOrLink.startsWith("/")) return pathOrLink;
    const prefix = `${this.root}/v1.0/`;
    if (!pathOrLink.toLowerCase().startsWith(prefix.toLowerCase()))
      throw new ProviderError("permanent", "Microsoft Graph returned a link outside the configured Graph root.", {
        code: "OUTLOOK_FOREIGN_LINK",
      });
    return `/${pathOrLink.slice(prefix.length)}`;
  }
}

export function encodeId(id: string): string {
  return encodeURIComponent(id);
}
