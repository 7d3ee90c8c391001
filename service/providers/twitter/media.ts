// Downloads a DM photo. X serves DM media from ton.twitter.com behind the same OAuth 1.0a
// user signature as the API, so the SDK signs the GET; the signature is only ever sent to
// X's media hosts (or the configured stand-in), over a socket opened by the outbound guard
// (the address those hosts resolve to is checked when connecting). Bodies over the size limit
// are cut off while streaming instead of being buffered whole.
import type { IncomingMessage } from "node:http";
import type { ITwitterApiBeforeRequestConfigHookArgs, ITwitterApiClientPlugin } from "twitter-api-v2";
import { refusalOf } from "../../security/outbound/guard.ts";
import { outboundGuardFor } from "../../security/outbound/policy.ts";
import type { ProviderEnv } from "../kit/channel.ts";
import { trustedMediaHosts, twitterClient, type TwitterCredentials } from "./client.ts";

type DebugHandler = NonNullable<ITwitterApiBeforeRequestConfigHookArgs["params"]["requestEventDebugHandler"]>;

export type MediaResult =
  | { ok: true; content: Buffer; contentType: string }
  | { ok: false; reason: "untrusted_host" | "refused" | "too_large" };

export async function downloadMedia(
  env: ProviderEnv,
  creds: TwitterCredentials,
  url: string,
  maxBytes: number,
): Promise<MediaResult> {
  if (!trustedMediaHosts(env).has(new URL(url).host)) return { ok: false, reason: "untrusted_host" };
  let tooLarge = false;
  let refused = false;
  const guard: DebugHandler = (event, data) => {
    // The SDK's rejection does not expose the socket error; its debug event does.
    if (event === "request-error") refused = Boolean(refusalOf((data as { requestError?: unknown }).requestError));
    if (event !== "response") return;
    const res = (data as { res: IncomingMessage }).res;
    if (Number(res.headers["content-length"] ?? 0) > maxBytes) {
      tooLarge = true;
      return void res.destroy();
    }
    let seen = 0;
    res.on("data", (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > maxBytes && !tooLarge) {
        tooLarge = true;
        res.destroy();
      }
    });
  };
  // The SDK's documented per-request hook is the place to attach a response observer.
  const sizeGuard: ITwitterApiClientPlugin = {
    onBeforeRequestConfig: ({ params }) => {
      params.requestEventDebugHandler = guard;
    },
  };
  const agent = outboundGuardFor(env, "media").agentFor(new URL(url).protocol);
  const client = twitterClient(env, creds, [sizeGuard], agent);
  try {
    const res = await client.get<Buffer>(url, undefined, {
      prefix: "",
      fullResponse: true,
      forceParseMode: "buffer",
      compression: "identity",
      enableRateLimitSave: false,
    });
    // An aborted response may still resolve with the bytes read so far: the flag decides.
    if (tooLarge) return { ok: false, reason: "too_large" };
    const type = res.headers["content-type"];
    return {
      ok: true,
      content: res.data,
      contentType: (Array.isArray(type) ? type[0] : type)?.split(";")[0]?.trim() || "application/octet-stream",
    };
  } catch (err) {
    if (tooLarge) return { ok: false, reason: "too_large" };
    if (refused) return { ok: false, reason: "refused" };
    throw err;
  }
}
