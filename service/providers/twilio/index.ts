// SMS/MMS through Twilio Programmable Messaging. A studio connects a number of the server's
// Twilio account (TWILIO_*, assigned to it by an admin) or of its own Twilio account.
// Texts arrive by webhook (webhook.ts); sync() only catches up on what a webhook missed.
import { plainWords } from "../kit/errors.ts";
import {
  classifyChannelFailures,
  type ChannelProvider,
  type ProviderAccount,
  type ProviderEnv,
  type SmokeResult,
} from "../kit/channel.ts";
import { TwilioSession } from "../kit/twilio/session.ts";
import { accountCredentials, inboundWebhookUrl, ownCredentials } from "../kit/twilio/config.ts";
import { twilioConnect } from "./connect.ts";
import { classifyTwilioError } from "../kit/twilio/errors.ts";
import { sendTwilio } from "./send.ts";
import { accountNumber, syncTwilio } from "./sync.ts";
import type { ProviderDefinition } from "../kit/provider.ts";
import meta from "./meta.ts";
import { twilioInboundWebhook, twilioStatusWebhook } from "./webhook.ts";

export { twilioInboundWebhook, twilioStatusWebhook } from "./webhook.ts";

async function smoke(env: ProviderEnv, account: ProviderAccount): Promise<SmokeResult> {
  const checks: SmokeResult["checks"] = [];
  const run = async (name: string, fn: () => Promise<{ ok: boolean; detail: string }>) => {
    try {
      checks.push({ name, ...(await fn()) });
    } catch (err) {
      checks.push({ name, ok: false, detail: plainWords(classifyTwilioError(err).errorClass, "Twilio") });
    }
  };
  let session: TwilioSession | undefined;
  await run("number", async () => {
    session = new TwilioSession(env, accountCredentials(env, account));
    const number = accountNumber(account);
    const found = (await session.call((c) => c.incomingPhoneNumbers.list({ phoneNumber: number, limit: 20 }))).find(
      (n) => n.phoneNumber === number,
    );
    if (!found)
      return {
        ok: false,
        detail: `${number} is no longer on ${ownCredentials(account.credentials) ? "your" : "the server's"} Twilio account`,
      };
    const hooked = found.smsUrl === inboundWebhookUrl(env);
    return {
      ok: hooked,
      detail: hooked
        ? "owned; inbound texts come to Tatu"
        : "owned, but its Messaging webhook points elsewhere: reconnect the number",
    };
  });
  if (session) {
    const s = session;
    await run("messages", async () => {
      await s.call((c) => c.messages.page({ to: accountNumber(account), pageSize: 1 }));
      return { ok: true, detail: "message log readable" };
    });
  }
  return { ok: checks.every((c) => c.ok), checks };
}

export const twilioProvider: ChannelProvider & ProviderDefinition = {
  ...meta,
  webhooks: [twilioInboundWebhook, twilioStatusWebhook],
  identityKind: "sms",
  // Inbound MMS pictures are stored; sending pictures needs public media URLs (not yet).
  capabilities: { attachments: false, webhooks: true },
  connect: twilioConnect,
  ...classifyChannelFailures({ sync: syncTwilio, send: sendTwilio }, classifyTwilioError),
  // The number stays on its Twilio account and its webhook is left in place (a reconnect needs
  // it). Nothing to revoke: the stored credentials are dropped by the disconnect itself.
  async disconnect() {},
  classifyError: classifyTwilioError,
  smoke,
};

export default twilioProvider;
