// The customer the rehearsal plays, so every inbound smoke passes with no person: a second
// mailbox whose SMTP server routes mail to the Gmail and Graph stand-ins and the Dovecot peer,
// a second Twilio number that texts the studio through the Twilio stand-in's network, and a
// test user who sends the one-time code on Messenger, Instagram and X through their stand-ins.
import { randomBytes } from "node:crypto";
import {
  gmailHost,
  graphHost,
  lmtpHost,
  startMailExchange,
  type MailHost,
} from "../../standins/mail-exchange/index.ts";
import type { Customer } from "../steps/types.ts";
import type { ImapPeer } from "./imap.ts";
import type { SeededAccount } from "./seed.ts";
import type { StandIns } from "./standins.ts";

const CUSTOMER = { name: "Sam Rivera", email: "sam@customer.test", phone: "+14155550199" };

export interface RehearsalCustomer {
  /** TATU_SMOKE_SENDER_*: the customer's mailbox and Twilio number, for the email and SMS smokes. */
  env: Record<string, string>;
  customer: Customer;
  close(): Promise<void>;
}

export async function startRehearsalCustomer(
  baseUrl: string,
  s: StandIns,
  imap: ImapPeer | undefined,
  seeded: SeededAccount,
): Promise<RehearsalCustomer> {
  const hosts: MailHost[] = [gmailHost(s.google), graphHost(s.microsoft)];
  if (imap) hosts.push(lmtpHost({ deliver: (to, raw) => imap.deliver(to, raw) }));
  const mail = await startMailExchange({ sender: CUSTOMER.email, password: randomBytes(12).toString("hex"), hosts });
  // The customer's phone is a number of another Twilio account: texting the studio from it
  // goes through the stand-in's network to the studio number's webhook.
  const phone = s.twilio.addAccount();
  phone.addNumber(CUSTOMER.phone);
  const dm = async (target: "facebook" | "instagram", pageOrIgId: string, text: string) => {
    const payload = s.meta.customerMessage(pageOrIgId, { name: CUSTOMER.name, text });
    const delivery = await s.meta.postWebhook(`${baseUrl}/api/webhooks/${target}`, payload);
    if (delivery.status !== 200) throw new Error(`the ${target} webhook answered ${delivery.status}`);
  };
  const { pageId, instagramId, xStudioId, xFanId } = seeded.social;
  return {
    env: {
      ...mail.env(),
      TATU_SMOKE_SENDER_TWILIO_ACCOUNT_SID: phone.accountSid,
      TATU_SMOKE_SENDER_TWILIO_AUTH_TOKEN: phone.authToken,
      TATU_SMOKE_SENDER_TWILIO_NUMBER: CUSTOMER.phone,
    },
    customer: {
      async send(smoke, _account, text) {
        if (smoke === "facebook") return dm("facebook", pageId, text);
        if (smoke === "instagram") return dm("instagram", instagramId, text);
        if (smoke === "twitter") return void s.twitter.dm(xFanId, xStudioId, { text });
        throw new Error(`the rehearsal's customer does not write on ${smoke}`);
      },
    },
    close: () => mail.close(),
  };
}
