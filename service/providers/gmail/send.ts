// Sending: an RFC 822 message built with nodemailer's MailComposer (threading headers from
// the message replied to), handed to users.messages.send with the Gmail threadId. Gmail
// may replace our Message-ID with its own, so the one stored is read back after sending:
// recipients' replies reference that one.
import { Readable } from "node:stream";
import { ProviderError } from "../kit/errors.ts";
import type { Address, Draft, ProviderAccount, ProviderEnv, SentMessage } from "../kit/channel.ts";
import { GmailSession } from "../kit/google/session.ts";
import { headerOf, messageIds } from "./message.ts";
import { importOnFirstUse } from "../kit/lazy-sdk.ts";

const composer = importOnFirstUse(() => import("nodemailer/lib/mail-composer"));

export interface SendTuning {
  /** Above this raw size the message goes through the media-upload endpoint (JSON bodies stay small). */
  uploadThresholdBytes: number;
}

const mailbox = (a: Address) => (a.name ? { name: a.name, address: a.handle } : a.handle);

function replySubject(subject: string | undefined): string | undefined {
  if (!subject) return undefined;
  return /^\s*re\s*:/i.test(subject) ? subject : `Re: ${subject}`;
}

export async function sendGmail(
  env: ProviderEnv,
  account: ProviderAccount,
  draft: Draft,
  tuning: SendTuning,
): Promise<SentMessage> {
  const s = new GmailSession(env, account);
  let subject = draft.subject;
  let inReplyTo: string | undefined;
  let references: string[] | undefined;

  if (draft.replyTo) {
    let parentId = draft.replyTo.rfc822MessageId;
    let parentRefs = draft.replyTo.references ?? [];
    if (!parentId || !subject) {
      // Missing threading data: read it from the message being answered.
      const parent = await s
        .call((g) =>
          g.users.messages.get({
            userId: "me",
            id: draft.replyTo!.externalId,
            format: "metadata",
            metadataHeaders: ["Message-ID", "References", "Subject"],
          }),
        )
        .catch((err) => {
          if (err instanceof ProviderError && err.status === 404) return undefined;
          throw err;
        });
      const headers = parent?.payload?.headers ?? undefined;
      parentId ??= messageIds(headerOf(headers, "Message-ID"))[0];
      if (!draft.replyTo.references) parentRefs = messageIds(headerOf(headers, "References"));
      subject ??= headerOf(headers, "Subject");
    }
    subject = replySubject(subject);
    if (parentId) {
      inReplyTo = parentId;
      references = [...new Set([...parentRefs, parentId])];
    }
  }

  const raw = await new (await composer.load()).default({
    from: account.address,
    to: draft.to.map(mailbox),
    cc: draft.cc.length ? draft.cc.map(mailbox) : undefined,
    subject,
    text: draft.text,
    html: draft.html,
    inReplyTo,
    references,
    attachments: draft.attachments.map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      content: a.content,
    })),
  })
    .compile()
    .build();

  // Only hand Gmail a threadId that looks like one: a Tatu-side conversation key would 404.
  const threadId = /^[0-9a-f]{6,32}$/i.test(draft.threadKey) ? draft.threadKey : undefined;
  let res;
  if (raw.length <= tuning.uploadThresholdBytes) {
    res = await s.call((g) =>
      g.users.messages.send({
        userId: "me",
        requestBody: { raw: raw.toString("base64url"), ...(threadId && { threadId }) },
      }),
    );
  } else {
    // The SDK cannot replay a streamed body after a 401, so refresh up front if needed.
    await s.freshToken();
    // MailComposer output is 7-bit; a string body avoids the stream path when it is.
    const body = raw.every((b) => b < 0x80) ? raw.toString("latin1") : Readable.from([raw]);
    res = await s.call((g) =>
      g.users.messages.send(
        {
          userId: "me",
          requestBody: { ...(threadId && { threadId }) },
          media: { mimeType: "message/rfc822", body },
        },
        { rootUrl: s.apiRoot },
      ),
    );
  }
  if (!res.id)
    throw new ProviderError("transient", "Gmail accepted the message without returning its id", {
      code: "GMAIL_BAD_RESPONSE",
    });

  let rfc822MessageId = messageIds(
    raw
      .subarray(0, raw.indexOf("\r\n\r\n"))
      .toString("latin1")
      .match(/^Message-ID:.*$/im)?.[0],
  )[0];
  try {
    const stored = await s.call((g) =>
      g.users.messages.get({ userId: "me", id: res.id!, format: "metadata", metadataHeaders: ["Message-ID"] }),
    );
    rfc822MessageId = messageIds(headerOf(stored.payload?.headers ?? undefined, "Message-ID"))[0] ?? rfc822MessageId;
  } catch (err) {
    // The message is sent; a failed read-back must not turn that into a failure.
    env.log.warn(
      { provider: "gmail", accountId: account.id, code: (err as ProviderError).code },
      "could not read back the sent Message-ID",
    );
  }

  return {
    externalId: res.id,
    threadKey: res.threadId ?? draft.threadKey,
    ...(rfc822MessageId && { rfc822MessageId }),
    ...(inReplyTo && { inReplyTo }),
    ...(references && { references }),
    status: "sent",
    sentAt: new Date(),
  };
}
