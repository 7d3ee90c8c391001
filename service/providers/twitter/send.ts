// Replies go into the conversation they answer: POST /2/dm_conversations/:id/messages.
// Without a conversation id yet, a 1-1 message goes to /2/dm_conversations/with/:participant_id.
// Attachments are not sent (media upload is a separate chunked v1.1/v2 flow Tatu does not
// implement); capabilities.attachments is false so the inbox offers text replies only.
import { z } from "zod";
import { ProviderError } from "../kit/errors.ts";
import type { Draft, ProviderAccount, ProviderEnv, SentMessage } from "../kit/channel.ts";
import { accountClient } from "./client.ts";

/** X's answer is {"data":{…}} although the SDK's type claims the unwrapped object. */
const created = z.object({
  data: z.object({ dm_conversation_id: z.string().min(1), dm_event_id: z.string().regex(/^\d+$/) }),
});

/** X's DM length limit. */
export const MAX_TEXT = 10_000;

export async function sendTwitter(env: ProviderEnv, account: ProviderAccount, draft: Draft): Promise<SentMessage> {
  if (draft.attachments.length)
    throw new ProviderError("permanent", "Attachments cannot be sent to X Direct Messages from Tatu.", {
      code: "TWITTER_ATTACHMENTS_UNSUPPORTED",
    });
  const text = draft.text.trim();
  if (!text) throw new ProviderError("permanent", "An X Direct Message needs text.", { code: "TWITTER_EMPTY_MESSAGE" });
  if ([...text].length > MAX_TEXT)
    throw new ProviderError("permanent", `X Direct Messages are limited to ${MAX_TEXT} characters.`, {
      code: "TWITTER_TEXT_TOO_LONG",
    });

  const { client } = accountClient(env, account);
  const participant = draft.to[0]?.handle;
  const raw: unknown = draft.threadKey
    ? await client.v2.sendDmInConversation(draft.threadKey, { text })
    : participant && /^\d+$/.test(participant)
      ? await client.v2.sendDmToParticipant(participant, { text })
      : undefined;
  if (raw === undefined)
    throw new ProviderError("permanent", "No X conversation or recipient to send to.", {
      code: "TWITTER_NO_RECIPIENT",
    });
  const { data } = created.parse(raw);
  return { externalId: data.dm_event_id, threadKey: data.dm_conversation_id, status: "sent", sentAt: new Date() };
}
