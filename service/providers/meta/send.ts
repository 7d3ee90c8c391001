// Send API: POST /me/messages with the Page token (Messenger and Page-linked Instagram alike).
// Text and an attachment cannot share one message, so a draft becomes one text message plus
// one message per attachment. Attachments are our stored bytes (no public URL), sent as the
// documented multipart form: recipient, message (JSON) and the file as `filedata`.
import { z } from "zod";
import { ProviderError } from "../kit/errors.ts";
import type { Draft, OutboundAttachment, ProviderAccount, ProviderEnv, SentMessage } from "../kit/channel.ts";
import { GraphClient } from "./graph.ts";
import { accountCredentials } from "./credentials.ts";
import type { MetaChannel } from "./config.ts";

const sendAnswer = z.object({ recipient_id: z.string().optional(), message_id: z.string().min(1) });

/** Messenger's attachment types; anything not image/video/audio goes as a file. */
export function attachmentType(contentType: string): "image" | "video" | "audio" | "file" {
  const major = contentType.split("/")[0]?.toLowerCase();
  return major === "image" || major === "video" || major === "audio" ? major : "file";
}

function attachmentForm(recipient: string, a: OutboundAttachment): FormData {
  const form = new FormData();
  form.set("recipient", JSON.stringify({ id: recipient }));
  form.set("messaging_type", "RESPONSE");
  form.set(
    "message",
    JSON.stringify({ attachment: { type: attachmentType(a.contentType), payload: { is_reusable: false } } }),
  );
  form.set(
    "filedata",
    new Blob([new Uint8Array(a.content)], { type: a.contentType || "application/octet-stream" }),
    a.filename || "attachment",
  );
  return form;
}

export async function sendMeta(
  env: ProviderEnv,
  channel: MetaChannel,
  account: ProviderAccount,
  draft: Draft,
): Promise<SentMessage> {
  const { pageAccessToken } = accountCredentials(channel, account);
  const recipient = draft.to[0]?.handle?.trim();
  if (!recipient) throw new ProviderError("permanent", "The reply has no recipient.", { code: "META_NO_RECIPIENT" });
  const text = draft.text.trim() ? draft.text : "";
  if (!text && !draft.attachments.length)
    throw new ProviderError("permanent", "The reply is empty.", { code: "META_EMPTY_MESSAGE" });

  const graph = new GraphClient(env);
  const ids: string[] = [];
  if (text) {
    const answer = sendAnswer.parse(
      await graph.call("me/messages", {
        method: "POST",
        token: pageAccessToken,
        json: { recipient: { id: recipient }, messaging_type: "RESPONSE", message: { text } },
      }),
    );
    ids.push(answer.message_id);
  }
  for (const a of draft.attachments) {
    const answer = sendAnswer.parse(
      await graph.call("me/messages", { method: "POST", token: pageAccessToken, form: attachmentForm(recipient, a) }),
    );
    ids.push(answer.message_id);
  }
  if (ids.length > 1)
    env.log.debug({ accountId: account.id, parts: ids.length }, "meta: reply sent as several messages");
  return { externalId: ids[0]!, threadKey: recipient, status: "sent", sentAt: new Date() };
}
