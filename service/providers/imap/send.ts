// Sending: the message is built once (MailComposer), sent over SMTP as that exact raw, then
// the same bytes are APPENDed to \Sent — so the Sent copy carries our Message-ID and a
// later sync dedups it against the message the inbox stored at send time.
import { randomUUID } from "node:crypto";
import type { Address, Draft, ProviderAccount, ProviderEnv, SentMessage } from "../kit/channel.ts";
import { classifyYahooError } from "./errors.ts";
import { closeImap, mailFolders, openImap } from "./imap.ts";
import { normalizeMessageId } from "./parse.ts";
import { dialTarget } from "./server-guard.ts";
import { credentialsOf, endpoints } from "./settings.ts";
import { importOnFirstUse } from "../kit/lazy-sdk.ts";

const composer = importOnFirstUse(() => import("nodemailer/lib/mail-composer"));
const nodemailer = importOnFirstUse(() => import("nodemailer"));

function replySubject(subject: string | undefined): string | undefined {
  if (subject === undefined) return undefined;
  return /^\s*re\s*:/i.test(subject) ? subject : `Re: ${subject}`;
}

const toMailbox = (a: Address) => ({ name: a.name ?? "", address: a.handle });

export async function sendYahoo(env: ProviderEnv, account: ProviderAccount, draft: Draft): Promise<SentMessage> {
  const creds = credentialsOf(account);
  const from = account.address;
  const sentAt = new Date();
  const messageId = `<${randomUUID()}@${from.split("@")[1] ?? "tatu.local"}>`;

  // Our externalIds are Message-IDs (or uid:… when a message had none).
  const reply = draft.replyTo;
  const parentId =
    normalizeMessageId(reply?.rfc822MessageId) ?? (reply?.externalId.startsWith("<") ? reply.externalId : undefined);
  const references = [...new Set([...(reply?.references ?? []), ...(parentId ? [parentId] : [])])];
  const subject = reply ? replySubject(draft.subject) : draft.subject;

  const raw = await new (await composer.load()).default({
    from,
    to: draft.to.map(toMailbox),
    cc: draft.cc.map(toMailbox),
    ...(subject !== undefined && { subject }),
    text: draft.text,
    ...(draft.html && { html: draft.html }),
    messageId,
    date: sentAt,
    ...(parentId && { inReplyTo: parentId }),
    ...(references.length > 0 && { references }),
    attachments: draft.attachments.map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      content: a.content,
    })),
    // Content comes only from buffers: never let a draft make us read files or URLs.
    disableFileAccess: true,
    disableUrlAccess: true,
  })
    .compile()
    .build();

  const { smtp } = endpoints(env, creds);
  const dial = await dialTarget(env, smtp);
  const transport = (await nodemailer.load()).default.createTransport({
    host: dial.host,
    ...(dial.servername && { servername: dial.servername }),
    port: smtp.port,
    secure: smtp.secure,
    // secure=false: plain, upgraded with STARTTLS whenever the server offers it (required
    // for a preset's port 587 and a user's own server).
    ...(smtp.startTls === "required" && { requireTLS: true }),
    auth: { user: creds.email, pass: creds.appPassword },
    connectionTimeout: 20_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
    logger: false,
  });
  try {
    await transport.sendMail({ envelope: { from, to: [...draft.to, ...draft.cc].map((a) => a.handle) }, raw });
  } catch (err) {
    throw classifyYahooError(err, "smtp");
  } finally {
    transport.close();
  }

  // The mail is out: from here nothing may throw, or a retry would send it twice.
  await saveToSent(env, account, raw, sentAt).catch((err) =>
    env.log.warn(
      { err: classifyYahooError(err).code, accountId: account.id },
      "yahoo: sent, but the copy could not be saved to Sent",
    ),
  );

  return {
    externalId: messageId,
    rfc822MessageId: messageId,
    ...(parentId && { inReplyTo: parentId }),
    ...(references.length > 0 && { references }),
    status: "sent",
    sentAt,
  };
}

async function saveToSent(env: ProviderEnv, account: ProviderAccount, raw: Buffer, sentAt: Date): Promise<void> {
  const client = await openImap(env, credentialsOf(account));
  try {
    const { sent } = await mailFolders(client);
    if (!sent) {
      env.log.warn({ accountId: account.id }, "yahoo: the account has no Sent folder; the sent copy is not saved");
      return;
    }
    await client.append(sent.path, raw, ["\\Seen"], sentAt);
  } finally {
    await closeImap(client);
  }
}
