// Meta's webhook sources: "facebook" (object "page") and "instagram" (object "instagram").
// verify: X-Hub-Signature-256 = "sha256=" + hex HMAC-SHA256(raw body, app secret), compared in
// constant time. parse: every entry[].messaging[] item (and entry[].changes[] items, which the
// App Dashboard's "Test" button sends) becomes a WebhookItem with a stable event id; items we
// do not handle (reactions, referrals, opt-ins, edits) are skipped, never a 400: Meta retries
// failed batches and eventually disables the subscription.
import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { InboundMessage, ProviderEnv } from "../kit/channel.ts";
import {
  WebhookParseError,
  type RawWebhook,
  type RemoteAttachment,
  type Verification,
  type WebhookItem,
  type WebhookSourceHandler,
} from "../kit/webhook.ts";
import { appSecret, maxAttachmentBytes, type MetaChannel } from "./config.ts";
import { downloadAttachment } from "./download.ts";

const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;

export function verifySignature(env: ProviderEnv, req: RawWebhook): Verification {
  const secret = appSecret(env);
  if (!secret) return { ok: false, reason: "FACEBOOK_APP_SECRET is not configured" };
  const header = req.headers["x-hub-signature-256"];
  if (!header) return { ok: false, reason: "missing X-Hub-Signature-256" };
  const match = SIGNATURE.exec(header.trim());
  if (!match) return { ok: false, reason: "malformed X-Hub-Signature-256" };
  const expected = createHmac("sha256", secret).update(req.rawBody).digest();
  const given = Buffer.from(match[1]!, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected)
    ? { ok: true }
    : { ok: false, reason: "X-Hub-Signature-256 does not match the body" };
}

/** The GET handshake when the webhook is registered: answer hub.challenge if the token matches. */
export function hubChallenge(env: ProviderEnv, query: URLSearchParams): string | undefined {
  const token = (env.config.env as unknown as Record<string, unknown>).FACEBOOK_WEBHOOK_VERIFY_TOKEN;
  const given = query.get("hub.verify_token") ?? "";
  if (query.get("hub.mode") !== "subscribe" || typeof token !== "string" || !token) return undefined;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  if (a.length !== b.length || !timingSafeEqual(a, b)) return undefined;
  return query.get("hub.challenge") ?? undefined;
}

const id = z.union([z.string().min(1), z.number()]).transform(String);
const party = z.object({ id });
const attachment = z.object({
  type: z.string(),
  payload: z.object({ url: z.string().optional(), title: z.string().optional() }).passthrough().nullish(),
  title: z.string().optional(),
});
const messagingItem = z
  .object({
    sender: party,
    recipient: party,
    timestamp: z.number().optional(),
    message: z
      .object({
        mid: z.string().min(1),
        text: z.string().optional(),
        is_echo: z.boolean().optional(),
        is_deleted: z.boolean().optional(),
        attachments: z.array(attachment).optional(),
      })
      .passthrough()
      .optional(),
    delivery: z.object({ mids: z.array(z.string()).optional(), watermark: z.number().optional() }).optional(),
    read: z.object({ watermark: z.number().optional(), mid: z.string().optional() }).optional(),
    postback: z
      .object({ mid: z.string().optional(), title: z.string().optional(), payload: z.string().optional() })
      .optional(),
  })
  .passthrough();
type MessagingItem = z.infer<typeof messagingItem>;

const envelope = z.object({
  object: z.string(),
  entry: z.array(
    z.object({
      id,
      time: z.number().optional(),
      messaging: z.array(z.unknown()).optional(),
      changes: z.array(z.object({ field: z.string().optional(), value: z.unknown() })).optional(),
    }),
  ),
});

/** Media Meta hosts on its CDN (downloaded while processing); link-like types go into the text. */
const MEDIA = new Set([
  "image",
  "video",
  "audio",
  "file",
  "sticker",
  "story_mention",
  "ig_reel",
  "reel",
  "animated_image_share",
]);

function message(
  item: MessagingItem,
  m: NonNullable<MessagingItem["message"]>,
  at: Date,
): { message: InboundMessage; remote: RemoteAttachment[] } {
  const outbound = m.is_echo === true;
  const own = outbound ? item.sender.id : item.recipient.id;
  const counterpart = outbound ? item.recipient.id : item.sender.id;
  const remote: RemoteAttachment[] = [];
  const links: string[] = [];
  for (const a of m.attachments ?? []) {
    const url = a.payload?.url;
    if (url && MEDIA.has(a.type)) remote.push({ url });
    else if (url || a.payload?.title || a.title) links.push(url ?? a.payload?.title ?? a.title ?? "");
  }
  const text = [m.text ?? "", ...links].filter(Boolean).join("\n");
  return {
    message: {
      externalId: m.mid,
      threadKey: counterpart,
      direction: outbound ? "outbound" : "inbound",
      from: { handle: outbound ? own : counterpart },
      to: [{ handle: outbound ? counterpart : own }],
      cc: [],
      text,
      sentAt: at,
      seen: outbound,
      attachments: [],
    },
    remote,
  };
}

function itemsOf(
  channel: MetaChannel,
  object: string,
  entry: { id: string; time?: number },
  raw: unknown,
): WebhookItem[] {
  const parsed = messagingItem.safeParse(raw);
  if (!parsed.success) return [];
  const item = parsed.data;
  const payload = {
    object,
    entry: { id: entry.id, ...(entry.time !== undefined ? { time: entry.time } : {}) },
    messaging: raw,
  };
  const at = new Date(item.timestamp ?? entry.time ?? Date.now());
  const base = { channel, accountExternalId: entry.id, payload };

  if (item.message) {
    if (item.message.is_deleted) return [];
    const { message: m, remote } = message(item, item.message, at);
    // An echo is the account's own message: its sender is the Page / IG account.
    return [
      {
        ...base,
        eventId: m.externalId,
        accountExternalId: item.message.is_echo ? item.sender.id : entry.id,
        message: m,
        ...(remote.length ? { remoteAttachments: remote } : {}),
      },
    ];
  }
  if (item.postback) {
    const externalId = item.postback.mid ?? `postback:${item.sender.id}:${item.timestamp ?? entry.time ?? 0}`;
    return [
      {
        ...base,
        eventId: externalId,
        message: {
          externalId,
          threadKey: item.sender.id,
          direction: "inbound",
          from: { handle: item.sender.id },
          to: [{ handle: item.recipient.id }],
          cc: [],
          text: item.postback.title ?? item.postback.payload ?? "",
          sentAt: at,
          seen: false,
          attachments: [],
        },
      },
    ];
  }
  if (item.delivery) {
    const { mids, watermark } = item.delivery;
    if (mids?.length)
      return mids.map((mid) => ({
        ...base,
        eventId: `delivery:${mid}`,
        status: {
          kind: "message" as const,
          externalId: mid,
          status: "delivered" as const,
          at: new Date(watermark ?? item.timestamp ?? Date.now()),
        },
      }));
    if (watermark === undefined) return [];
    return [
      {
        ...base,
        eventId: `delivery:${item.sender.id}:${watermark}`,
        status: {
          kind: "watermark",
          counterpartHandle: item.sender.id,
          status: "delivered",
          upTo: new Date(watermark),
        },
      },
    ];
  }
  if (item.read) {
    if (item.read.mid)
      return [
        {
          ...base,
          eventId: `read:${item.read.mid}`,
          status: { kind: "message", externalId: item.read.mid, status: "read", at },
        },
      ];
    if (item.read.watermark === undefined) return [];
    return [
      {
        ...base,
        eventId: `read:${item.sender.id}:${item.read.watermark}`,
        status: {
          kind: "watermark",
          counterpartHandle: item.sender.id,
          status: "read",
          upTo: new Date(item.read.watermark),
        },
      },
    ];
  }
  return [];
}

function parser(channel: MetaChannel, object: "page" | "instagram") {
  return (env: ProviderEnv, req: RawWebhook): WebhookItem[] => {
    let body: unknown;
    try {
      body = JSON.parse(req.rawBody.toString("utf8"));
    } catch {
      throw new WebhookParseError("body is not JSON");
    }
    const parsed = envelope.safeParse(body);
    if (!parsed.success) throw new WebhookParseError("body is not a Meta webhook notification (object + entry[])");
    if (parsed.data.object !== object)
      throw new WebhookParseError(`expected object "${object}", got "${parsed.data.object}"`);
    const items: WebhookItem[] = [];
    let skipped = 0;
    for (const entry of parsed.data.entry) {
      const raws = [...(entry.messaging ?? []), ...(entry.changes ?? []).map((c) => c.value)];
      for (const raw of raws) {
        const got = itemsOf(channel, object, entry, raw);
        if (!got.length) skipped++;
        items.push(...got);
      }
    }
    if (skipped)
      env.log.debug({ source: channel, skipped }, "meta webhook: items of kinds Tatu does not handle were skipped");
    return items;
  };
}

async function download(env: ProviderEnv, att: RemoteAttachment) {
  return downloadAttachment(env, att.url, maxAttachmentBytes(env), {
    filename: att.filename,
    contentType: att.contentType,
  });
}

const ack = { contentType: "text/plain", body: "EVENT_RECEIVED" };

/** Meta's check is synchronous (one app secret), and callers may rely on that. */
type MetaWebhook = Omit<WebhookSourceHandler, "verify"> & { verify: typeof verifySignature };

export const facebookWebhook: MetaWebhook = {
  source: "facebook",
  contentTypes: ["application/json"],
  rejectStatus: 401,
  verify: verifySignature,
  challenge: hubChallenge,
  parse: parser("facebook", "page"),
  ack,
  download,
};

export const instagramWebhook: MetaWebhook = {
  source: "instagram",
  contentTypes: ["application/json"],
  rejectStatus: 401,
  verify: verifySignature,
  challenge: hubChallenge,
  parse: parser("instagram", "instagram"),
  ack,
  download,
};
