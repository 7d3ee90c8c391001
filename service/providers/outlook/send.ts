// Sending through Graph drafts: createReply (or a new draft) → PATCH → attachments → send.
//
// Why drafts even for new messages (not POST /me/sendMail): sendMail answers 202 with no id.
// A draft created with Prefer: IdType="ImmutableId" keeps its id when Exchange moves it to
// Sent Items, so the id returned here is exactly the externalId the next Sent Items delta
// yields — the inbox dedups it instead of showing the reply twice. (internetMessageId is
// stable too, but it is not unique per mailbox: a message to yourself has it twice.)
import { ProviderError } from "../kit/errors.ts";
import type { Address, Draft, ProviderAccount, ProviderEnv, SentMessage } from "../kit/channel.ts";
import { encodeId, GraphSession } from "../kit/microsoft/graph.ts";
import { graphMessage } from "./messages.ts";

/** Above this, Graph needs an upload session (not implemented). */
export const MAX_INLINE_ATTACHMENT = 3 * 1024 * 1024;

function recipients(list: Address[]) {
  return list.map((a) => ({ emailAddress: { address: a.handle, ...(a.name ? { name: a.name } : {}) } }));
}

export async function sendOutlook(env: ProviderEnv, account: ProviderAccount, draft: Draft): Promise<SentMessage> {
  for (const a of draft.attachments)
    if (a.content.length > MAX_INLINE_ATTACHMENT)
      throw new ProviderError(
        "permanent",
        `The attachment "${a.filename}" is larger than 3 MB, which Outlook cannot take in one request.`,
        { code: "OUTLOOK_ATTACHMENT_TOO_LARGE" },
      );

  const session = new GraphSession(env, account);
  const body = draft.html ? { contentType: "html", content: draft.html } : { contentType: "text", content: draft.text };

  // createReply puts the draft in the conversation and sets In-Reply-To/References and "RE:".
  const created = graphMessage.parse(
    await session.call(() =>
      draft.replyTo
        ? session.api(`/me/messages/${encodeId(draft.replyTo.externalId)}/createReply`).post({})
        : session.api("/me/messages").post({
            subject: draft.subject ?? "",
            body,
            toRecipients: recipients(draft.to),
            ccRecipients: recipients(draft.cc),
          }),
    ),
  );
  const draftPath = `/me/messages/${encodeId(created.id)}`;

  try {
    if (draft.replyTo) {
      // The reply draft quotes the original; Tatu sends what the artist wrote.
      const patch = {
        body,
        ...(draft.to.length ? { toRecipients: recipients(draft.to) } : {}),
        ...(draft.cc.length ? { ccRecipients: recipients(draft.cc) } : {}),
      };
      await session.call(() => session.api(draftPath).patch(patch));
    }
    for (const a of draft.attachments) {
      await session.call(() =>
        session.api(`${draftPath}/attachments`).post({
          "@odata.type": "#microsoft.graph.fileAttachment",
          name: a.filename,
          contentType: a.contentType,
          contentBytes: a.content.toString("base64"),
        }),
      );
    }
    await session.call(() => session.api(`${draftPath}/send`).post(undefined));
  } catch (err) {
    // Don't leave a half-built draft behind for the user to find (or send) in Outlook.
    await session
      .call(() => session.api(draftPath).delete())
      .catch((e: unknown) =>
        env.log.warn({ accountId: account.id, err: (e as Error).message }, "outlook: could not delete an unsent draft"),
      );
    throw err;
  }

  const references = draft.replyTo
    ? [...(draft.replyTo.references ?? []), ...(draft.replyTo.rfc822MessageId ? [draft.replyTo.rfc822MessageId] : [])]
    : undefined;
  return {
    externalId: created.id,
    threadKey: created.conversationId ?? draft.threadKey,
    ...(created.internetMessageId ? { rfc822MessageId: created.internetMessageId } : {}),
    ...(draft.replyTo?.rfc822MessageId ? { inReplyTo: draft.replyTo.rfc822MessageId } : {}),
    ...(references?.length ? { references } : {}),
    // Graph's 202 means accepted for delivery; Exchange does the rest.
    status: "sent",
    sentAt: new Date(),
  };
}
