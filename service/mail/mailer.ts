// Outgoing mail. With SMTP_URL, nodemailer sends it; without (outside production) it
// lands in a dev outbox table, is logged with its links, and is listed at /api/dev/outbox.
import type { Transporter } from "nodemailer";
import type SMTPTransport from "nodemailer/lib/smtp-transport/index.js";
import { createBatcher } from "../concurrency/batcher.ts";
import type pg from "pg";
import { Prisma } from "../db/client.ts";
import { queryOn } from "../db/sql.ts";
import type { Logger } from "../observability/logger.ts";

export interface Email {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Where replies go (a notification's thread address, threads/reply-address.ts). */
  replyTo?: string;
  /** Files (an .ics) and inline images (`cid`, referenced as cid:<cid> from the HTML). SMTP
   *  only: the dev outbox keeps the text and HTML. */
  attachments?: { filename: string; content: string | Buffer; contentType: string; cid?: string }[];
}
export interface Mailer {
  readonly mode: "smtp" | "dev-outbox";
  /** Resolves when the mail is handed over; rejects when it could not be. */
  send(mail: Email): Promise<void>;
}

export function createMailer(opts: { smtpUrl?: string; from: string; pg: pg.Pool; log: Logger }): Mailer {
  if (opts.smtpUrl) {
    // Short timeouts: a dead mail server must not hold a signup request for minutes.
    // Pooled: reminder runs send thousands of mails; one TLS handshake per mail would dominate.
    // nodemailer is imported with the first mail, not at boot.
    const smtpUrl = opts.smtpUrl;
    let transport: Promise<Transporter> | undefined;
    const smtp = () =>
      (transport ??= import("nodemailer").then(({ default: nodemailer }) =>
        nodemailer.createTransport({
          url: smtpUrl,
          pool: true,
          maxConnections: 5,
          connectionTimeout: 5_000,
          greetingTimeout: 5_000,
          socketTimeout: 10_000,
        } as SMTPTransport.Options),
      ));
    return {
      mode: "smtp",
      async send(mail) {
        await (await smtp()).sendMail({ from: opts.from, ...mail });
      },
    };
  }
  // Mails handed over together (a reminder run) share one INSERT, on the pool directly: Prisma's
  // createMany cost more CPU per row than the rest of a reminder's email path together.
  const outbox = createBatcher<Email, void>(async (mails) => {
    await queryOn(opts.pg)(Prisma.sql`
      INSERT INTO "DevEmail" (id, "to", subject, text, html, "createdAt")
      SELECT gen_random_uuid(), t."to", t.subject, t.text, t.html, now()
      FROM jsonb_to_recordset(${JSON.stringify(mails.map((m) => ({ to: m.to, subject: m.subject, text: m.text, html: m.html ?? null })))}::jsonb)
        AS t("to" text, subject text, text text, html text)`);
    return mails.map(() => undefined);
  });
  return {
    mode: "dev-outbox",
    async send(mail) {
      await outbox.push(mail);
      const links = mail.text.match(/https?:\/\/\S+/g) ?? [];
      opts.log.info({ to: mail.to, subject: mail.subject, links }, "dev outbox: email stored (no SMTP_URL configured)");
    },
  };
}
