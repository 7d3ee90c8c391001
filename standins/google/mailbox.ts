// Putting mail into a stand-in mailbox the way Gmail does: parse once, thread it, label it,
// write a history record. Used by deliver() (seeding inbound mail) and messages.send.
import { randomBytes } from "node:crypto";
import { simpleParser, type AddressObject, type ParsedMail } from "mailparser";
import MailComposer from "nodemailer/lib/mail-composer";
import { assignAttachmentIds, parseMime, setRawHeader } from "./mime.ts";
import type { Searchable } from "./query.ts";
import { DEFAULT_LABELS, type GoogleState, type Mailbox, type StoredMessage } from "./state.ts";

export interface DeliverInput {
  from: string;
  /** Defaults to the mailbox address. */
  to?: string | string[];
  cc?: string | string[];
  subject: string;
  text: string;
  html?: string;
  attachments?: { filename: string; content: Buffer | string; contentType?: string; contentId?: string }[];
  /** Force the message into this thread (seeding); otherwise threaded by In-Reply-To/References. */
  threadId?: string;
  inReplyTo?: string;
  references?: string | string[];
  messageId?: string;
  /** internalDate (receive time); default now. */
  date?: Date;
  /** Default UNREAD, CATEGORY_PERSONAL, INBOX. */
  labels?: string[];
}

export interface Delivered {
  id: string;
  threadId: string;
  messageId: string;
  historyId: string;
}

export async function composeRaw(box: Mailbox, input: DeliverInput): Promise<Buffer> {
  return new MailComposer({
    from: input.from,
    to: input.to ?? box.email,
    cc: input.cc,
    subject: input.subject,
    text: input.text,
    html: input.html,
    attachments: input.attachments?.map((a) => ({
      filename: a.filename,
      content: a.content,
      contentType: a.contentType,
      cid: a.contentId,
    })),
    inReplyTo: input.inReplyTo,
    references: input.references,
    messageId:
      input.messageId ??
      `<${randomBytes(12).toString("hex")}@${input.from.split("@").pop()?.replace(/[>\s]/g, "") || "example.com"}>`,
    date: input.date ?? new Date(),
  })
    .compile()
    .build();
}

export const addressText = (a: AddressObject | AddressObject[] | undefined): string =>
  (Array.isArray(a) ? a : a ? [a] : []).map((x) => x.text).join(", ");

export const addressList = (a: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(a) ? a : a ? [a] : [])
    .flatMap((x) => x.value.map((v) => (v.address ?? "").toLowerCase()))
    .filter(Boolean);

const normSubject = (s: string | undefined) =>
  (s ?? "")
    .replace(/^\s*((re|fwd?|aw|sv)\s*:\s*)+/i, "")
    .trim()
    .toLowerCase();

function refsOf(p: ParsedMail): string[] {
  const refs = Array.isArray(p.references) ? p.references : p.references ? p.references.split(/\s+/) : [];
  return [...refs, ...(p.inReplyTo ? [p.inReplyTo] : [])];
}

/**
 * Gmail's threading: a requested threadId is honoured only if the message really belongs to
 * it (references a message of the thread, or the same subject); otherwise references pick
 * the thread; else the message starts its own.
 */
function threadFor(box: Mailbox, parsed: ParsedMail, newId: string, requested?: string, force = false): string {
  const refs = new Set(refsOf(parsed));
  const all = [...box.messages.values()];
  if (requested) {
    if (force) return requested;
    const inThread = all.filter((m) => m.threadId === requested);
    if (
      inThread.some(
        (m) =>
          (m.parsed.messageId && refs.has(m.parsed.messageId)) ||
          normSubject(m.parsed.subject) === normSubject(parsed.subject),
      )
    )
      return requested;
  }
  const parent = all.find((m) => m.parsed.messageId && refs.has(m.parsed.messageId));
  return parent?.threadId ?? newId;
}

export async function ingest(
  state: GoogleState,
  box: Mailbox,
  raw: Buffer,
  opts: { labels: string[]; threadId?: string; forceThread?: boolean; internalDate?: number },
): Promise<StoredMessage> {
  const parsed = await simpleParser(raw);
  const tree = parseMime(raw);
  const id = state.newMessageId();
  const msg: StoredMessage = {
    id,
    threadId: threadFor(box, parsed, id, opts.threadId, opts.forceThread),
    labelIds: [...opts.labels],
    internalDate: opts.internalDate ?? Date.now(),
    historyId: "0",
    raw,
    parsed,
    tree,
    attachments: assignAttachmentIds(tree),
  };
  box.messages.set(id, msg);
  state.record(box, msg, "messageAdded");
  return msg;
}

export async function deliver(state: GoogleState, box: Mailbox, input: DeliverInput): Promise<Delivered> {
  const raw = await composeRaw(box, input);
  const msg = await ingest(state, box, raw, {
    labels: input.labels ?? DEFAULT_LABELS,
    threadId: input.threadId,
    forceThread: Boolean(input.threadId),
    internalDate: input.date?.getTime(),
  });
  return { id: msg.id, threadId: msg.threadId, messageId: msg.parsed.messageId ?? "", historyId: msg.historyId };
}

/**
 * users.messages.send: Gmail fills a missing From and Date, issues its own Message-ID (the
 * sender must read it back for threading), files the message under SENT in the requested
 * thread, and delivers copies to recipients that are mailboxes of this stand-in.
 */
export async function sendRaw(
  state: GoogleState,
  box: Mailbox,
  raw: Buffer,
  threadId?: string,
): Promise<StoredMessage | { error: string }> {
  const first = await simpleParser(raw);
  const recipients = [...addressList(first.to), ...addressList(first.cc), ...addressList(first.bcc)];
  if (!recipients.length) return { error: "Recipient address required" };
  let out = raw;
  if (!first.from) out = setRawHeader(out, "From", `${box.name} <${box.email}>`);
  if (!first.headers.has("date")) out = setRawHeader(out, "Date", new Date().toUTCString().replace("GMT", "+0000"));
  out = setRawHeader(out, "Message-ID", `<CA${randomBytes(24).toString("base64url")}@mail.gmail.com>`);
  const self = recipients.includes(box.email);
  const msg = await ingest(state, box, out, { labels: self ? ["SENT", "INBOX", "UNREAD"] : ["SENT"], threadId });
  box.sent.push({ id: msg.id, threadId: msg.threadId, raw: out, parsed: msg.parsed });
  const copy = setRawHeader(out, "Bcc", undefined);
  for (const to of new Set(recipients)) {
    const peer = state.mailbox(to);
    if (peer && peer !== box) await ingest(state, peer, copy, { labels: DEFAULT_LABELS });
  }
  return msg;
}

export function searchable(m: StoredMessage): Searchable {
  return {
    labelIds: m.labelIds,
    internalDate: m.internalDate,
    from: addressText(m.parsed.from),
    to: addressText(m.parsed.to),
    cc: addressText(m.parsed.cc),
    subject: m.parsed.subject ?? "",
    text: m.parsed.text ?? "",
    hasAttachment: m.attachments.size > 0,
  };
}
