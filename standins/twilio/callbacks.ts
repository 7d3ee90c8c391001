// The stand-in playing Twilio calling Tatu: form-encoded POSTs signed the way Twilio signs
// them (twilio-node's getExpectedTwilioSignature over the URL Twilio requested + the sorted
// params). `url` is the URL Twilio believes it calls (what gets signed); `postTo` is where the
// request actually goes (a proxy in front of the app), defaulting to `url`.
import { randomBytes } from "node:crypto";
import twilio from "twilio";

export interface PostOptions {
  /** Network address to send to when it differs from the signed URL. */
  postTo?: string;
  /** Change a param after signing (the signature no longer matches). */
  tamper?: boolean;
  /** Send no X-Twilio-Signature header at all. */
  omitSignature?: boolean;
  /** Sign with this token instead of the account's (a webhook from another Twilio account). */
  authToken?: string;
}

export interface WebhookDelivery {
  /** The URL that was signed. */
  url: string;
  postedTo: string;
  params: Record<string, string>;
  signature?: string;
  status: number;
  contentType: string | null;
  body: string;
}

/** Stand-ins only call loopback addresses: tests and rehearsals never reach the internet. */
function assertLoopback(target: string): void {
  const host = new URL(target).hostname;
  if (!(host === "localhost" || host.startsWith("127.") || host === "[::1]"))
    throw new Error(
      `the Twilio stand-in only posts to loopback URLs (got ${host}); pass postTo with the local address`,
    );
}

export async function postSigned(
  authToken: string,
  url: string,
  params: Record<string, string>,
  opts: PostOptions = {},
): Promise<WebhookDelivery> {
  const postedTo = opts.postTo ?? url;
  assertLoopback(postedTo);
  const signature = twilio.getExpectedTwilioSignature(opts.authToken ?? authToken, url, params);
  const sentParams = opts.tamper ? { ...params, Body: `${params.Body ?? ""} [altered in transit]` } : params;
  const headers: Record<string, string> = {
    "Content-Type": "application/x-www-form-urlencoded",
    Accept: "*/*",
    "User-Agent": "TwilioProxy/1.1",
    "I-Twilio-Idempotency-Token": randomBytes(16).toString("hex"),
    "X-Home-Region": "us1",
  };
  if (!opts.omitSignature) headers["X-Twilio-Signature"] = signature;
  const res = await fetch(postedTo, {
    method: "POST",
    headers,
    body: new URLSearchParams(sentParams).toString(),
    redirect: "manual",
    signal: AbortSignal.timeout(15_000),
  });
  return {
    url,
    postedTo,
    params: sentParams,
    ...(opts.omitSignature ? {} : { signature }),
    status: res.status,
    contentType: res.headers.get("content-type"),
    body: await res.text(),
  };
}
