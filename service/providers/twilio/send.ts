// Sends a text from the studio number. Twilio queues it and answers at once; the status
// callback (twilio-status webhook) later reports sent/delivered/failed, so the message is
// "pending" until then.
import { ProviderError } from "../kit/errors.ts";
import type { Draft, ProviderAccount, ProviderEnv, SentMessage } from "../kit/channel.ts";
import { TwilioSession } from "../kit/twilio/session.ts";
import { accountCredentials, statusWebhookUrl } from "../kit/twilio/config.ts";
import { accountNumber } from "./sync.ts";

export async function sendTwilio(env: ProviderEnv, account: ProviderAccount, draft: Draft): Promise<SentMessage> {
  // MMS needs media at public URLs Twilio can fetch; stored attachments have none yet, and
  // silently dropping a picture the artist attached would be worse than refusing.
  if (draft.attachments.length)
    throw new ProviderError("permanent", "Pictures cannot be sent by text message yet; send the text alone.", {
      code: "TWILIO_ATTACHMENTS_UNSUPPORTED",
    });
  const to = (draft.to[0]?.handle ?? draft.threadKey).trim();
  const session = new TwilioSession(env, accountCredentials(env, account));
  const msg = await session.call((c) =>
    c.messages.create({
      from: accountNumber(account),
      to,
      body: draft.text,
      statusCallback: statusWebhookUrl(env),
    }),
  );
  return {
    externalId: msg.sid,
    threadKey: to,
    status: "pending",
    sentAt: msg.dateCreated ?? new Date(),
  };
}
