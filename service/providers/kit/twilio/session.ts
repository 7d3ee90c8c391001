// The official twilio SDK, pointed at TWILIO_API_BASE_URL. twilio-node has no base-URL
// option, so a RequestClient subclass rewrites the origin of every request (the SDK builds
// absolute https://api.twilio.com URLs, next-page links included). It also keeps each call's
// last response headers: RestException drops them, and Retry-After matters on a 429. The HTTP
// itself goes through transport.ts (Node http with keep-alive) rather than the bundled axios.
import { AsyncLocalStorage } from "node:async_hooks";
import type twilio from "twilio";
import type RequestClient from "twilio/lib/base/RequestClient.js";
import type * as TwilioResponse from "twilio/lib/http/response.js";
import type { ProviderEnv } from "../channel.ts";
import { send } from "./transport.ts";
import { apiBase, DEFAULT_API_BASE, serverCredentials, type ServerCredentials } from "./config.ts";
import { requireOnFirstUse } from "../lazy-sdk.ts";

const twilioSdk = requireOnFirstUse<typeof twilio>("twilio");

/** Moves an api.twilio.com URL onto `base` (a no-op against the real API). */
export function rebase(uri: string, base: string): string {
  if (base === DEFAULT_API_BASE) return uri;
  const u = new URL(uri);
  if (u.origin !== DEFAULT_API_BASE) return uri;
  return base + u.pathname + u.search;
}

const REQUEST_TIMEOUT_MS = 30_000;

/** The headers of the latest response within one TwilioSession.call. Per call, not per client:
 *  a session is shared by concurrent sends (reminders), and one send's 429 must not read the
 *  Retry-After of another's answer. */
const callHeaders = new AsyncLocalStorage<{ headers: Record<string, unknown> }>();

/** The SDK's RequestClient subclass, defined once the SDK is loaded (the first session). */
let RebasingRequestClient: ReturnType<typeof defineRebasingClient> | undefined;

function defineRebasingClient() {
  return class RebasingRequestClient extends twilioSdk().RequestClient {
    constructor(private readonly base: string) {
      // No SDK-side 429 retries: the sync orchestrator owns retry timing (Retry-After).
      super({ autoRetry: false, timeout: REQUEST_TIMEOUT_MS });
    }
    override async request<TData>(opts: RequestClient.RequestOptions<TData>): Promise<TwilioResponse.default<TData>> {
      if (!opts.method) throw new Error("http method is required");
      if (!opts.uri) throw new Error("uri is required");
      const call = callHeaders.getStore();
      if (call) call.headers = {};
      const res = await send(
        {
          method: String(opts.method).toUpperCase(),
          uri: rebase(opts.uri, this.base),
          username: opts.username,
          password: opts.password,
          headers: opts.headers as Record<string, string> | undefined,
          params: opts.params as Record<string, unknown> | undefined,
          data: opts.data as Record<string, unknown> | undefined,
          timeout: opts.timeout,
        },
        REQUEST_TIMEOUT_MS,
      );
      if (call) call.headers = res.headers;
      return res as unknown as TwilioResponse.default<TData>;
    }
  };
}

/** Retry-After of the response that made the SDK throw (read by classifyTwilioError). */
export const retryAfterOf = new WeakMap<object, string>();

/** The SDK client for one account, its requests sent to `base` (the real API or a stand-in). */
export function rebasedTwilioClient(base: string, creds: ServerCredentials): twilio.Twilio {
  RebasingRequestClient ??= defineRebasingClient();
  return twilioSdk()(creds.accountSid, creds.authToken, { httpClient: new RebasingRequestClient(base) });
}

export class TwilioSession {
  readonly client: twilio.Twilio;
  readonly creds: ServerCredentials;

  /** `creds`: a studio's own Twilio account; the server's (TWILIO_*) when absent. */
  constructor(env: ProviderEnv, creds?: ServerCredentials) {
    this.creds = creds ?? serverCredentials(env);
    this.client = rebasedTwilioClient(apiBase(env), this.creds);
  }

  /** Runs one SDK call; a failure keeps the Retry-After its response carried. */
  async call<T>(fn: (client: twilio.Twilio) => Promise<T>): Promise<T> {
    const call = { headers: {} as Record<string, unknown> };
    try {
      return await callHeaders.run(call, () => fn(this.client));
    } catch (err) {
      const ra = call.headers["retry-after"];
      if (typeof err === "object" && err !== null && typeof ra === "string") retryAfterOf.set(err, ra);
      throw err;
    }
  }
}
