// A Twilio Message resource (from the REST list) as an InboundMessage. One conversation per
// customer per studio number: the thread key is the customer's E.164 number, the same key
// the inbound webhook uses, so webhook- and sync-delivered messages land in one thread.
import type { Logger } from "../../observability/logger.ts";
import { ProviderError } from "../kit/errors.ts";
import type { InboundAttachment, InboundMessage, ProviderEnv } from "../kit/channel.ts";
import type { TwilioSession } from "../kit/twilio/session.ts";
import { downloadMedia, mediaFilename } from "./media.ts";

/** The fields of the SDK's MessageInstance this provider reads. */
export interface TwilioMessage {
  sid: string;
  from: string;
  to: string;
  body: string | null;
  numMedia: string | null;
  dateSent: Date | null;
  dateCreated: Date | null;
  direction: string;
}

export function threadKeyFor(direction: "inbound" | "outbound", from: string, to: string): string {
  return direction === "inbound" ? from : to;
}

/** Media the artist can do without: a gone or oversized picture must not block the sync. */
const SKIPPABLE = new Set([
  "TWILIO_MEDIA_GONE",
  "TWILIO_MEDIA_TOO_LARGE",
  "TWILIO_MEDIA_FOREIGN_URL",
  "TWILIO_MEDIA_BAD_URL",
  "TWILIO_NOT_FOUND",
]);

async function mediaOf(
  env: ProviderEnv,
  session: TwilioSession,
  log: Logger,
  m: TwilioMessage,
): Promise<InboundAttachment[]> {
  if (!Number(m.numMedia ?? 0)) return [];
  const out: InboundAttachment[] = [];
  const list = await session.call((c) => c.messages(m.sid).media.list());
  for (const media of list) {
    try {
      const { content, contentType } = await downloadMedia(env, media.uri, session.creds);
      const type = media.contentType || contentType;
      out.push({ filename: mediaFilename(media.sid, type), contentType: type, content });
    } catch (err) {
      if (err instanceof ProviderError && SKIPPABLE.has(err.code)) {
        log.warn({ messageSid: m.sid, mediaSid: media.sid, reason: err.code }, "twilio: MMS media skipped");
        continue;
      }
      throw err;
    }
  }
  return out;
}

export async function toInbound(
  env: ProviderEnv,
  session: TwilioSession,
  m: TwilioMessage,
  direction: "inbound" | "outbound",
): Promise<InboundMessage> {
  return {
    externalId: m.sid,
    threadKey: threadKeyFor(direction, m.from, m.to),
    direction,
    from: { handle: m.from },
    to: [{ handle: m.to }],
    cc: [],
    text: m.body ?? "",
    sentAt: m.dateSent ?? m.dateCreated ?? new Date(),
    // Texts the studio sent are its own; a text that arrived while Tatu was away is unread.
    seen: direction === "outbound",
    attachments: await mediaOf(env, session, env.log, m),
  };
}
