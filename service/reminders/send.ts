// Handing one claimed reminder to its channel: SMS through the Twilio channel's client (the
// official SDK, TWILIO_API_BASE_URL honoured) or email through the app's mailer.
//
// The crash window between "the provider accepted it" and "we recorded it" cannot be closed
// by a database alone; for a row that was claimed before (attempts > 1) we first ask the
// provider whether an earlier attempt got through:
//  - SMS: list the messages from our number to the customer and look for this reminder's
//    exact body (rendering is deterministic) created since the previous attempt claimed the
//    row; if found, its SID is recorded instead of sending again.
//  - dev outbox: the same check against the DevEmail rows (it is our own table).
//  - SMTP: nothing to ask. A crash in that window (milliseconds: the result is written as
//    soon as it is known) can repeat one email after the lease runs out (at-least-once).
import type { AppContext } from "../context.ts";
import { ProviderError } from "../providers/kit/errors.ts";
import { TwilioSession } from "../providers/kit/twilio/session.ts";
import { statusWebhookUrl } from "../providers/kit/twilio/config.ts";
import { classifyTwilioError } from "../providers/kit/twilio/errors.ts";
import { providerEnv } from "../integrations/accounts.ts";
import type { Email } from "../mail/mailer.ts";
import { reminderEmail, reminderText, type ReminderFacts } from "./message.ts";
import type { ClaimedRow } from "./sql.ts";

/** What goes out for one claimed row, rendered before the send (its own phase in the profile). */
export type Rendered = { channel: "sms"; body: string } | { channel: "email"; mail: Email };

export type SendOutcome =
  | { ok: true; providerId: string; alreadySent: boolean }
  | { ok: false; error: string; retryAfterMs?: number };

/** Twilio is usable when the server has an account and a sending number. */
export function twilioConfigured(ctx: AppContext): boolean {
  const e = ctx.config.env;
  return Boolean(e.TWILIO_ACCOUNT_SID && e.TWILIO_AUTH_TOKEN && e.TWILIO_PHONE_NUMBER);
}

export function factsOf(row: ClaimedRow): ReminderFacts {
  return {
    kind: row.kind,
    start: new Date(row.startMs),
    end: new Date(row.endMs),
    timeZone: row.timeZone,
    artistName: row.artistName,
    customerName: row.customerName,
  };
}

/** Provider clocks may differ from the database's by a little. */
const CLOCK_SLACK_MS = 5 * 60_000;

/**
 * Where to start looking for an earlier attempt's message: the previous attempt sent (if at
 * all) after it claimed the row, and any attempt before it was itself checked the same way
 * when that previous attempt began. A message found must also carry this reminder's exact
 * text, which names the artist and the local date and time.
 */
function earlierAttemptSince(row: ClaimedRow): Date {
  return new Date((row.prevClaimedMs ?? 0) - CLOCK_SLACK_MS);
}

/** "[class] CODE: words" — the class decides whether a later run retries (not "[permanent]"). */
export function errorText(err: ProviderError | { errorClass: string; code?: string; message: string }): string {
  return `[${err.errorClass}] ${err.code ? `${err.code}: ` : ""}${err.message}`.slice(0, 1000);
}

export function render(row: ClaimedRow): Rendered {
  return row.channel === "sms"
    ? { channel: "sms", body: reminderText(factsOf(row)) }
    : { channel: "email", mail: reminderEmail(row.email, factsOf(row)) };
}

// One SDK client (and its keep-alive connections) per service context, shared by every batch
// a process runs: building the twilio client per batch cost more than a few sends.
const sessions = new WeakMap<AppContext, TwilioSession>();

/** Hands rendered reminders to Twilio or the mailer; safe to call concurrently. */
export class Channels {
  constructor(private readonly ctx: AppContext) {}

  private session(): TwilioSession {
    let s = sessions.get(this.ctx);
    if (!s) sessions.set(this.ctx, (s = new TwilioSession(providerEnv(this.ctx))));
    return s;
  }

  async send(row: ClaimedRow, out: Rendered): Promise<SendOutcome> {
    return out.channel === "sms" ? this.sms(row, out.body) : this.email(row, out.mail);
  }

  private async sms(row: ClaimedRow, body: string): Promise<SendOutcome> {
    const from = this.ctx.config.env.TWILIO_PHONE_NUMBER;
    if (!twilioConfigured(this.ctx) || !from || !row.phone)
      return {
        ok: false,
        error: errorText({
          errorClass: "transient",
          code: "TWILIO_NOT_CONFIGURED",
          message: "Text messaging is not set up on this server any more.",
        }),
      };
    try {
      const session = this.session();
      if (row.attempts > 1) {
        const since = earlierAttemptSince(row).getTime();
        const earlier = await session.call((c) => c.messages.list({ to: row.phone!, from, limit: 50 }));
        const hit = earlier.find(
          (m) =>
            m.body === body &&
            (m.dateCreated?.getTime() ?? 0) >= since &&
            m.status !== "failed" &&
            m.status !== "canceled",
        );
        if (hit) return { ok: true, providerId: hit.sid, alreadySent: true };
      }
      const msg = await session.call((c) =>
        c.messages.create({ from, to: row.phone!, body, statusCallback: statusWebhookUrl(providerEnv(this.ctx)) }),
      );
      return { ok: true, providerId: msg.sid, alreadySent: false };
    } catch (err) {
      const e = classifyTwilioError(err);
      return {
        ok: false,
        error: errorText(e),
        ...(e.errorClass === "rate_limit" ? { retryAfterMs: e.retryAfterMs } : {}),
      };
    }
  }

  private async email(row: ClaimedRow, mail: Email): Promise<SendOutcome> {
    if (row.attempts > 1 && this.ctx.mailer.mode === "dev-outbox") {
      const earlier = await this.ctx.db.devEmail.findFirst({
        where: { to: mail.to, subject: mail.subject, text: mail.text, createdAt: { gte: earlierAttemptSince(row) } },
        select: { id: true },
      });
      if (earlier) return { ok: true, providerId: `dev-outbox:${earlier.id}`, alreadySent: true };
    }
    try {
      await this.ctx.mailer.send(mail);
      // The mailer does not hand back the SMTP Message-ID; the row's own id identifies the mail.
      return { ok: true, providerId: `${this.ctx.mailer.mode}:${row.id}`, alreadySent: false };
    } catch (err) {
      // SMTP 5xx = the server refused this recipient for good; anything else may pass later.
      const code = Number((err as { responseCode?: unknown }).responseCode);
      const permanent = code >= 500 && code < 600;
      return {
        ok: false,
        error: errorText({
          errorClass: permanent ? "permanent" : "transient",
          code: permanent ? `SMTP_${code}` : "MAIL_UNAVAILABLE",
          message: permanent ? "The mail server refused this address." : "The mail server could not be reached.",
        }),
      };
    }
  }
}
