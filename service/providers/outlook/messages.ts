// Graph message resources → InboundMessage. Bodies stay as Graph stores them (html kept for
// the inbox, which sanitises it); the text version of an html body is derived here.
import { z } from "zod";
import type { Logger } from "../../observability/logger.ts";
import type { Address, InboundAttachment, InboundMessage } from "../kit/channel.ts";
import { encodeId, type GraphSession } from "../kit/microsoft/graph.ts";
import { graphSdk } from "../kit/microsoft/sdk.ts";
import { htmlToText } from "./text.ts";

/** What sync asks Graph for ($select keeps delta pages small). */
export const MESSAGE_FIELDS = [
  "id",
  "conversationId",
  "internetMessageId",
  "subject",
  "body",
  "from",
  "sender",
  "toRecipients",
  "ccRecipients",
  "receivedDateTime",
  "sentDateTime",
  "isRead",
  "isDraft",
  "hasAttachments",
];

const recipient = z.object({
  emailAddress: z.object({ name: z.string().nullish(), address: z.string().nullish() }).nullish(),
});

export const graphMessage = z.object({
  id: z.string().min(1),
  conversationId: z.string().nullish(),
  internetMessageId: z.string().nullish(),
  subject: z.string().nullish(),
  body: z.object({ contentType: z.string(), content: z.string().nullish() }).nullish(),
  from: recipient.nullish(),
  sender: recipient.nullish(),
  toRecipients: z.array(recipient).nullish(),
  ccRecipients: z.array(recipient).nullish(),
  receivedDateTime: z.string().nullish(),
  sentDateTime: z.string().nullish(),
  isRead: z.boolean().nullish(),
  isDraft: z.boolean().nullish(),
  hasAttachments: z.boolean().nullish(),
});
export type GraphMessage = z.infer<typeof graphMessage>;

const attachmentList = z.object({
  value: z.array(
    z.object({
      "@odata.type": z.string(),
      id: z.string(),
      name: z.string().nullish(),
      contentType: z.string().nullish(),
      isInline: z.boolean().nullish(),
      contentId: z.string().nullish(),
      contentBytes: z.string().nullish(),
    }),
  ),
  "@odata.nextLink": z.string().optional(),
});

function address(r: z.infer<typeof recipient> | null | undefined): Address | undefined {
  const a = r?.emailAddress?.address?.trim();
  if (!a) return undefined;
  const name = r?.emailAddress?.name?.trim();
  return { handle: a.toLowerCase(), ...(name && name.toLowerCase() !== a.toLowerCase() ? { name } : {}) };
}

function addresses(list: z.infer<typeof recipient>[] | null | undefined): Address[] {
  return (list ?? []).map(address).filter((a): a is Address => a !== undefined);
}

function date(...candidates: (string | null | undefined)[]): Date {
  for (const c of candidates) {
    const t = c ? Date.parse(c) : NaN;
    if (!Number.isNaN(t)) return new Date(t);
  }
  return new Date();
}

export async function fetchAttachments(
  session: GraphSession,
  log: Logger,
  messageId: string,
): Promise<InboundAttachment[]> {
  const out: InboundAttachment[] = [];
  let link: string | undefined = `/me/messages/${encodeId(messageId)}/attachments`;
  while (link) {
    const url = link;
    const page = attachmentList.parse(await session.call(() => session.api(url).get()));
    for (const a of page.value) {
      if (a["@odata.type"] !== "#microsoft.graph.fileAttachment") {
        // Attached Outlook items / cloud links have no bytes to store.
        log.info({ messageId, attachmentType: a["@odata.type"] }, "outlook: skipping non-file attachment");
        continue;
      }
      // Large files may come without contentBytes in the list: fetch their raw $value.
      const content =
        a.contentBytes != null
          ? Buffer.from(a.contentBytes, "base64")
          : Buffer.from(
              (await session.call(() =>
                session
                  .api(`/me/messages/${encodeId(messageId)}/attachments/${encodeId(a.id)}/$value`)
                  .responseType(graphSdk().ResponseType.ARRAYBUFFER)
                  .get(),
              )) as ArrayBuffer,
            );
      out.push({
        filename: a.name || "attachment",
        contentType: a.contentType || "application/octet-stream",
        content,
        ...(a.isInline && a.contentId ? { contentId: a.contentId } : {}),
      });
    }
    link = page["@odata.nextLink"];
  }
  return out;
}

export async function toInbound(
  session: GraphSession,
  log: Logger,
  m: GraphMessage,
  direction: "inbound" | "outbound",
  accountAddress: string,
): Promise<InboundMessage> {
  const isHtml = m.body?.contentType.toLowerCase() === "html";
  const content = m.body?.content ?? "";
  // hasAttachments is false when a message only has inline images: look for cid: references too.
  const wantsAttachments = m.hasAttachments === true || (isHtml && /\bcid:/i.test(content));
  const from =
    address(m.from) ??
    address(m.sender) ??
    (direction === "outbound"
      ? { handle: accountAddress.toLowerCase() }
      : { name: "Unknown sender", handle: "unknown-sender@invalid" });
  return {
    externalId: m.id,
    ...(m.conversationId ? { threadKey: m.conversationId } : {}),
    direction,
    from,
    to: addresses(m.toRecipients),
    cc: addresses(m.ccRecipients),
    ...(m.subject ? { subject: m.subject } : {}),
    text: isHtml ? htmlToText(content) : content,
    ...(isHtml ? { html: content } : {}),
    // Inbound: the server's receipt time (a sender's clock can lie); outbound: when we sent it.
    sentAt:
      direction === "inbound" ? date(m.receivedDateTime, m.sentDateTime) : date(m.sentDateTime, m.receivedDateTime),
    seen: m.isRead === true,
    ...(m.internetMessageId ? { rfc822MessageId: m.internetMessageId } : {}),
    attachments: wantsAttachments ? await fetchAttachments(session, log, m.id) : [],
  };
}
