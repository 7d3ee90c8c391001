// Gmail message (format=full) → InboundMessage. We use format=full rather than raw +
// mailparser: Gmail has already split the MIME tree and decoded headers, labels/threadId/
// internalDate come in the same answer, and attachment bytes are fetched separately
// (attachments.get) only when needed instead of riding inside every raw download.
import type { gmail_v1 } from "@googleapis/gmail";
import addressparser from "nodemailer/lib/addressparser";
import type { Address, InboundAttachment, InboundMessage } from "../kit/channel.ts";

type Part = gmail_v1.Schema$MessagePart;

export interface ToInboundOptions {
  /** Bytes of a part Gmail stored separately (body.attachmentId). */
  fetchAttachment(attachmentId: string): Promise<Buffer>;
  maxAttachmentBytes: number;
  /** Called for an attachment left out because it is larger than maxAttachmentBytes. */
  onSkipped?(info: { filename: string; size: number }): void;
}

export function headerOf(headers: gmail_v1.Schema$MessagePartHeader[] | undefined, name: string): string | undefined {
  const h = headers?.find((x) => x.name?.toLowerCase() === name.toLowerCase());
  return h?.value ?? undefined;
}

/** RFC 2047 encoded-words, should any reach us undecoded. */
export function decodeWords(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?)/g, "$1")
    .replace(/=\?([^?*]+)(?:\*[^?]*)?\?([BbQq])\?([^?]*)\?=/g, (_all, charset: string, enc: string, data: string) => {
      const bytes =
        enc.toUpperCase() === "B"
          ? Buffer.from(data, "base64")
          : Buffer.from(
              data
                .replace(/_/g, " ")
                .replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
              "latin1",
            );
      return decodeText(bytes, charset);
    });
}

function decodeText(bytes: Buffer, charset: string | undefined): string {
  try {
    return new TextDecoder((charset ?? "utf-8").toLowerCase()).decode(bytes);
  } catch {
    return bytes.toString("utf8"); // unknown charset label
  }
}

export function parseAddresses(value: string | undefined): Address[] {
  if (!value) return [];
  return addressparser(value, { flatten: true })
    .filter((a) => a.address)
    .map((a) => ({ handle: a.address.toLowerCase(), ...(a.name && { name: decodeWords(a.name) }) }));
}

export const messageIds = (value: string | undefined): string[] => value?.match(/<[^<>\s]+>/g) ?? [];

function charsetOf(part: Part): string | undefined {
  return /charset\s*=\s*"?([^";\s]+)"?/i.exec(headerOf(part.headers, "Content-Type") ?? "")?.[1];
}

function isAttachment(part: Part): boolean {
  const disposition = headerOf(part.headers, "Content-Disposition") ?? "";
  if (part.filename || /^\s*attachment/i.test(disposition)) return true;
  const type = (part.mimeType ?? "").toLowerCase();
  return type !== "text/plain" && type !== "text/html" && !type.startsWith("multipart/");
}

function leaves(part: Part | undefined, out: Part[] = []): Part[] {
  if (!part) return out;
  if (part.parts?.length) for (const p of part.parts) leaves(p, out);
  else if (!(part.mimeType ?? "").startsWith("multipart/")) out.push(part);
  return out;
}

const EXT: Record<string, string> = {
  "image/png": "png",
  "image/jpeg": "jpg",
  "image/gif": "gif",
  "application/pdf": "pdf",
};

export async function toInbound(msg: gmail_v1.Schema$Message, opts: ToInboundOptions): Promise<InboundMessage> {
  const headers = msg.payload?.headers ?? undefined;
  const h = (n: string) => headerOf(headers, n);
  const body = async (part: Part): Promise<Buffer> => {
    if (part.body?.data) return Buffer.from(part.body.data, "base64url");
    if (part.body?.attachmentId) return opts.fetchAttachment(part.body.attachmentId);
    return Buffer.alloc(0);
  };

  const texts: string[] = [];
  let html: string | undefined;
  const attachments: InboundAttachment[] = [];
  for (const [i, part] of leaves(msg.payload).entries()) {
    const type = (part.mimeType ?? "application/octet-stream").toLowerCase();
    if (!isAttachment(part)) {
      const text = decodeText(await body(part), charsetOf(part));
      if (type === "text/html") html ??= text;
      else texts.push(text);
      continue;
    }
    const size = part.body?.size ?? 0;
    const contentId = headerOf(part.headers, "Content-ID")?.replace(/^<|>$/g, "");
    const filename = part.filename
      ? decodeWords(part.filename)
      : `${contentId ?? `attachment-${i + 1}`}.${EXT[type] ?? "bin"}`;
    if (size > opts.maxAttachmentBytes) {
      opts.onSkipped?.({ filename, size });
      continue;
    }
    attachments.push({ filename, contentType: type, content: await body(part), ...(contentId && { contentId }) });
  }

  const labels = msg.labelIds ?? [];
  const direction = labels.includes("SENT") ? "outbound" : "inbound";
  const internal = Number(msg.internalDate);
  const dateHeader = Date.parse(h("Date") ?? "");
  const subject = h("Subject");
  const rfc822MessageId = messageIds(h("Message-ID"))[0];
  const inReplyTo = messageIds(h("In-Reply-To"))[0];
  const references = messageIds(h("References"));
  return {
    externalId: msg.id!,
    ...(msg.threadId && { threadKey: msg.threadId }),
    direction,
    from: parseAddresses(h("From"))[0] ?? { handle: "" },
    to: parseAddresses(h("To")),
    cc: parseAddresses(h("Cc")),
    ...(subject && { subject: decodeWords(subject) }),
    text: texts.length ? texts.join("\n") : html ? htmlToText(html) : "",
    ...(html !== undefined && { html }),
    // internalDate is when Google accepted the message: more reliable than the Date header.
    sentAt: new Date(
      Number.isFinite(internal) && internal > 0 ? internal : Number.isNaN(dateHeader) ? Date.now() : dateHeader,
    ),
    seen: !labels.includes("UNREAD"),
    ...(rfc822MessageId && { rfc822MessageId }),
    ...(inReplyTo && { inReplyTo }),
    ...(references.length && { references }),
    attachments,
  };
}

/** Plain text for HTML-only mail (the inbox shows and searches `text`). */
function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, "")
    .replace(/<br\s*\/?>|<\/(p|div|li|tr|h\d)>/gi, "\n")
    .replace(/<[^>]+>/g, "")
    .replace(/&nbsp;/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/[ \t]+\n/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
