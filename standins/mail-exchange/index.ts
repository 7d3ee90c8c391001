// The mail between mailboxes, for the email smokes' inbound check: the SMTP server of the
// "second test mailbox" (AUTH with its password, no TLS on loopback) that `tatu smoke` sends
// through, handing each accepted message to whichever stand-in or peer hosts the recipient —
// the Gmail stand-in, the Graph stand-in, the Dovecot peer — as the internet would.
// Used by the smoke tests and `tatu launch --rehearse` (TATU_SMOKE_SENDER_SMTP_URL, see env()).
import type { AddressInfo } from "node:net";
import { type AddressObject, simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";
import type { GoogleStandIn } from "../google/index.ts";
import type { MicrosoftStandIn } from "../microsoft/index.ts";

/** A mail host: delivers to `to` and resolves true, or resolves false when `to` is not its mailbox. */
export type MailHost = (to: string, mail: ParsedMail, raw: Buffer) => Promise<boolean>;

export interface SentThroughExchange {
  from: string;
  to: string[];
  subject: string;
  /** Recipients no host accepted. */
  bounced: string[];
}

export interface MailExchange {
  /** TATU_SMOKE_SENDER_SMTP_URL / TATU_SMOKE_SENDER_EMAIL of the sender mailbox. */
  env(): Record<string, string>;
  sent(): SentThroughExchange[];
  close(): Promise<void>;
}

const firstAddress = (a: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(a) ? a[0] : a)?.value[0] ?? { address: "", name: "" };

/** Only `sender` (with `password`) may send; everything it sends is routed to `hosts` in order. */
export async function startMailExchange(opts: {
  sender: string;
  password: string;
  hosts: MailHost[];
}): Promise<MailExchange> {
  const log: SentThroughExchange[] = [];
  const server = new SMTPServer({
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    authMethods: ["PLAIN", "LOGIN"],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === opts.sender && auth.password === opts.password)
        return callback(null, { user: auth.username });
      callback(Object.assign(new Error("5.7.8 Authentication credentials invalid"), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks);
        route(
          raw,
          session.envelope.rcptTo.map((r) => r.address),
        ).then(
          () => callback(),
          (err: Error) => callback(Object.assign(err, { responseCode: 550 })),
        );
      });
    },
  });

  async function route(raw: Buffer, recipients: string[]): Promise<void> {
    const mail = await simpleParser(raw);
    const bounced: string[] = [];
    for (const to of recipients) {
      let delivered = false;
      for (const host of opts.hosts) if (!delivered) delivered = await host(to, mail, raw).catch(() => false);
      if (!delivered) bounced.push(to);
    }
    log.push({ from: firstAddress(mail.from).address ?? "", to: recipients, subject: mail.subject ?? "", bounced });
    if (bounced.length === recipients.length) throw new Error(`5.1.1 no such mailbox: ${bounced.join(", ")}`);
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    env: () => ({
      TATU_SMOKE_SENDER_SMTP_URL: `smtp://${encodeURIComponent(opts.sender)}:${encodeURIComponent(opts.password)}@127.0.0.1:${port}`,
      TATU_SMOKE_SENDER_EMAIL: opts.sender,
    }),
    sent: () => [...log],
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** What a mail host gets from the parsed message: sender, subject and bodies. */
export function parsedParts(mail: ParsedMail) {
  const from = firstAddress(mail.from);
  return {
    from: { name: from.name || undefined, address: from.address ?? "" },
    subject: mail.subject ?? "",
    text: mail.text ?? "",
    ...(typeof mail.html === "string" ? { html: mail.html } : {}),
    messageId: mail.messageId,
  };
}

/** Mailboxes of the Gmail stand-in. */
export const gmailHost =
  (google: Pick<GoogleStandIn, "deliver">): MailHost =>
  async (to, mail) => {
    const p = parsedParts(mail);
    const from = p.from.name ? `${p.from.name} <${p.from.address}>` : p.from.address;
    // The stand-in throws for an address it has no mailbox for: not hosted here.
    return google.deliver(to, { ...p, from, to }).then(
      () => true,
      () => false,
    );
  };

/** Mailboxes (Outlook, Hotmail) of the Microsoft Graph stand-in. */
export const graphHost =
  (microsoft: Pick<MicrosoftStandIn, "deliver">): MailHost =>
  async (to, mail) => {
    const { messageId, ...p } = parsedParts(mail);
    try {
      microsoft.deliver(to, { ...p, to: [to], ...(messageId ? { internetMessageId: messageId } : {}) });
      return true;
    } catch {
      return false;
    }
  };

/** Mailboxes of a real mail server reached over LMTP (the Dovecot peer), given the raw message. */
export const lmtpHost =
  (peer: { deliver(to: string, raw: Buffer): Promise<void> }): MailHost =>
  async (to, _mail, raw) =>
    peer.deliver(to, raw).then(
      () => true,
      () => false,
    );
