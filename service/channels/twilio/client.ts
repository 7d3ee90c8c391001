// The official twilio SDK, pointed at TWILIO_API_BASE_URL. twilio-node has no base-URL
// option, so a RequestClient subclass rewrites the origin of every request (the SDK builds
// absolute https://api.twilio.com URLs, next-page links included). It also remembers the
// last response's headers: RestException drops them, and Retry-After matters on a 429.
import twilio from "twilio";
import type RequestClient from "twilio/lib/base/RequestClient.js";
import type * as TwilioResponse from "twilio/lib/http/response.js";
import type { ProviderEnv } from "../types.ts";
import { apiBase, DEFAULT_API_BASE, serverCredentials, type ServerCredentials } from "./config.ts";


/** Moves an api.twilio.com URL onto `base` (a no-op against the real API). */
export function rebase(uri: string, base: string): string {
  if (base === DEFAULT_API_BASE) return uri;
  const u = new URL(uri);
  if (u.origin !== DEFAULT_API_BASE) return uri;
  return base + u.pathname + u.search;
}

class RebasingRequestClient extends twilio.RequestClient {
  lastHeaders: Record<string, unknown> = {};
  constructor(private readonly base: string) {
    // No SDK-side 429 retries: the sync orchestrator owns retry timing (Retry-After).
    // Keep-alive: a reminder run sends thousands of texts; a TLS handshake per text would dominate.
    super({ autoRetry: false, timeout: 30_000, keepAlive: true, maxSockets: 32 });
  }
  override async request<TData>(opts: RequestClient.RequestOptions<TData>): Promise<TwilioResponse.default<TData>> {
    this.lastHeaders = {};
    const res = await super.request<TData>({ ...opts, uri: rebase(opts.uri, this.base) });
    this.lastHeaders = (res.headers ?? {}) as Record<string, unknown>;
    return res;
  }
}

/** Retry-After of the response that made the SDK throw (read by classifyTwilioError). */
export const retryAfterOf = new WeakMap<object, string>();

export class TwilioSession {
  readonly client: twilio.Twilio;
  readonly creds: ServerCredentials;
  private readonly http: RebasingRequestClient;

  constructor(env: ProviderEnv) {
    this.creds = serverCredentials(env);
    this.http = new RebasingRequestClient(apiBase(env));
    this.client = twilio(this.creds.accountSid, this.creds.authToken, { httpClient: this.http });
  }

  /** Runs one SDK call; a failure keeps the Retry-After its response carried. */
  async call<T>(fn: (client: twilio.Twilio) => Promise<T>): Promise<T> {
    try {
      return await fn(this.client);
    } catch (err) {
      const ra = this.http.lastHeaders["retry-after"];
      if (typeof err === "object" && err !== null && typeof ra === "string") retryAfterOf.set(err, ra);
      throw err;
    }
  }
}
