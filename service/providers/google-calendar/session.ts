// One account's Calendar client. The grant is the Gmail account's, so this wraps the Gmail
// provider's GmailSession (same OAuth2 client, same refresh-and-save-before-next-call logic)
// and only adds the calendar_v3 client on top of its auth. SDK retries are off (retry:false,
// as for Gmail): a failure surfaces at once and the job queue decides when to retry.
// The per-API package, like Gmail's (see kit/google/session.ts).
import type { calendar_v3 } from "@googleapis/calendar";
import { GmailSession, GOOGLE_REQUEST_TIMEOUT_MS } from "../kit/google/session.ts";
import type { ProviderAccount, ProviderEnv } from "../kit/channel.ts";
import { classifyCalendarError } from "./errors.ts";
import { requireOnFirstUse } from "../kit/lazy-sdk.ts";

const calendarSdk = requireOnFirstUse<typeof import("@googleapis/calendar")>("@googleapis/calendar");

/** Calendar lives under www.googleapis.com (not gmail.googleapis.com); the stand-in serves both. */
export function calendarRoot(env: ProviderEnv): string {
  return `${env.config.env.GOOGLE_API_BASE_URL?.replace(/\/+$/, "") ?? "https://www.googleapis.com"}/`;
}

export class CalendarSession {
  private readonly grant: GmailSession;
  readonly api: calendar_v3.Calendar;

  constructor(env: ProviderEnv, account: ProviderAccount) {
    try {
      this.grant = new GmailSession(env, account);
    } catch (err) {
      throw classifyCalendarError(err);
    }
    this.api = calendarSdk().calendar({
      version: "v3",
      auth: this.grant.client,
      rootUrl: calendarRoot(env),
      retry: false,
      timeout: GOOGLE_REQUEST_TIMEOUT_MS,
    });
  }

  /** One SDK call; refreshed tokens are saved before it returns; errors are ProviderErrors. */
  call<T>(fn: (c: calendar_v3.Calendar) => Promise<{ data: T }>): Promise<T> {
    return this.grant.call(async () => {
      try {
        return await fn(this.api);
      } catch (err) {
        throw classifyCalendarError(err); // GmailSession passes ProviderErrors through unchanged
      }
    });
  }
}
