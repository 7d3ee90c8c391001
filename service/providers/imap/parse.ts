// Raw RFC 822 source → InboundMessage (mailparser). Message-IDs keep their angle brackets,
// the same form nodemailer writes and References carries, so ids compare as plain strings.
import type { AddressObject, EmailAddress } from "mailparser";
import type { Address, InboundMessage } from "../kit/channel.ts";
import { importOnFirstUse } from "../kit/lazy-sdk.ts";

const mailparser = importOnFirstUse(() => import("mailparser"));

export interface FetchedMeta {
  folder: string;
  uidValidity: number;
  uid: number;
  flags: Set<string> | undefined;
  internalDate: Date | undefined;
  direction: InboundMessage["direction"];
}

export function normalizeMessageId(id: string | undefined): string | undefined {
  const v = id?.trim();
  if (!v) return undefined;
  return v.startsWith("<") ? v : `<${v}>`;
}

function flatten(list: EmailAddress[]): Address[] {
  return list.flatMap((a) =>
    a.group
      ? flatten(a.group)
      : a.address
        ? [{ handle: a.address.toLowerCase(), ...(a.name ? { name: a.name } : {}) }]
        : [],
  );
}

function addresses(v: AddressObject | AddressObject[] | undefined): Address[] {
  if (!v) return [];
  return flatten((Array.isArray(v) ? v : [v]).flatMap((o) => o.value));
}

/** Id used when a message has no Message-ID: stable only while the folder's UIDVALIDITY is. */
export function uidExternalId(m: Pick<FetchedMeta, "folder" | "uidValidity" | "uid">): string {
  return `uid:${m.folder}:${m.uidValidity}:${m.uid}`;
}

export async function toInboundMessage(source: Buffer, meta: FetchedMeta): Promise<InboundMessage> {
  const { simpleParser } = await mailparser.load();
  const mail = await simpleParser(source, { skipTextToHtml: true, skipImageLinks: true });
  const messageId = normalizeMessageId(mail.messageId);
  const references = (
    Array.isArray(mail.references) ? mail.references : mail.references ? mail.references.split(/\s+/) : []
  )
    .map(normalizeMessageId)
    .filter((r): r is string => !!r);
  const from = addresses(mail.from)[0] ?? { handle: "" };
  return {
    // The Message-ID survives UIDVALIDITY resets and is the same in INBOX and Sent, so
    // re-walks and our own sent copy dedup against what the inbox already has.
    externalId: messageId ?? uidExternalId(meta),
    direction: meta.direction,
    from,
    to: addresses(mail.to),
    cc: addresses(mail.cc),
    ...(mail.subject !== undefined && { subject: mail.subject }),
    text: mail.text ?? "",
    ...(mail.html ? { html: mail.html } : {}),
    sentAt: mail.date ?? meta.internalDate ?? new Date(),
    seen: meta.flags?.has("\\Seen") ?? false,
    ...(messageId && { rfc822MessageId: messageId }),
    ...(normalizeMessageId(mail.inReplyTo) && { inReplyTo: normalizeMessageId(mail.inReplyTo) }),
    ...(references.length > 0 && { references }),
    attachments: mail.attachments.map((a) => ({
      filename: a.filename ?? "attachment",
      contentType: a.contentType,
      content: a.content,
      ...(a.contentId && { contentId: a.contentId }),
    })),
  };
}
