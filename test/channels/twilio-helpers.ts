// Shared plumbing for the Twilio provider tests: a ProviderEnv pointed at the Twilio
// stand-in, a local "app" that records what Twilio posts to it, signed RawWebhooks built
// with the twilio library itself, and sync draining.
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import twilio from "twilio";
import type {
  InboundMessage,
  NewAccount,
  ProviderAccount,
  ProviderEnv,
  SyncCursor,
  SyncPage,
} from "../../service/providers/kit/channel.ts";
import type { RawWebhook } from "../../service/providers/kit/webhook.ts";

import { sha256, testProviderEnv } from "../helpers/providers.ts";

export const PUBLIC_URL = "https://tatu.example.com";
export const INBOUND_URL = `${PUBLIC_URL}/api/webhooks/twilio`;
export const STATUS_URL = `${PUBLIC_URL}/api/webhooks/twilio/status`;

export const providerEnv = (overrides: Record<string, string>): ProviderEnv =>
  testProviderEnv("twilio", { NEXTAUTH_URL: PUBLIC_URL, ...overrides });

export { sha256 };

/** A random US number in the 555-01xx fiction range plus a tag-specific prefix. */
export function phone(): string {
  return `+1${200 + Math.floor(Math.random() * 700)}555${String(Math.floor(Math.random() * 10_000)).padStart(4, "0")}`;
}

export function accountFrom(connected: NewAccount): ProviderAccount {
  return {
    id: `acct-${randomBytes(4).toString("hex")}`,
    userId: "user-1",
    externalId: connected.externalId,
    address: connected.address,
    credentials: connected.credentials,
    async saveCredentials() {
      throw new Error("twilio accounts have no tokens to refresh");
    },
  };
}

/** A RawWebhook for `params`, signed by the twilio library for `signedUrl` (verify checks `publicUrl`). */
export function signedWebhook(
  params: Record<string, string>,
  o: { token: string; signedUrl: string; publicUrl?: string; body?: Record<string, string> },
): RawWebhook {
  const signature = twilio.getExpectedTwilioSignature(o.token, o.signedUrl, params);
  return {
    rawBody: Buffer.from(new URLSearchParams(o.body ?? params).toString()),
    headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature },
    publicUrl: o.publicUrl ?? o.signedUrl,
  };
}

/** The app side of Twilio's calls: records each POST as the webhook layer would see it. */
export interface Capture {
  url: string;
  received: { rawBody: Buffer; headers: Record<string, string | undefined>; path: string }[];
  close(): Promise<void>;
}

export async function startCapture(reply: { contentType: string; body: string }): Promise<Capture> {
  const received: Capture["received"] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
    received.push({ rawBody: Buffer.concat(chunks), headers, path: req.url ?? "/" });
    res.writeHead(200, { "Content-Type": reply.contentType });
    res.end(reply.body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** The last captured request as a RawWebhook received at `publicUrl`. */
export function lastAsRaw(capture: Capture, publicUrl: string): RawWebhook {
  const r = capture.received.at(-1);
  if (!r) throw new Error("nothing was posted");
  return { rawBody: r.rawBody, headers: r.headers, publicUrl };
}

export interface Drained {
  pages: SyncPage[];
  messages: InboundMessage[];
  cursor: SyncCursor | null;
}

export async function drain(pages: AsyncIterable<SyncPage>, stopAfter = Infinity): Promise<Drained> {
  const out: Drained = { pages: [], messages: [], cursor: null };
  for await (const page of pages) {
    out.pages.push(page);
    out.messages.push(...page.messages);
    out.cursor = page.cursor;
    if (out.pages.length >= stopAfter) break;
  }
  return out;
}
