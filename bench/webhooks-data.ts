// Pre-generated, correctly signed webhook requests for the webhook benchmark: every one a
// distinct provider event (its own Meta `mid` / Twilio `MessageSid`), shaped by the stand-ins
// exactly as the provider sends it, and signed independently of the code under test (an HMAC of
// our own for Meta, the twilio library's getExpectedTwilioSignature for Twilio).
import { createHmac, randomBytes } from "node:crypto";
import twilio from "twilio";
import { newPsid, type MetaStandIn } from "../standins/meta/index.ts";
import { inboundSmsParams, type TwilioStandIn } from "../standins/twilio/index.ts";
import type { LoadRequest } from "./webhooks-load.ts";

export type BenchSource = "facebook" | "twilio";

export interface SignedBatch {
  source: BenchSource;
  requests: LoadRequest[];
  /** The provider event id of requests[i] (what WebhookEvent.eventId and Message.externalId hold). */
  eventIds: string[];
}

const TEXTS = [
  "Hi! Do you have any openings next month for a forearm piece?",
  "How much would a palm-sized fine-line rose cost?",
  "Can I move my appointment on Friday to the afternoon?",
  "Here's my reference, thinking black and grey, about 10 cm.",
  "Thanks so much, see you then!",
];

/** A pool of `senders` people, each writing several messages (threads grow, contacts recur). */
function pool<T>(senders: number, make: () => T): T[] {
  return Array.from({ length: Math.max(1, senders) }, make);
}

/** Messenger messages to `pageId`, as Meta posts them, signed with X-Hub-Signature-256 (+ the legacy sha1). */
export function metaBatch(
  meta: MetaStandIn,
  pageId: string,
  appSecret: string,
  n: number,
  senders: number,
  tag: string,
): SignedBatch {
  const people = pool(senders, () => newPsid());
  const requests: LoadRequest[] = [];
  const eventIds: string[] = [];
  for (let i = 0; i < n; i++) {
    const payload = meta.customerMessage(pageId, {
      psid: people[i % people.length]!,
      text: `${TEXTS[i % TEXTS.length]} (${tag} #${i})`,
    });
    const mid = (payload.entry[0]!.messaging[0]!.message as { mid: string }).mid;
    const body = JSON.stringify(payload);
    requests.push({
      method: "POST",
      path: "/api/webhooks/facebook",
      headers: {
        "Content-Type": "application/json",
        "User-Agent": "facebookexternalua",
        "X-Hub-Signature-256": `sha256=${createHmac("sha256", appSecret).update(body).digest("hex")}`,
        "X-Hub-Signature": `sha1=${createHmac("sha1", appSecret).update(body).digest("hex")}`,
      },
      body,
    });
    eventIds.push(mid);
  }
  return { source: "facebook", requests, eventIds };
}

/** Inbound SMS to `to` (recorded in the stand-in, so each has a real MessageSid), form-encoded as
 *  Twilio posts them and signed for `publicUrl` (NEXTAUTH_URL + path: what Twilio signs). */
export function twilioBatch(
  tw: TwilioStandIn,
  publicBase: string,
  to: string,
  n: number,
  senders: number,
  tag: string,
): SignedBatch {
  const path = "/api/webhooks/twilio";
  const signedUrl = `${publicBase}${path}`;
  const people = pool(senders, () => `+1555${String(randomBytes(4).readUInt32BE() % 10_000_000).padStart(7, "0")}`);
  const requests: LoadRequest[] = [];
  const eventIds: string[] = [];
  for (let i = 0; i < n; i++) {
    const from = people[i % people.length]!;
    const text = `${TEXTS[i % TEXTS.length]} (${tag} #${i})`;
    const { sid } = tw.addMessage({ direction: "inbound", from, to, body: text });
    const params = inboundSmsParams(tw.accountSid, { sid, from, to, body: text });
    requests.push({
      method: "POST",
      path,
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Accept: "*/*",
        "User-Agent": "TwilioProxy/1.1",
        "I-Twilio-Idempotency-Token": randomBytes(16).toString("hex"),
        "X-Home-Region": "us1",
        "X-Twilio-Signature": twilio.getExpectedTwilioSignature(tw.authToken, signedUrl, params),
      },
      body: new URLSearchParams(params).toString(),
    });
    eventIds.push(sid);
  }
  return { source: "twilio", requests, eventIds };
}

/** A sub-batch (warm-up, measured part, replay sample) keeping the event ids aligned. */
export function slice(batch: SignedBatch, from: number, to?: number): SignedBatch {
  return { source: batch.source, requests: batch.requests.slice(from, to), eventIds: batch.eventIds.slice(from, to) };
}

export function pick(batch: SignedBatch, indices: number[]): SignedBatch {
  return {
    source: batch.source,
    requests: indices.map((i) => batch.requests[i]!),
    eventIds: indices.map((i) => batch.eventIds[i]!),
  };
}
