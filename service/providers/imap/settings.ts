// Where the account's mail lives and what a connect form sends. The provider is generic
// IMAP/SMTP with Yahoo's defaults; YAHOO_IMAP_* / YAHOO_SMTP_* point it elsewhere (tests
// use a local Dovecot, `tatu launch --rehearse` the same).
import { z } from "zod";
import type { ProviderAccount, ProviderEnv } from "../kit/channel.ts";
import { ProviderError } from "../kit/errors.ts";

export interface Endpoint {
  host: string;
  port: number;
  secure: boolean;
}

export function endpoints(env: ProviderEnv): { imap: Endpoint; smtp: Endpoint } {
  const e = env.config.env;
  return {
    imap: {
      host: e.YAHOO_IMAP_HOST ?? "imap.mail.yahoo.com",
      port: e.YAHOO_IMAP_PORT ?? 993,
      secure: e.YAHOO_IMAP_SECURE ?? true,
    },
    smtp: {
      host: e.YAHOO_SMTP_HOST ?? "smtp.mail.yahoo.com",
      port: e.YAHOO_SMTP_PORT ?? 465,
      secure: e.YAHOO_SMTP_SECURE ?? true,
    },
  };
}

/** The connect form. Yahoo shows app passwords in groups of four ("abcd efgh ijkl mnop"). */
export const credentialsSchema = z.object({
  email: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.email({ message: "Enter the email address of the Yahoo account." })),
  appPassword: z
    .string()
    .transform((s) => s.replace(/\s+/g, ""))
    .pipe(z.string().min(1, "Enter the app password you created at Yahoo (Account security → App passwords).")),
});
export type Credentials = z.output<typeof credentialsSchema>;

/** Stored credentials of a connected account; unreadable ones need a reconnect, not retries. */
export function credentialsOf(account: ProviderAccount): Credentials {
  const parsed = credentialsSchema.safeParse(account.credentials);
  if (!parsed.success)
    throw new ProviderError("auth", "The stored Yahoo sign-in is incomplete. Reconnect the account.", {
      code: "CREDENTIALS_INVALID",
    });
  return parsed.data;
}
