// Where the account's mail lives and what a connect form sends. The provider is generic
// IMAP/SMTP: a preset names the servers (presets.ts), "other" takes the user's. For Yahoo,
// YAHOO_IMAP_* / YAHOO_SMTP_* point it elsewhere (tests use a local Dovecot, `tatu launch
// --rehearse` the same).
import { z } from "zod";
import type { ProviderAccount, ProviderEnv } from "../kit/channel.ts";
import { presetIds, presetOf, type PresetId } from "./presets.ts";
import { storedCredentials } from "../kit/credentials.ts";

export interface Endpoint {
  host: string;
  port: number;
  /** Implicit TLS from the first byte. */
  secure: boolean;
  /** Without implicit TLS: never upgrade (local test servers), upgrade when offered, or insist. */
  startTls: "never" | "optional" | "required";
  /** Fixed by Tatu or the operator; a user's own server is not, and goes through server-guard.ts. */
  trusted: boolean;
}

const hostName = (what: string) =>
  z
    .string({ message: `Enter the ${what} server name.` })
    .trim()
    .toLowerCase()
    .min(1, `Enter the ${what} server name.`)
    .max(253, `The ${what} server name is too long.`)
    .regex(
      /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.?)+$|^\[?[0-9a-f:.]+\]?$/,
      `Enter the ${what} server as a name like mail.example.com (no https://, no port).`,
    );
const portNumber = (what: string) =>
  z.coerce
    .number({ message: `Enter the ${what} port.` })
    .int(`Enter the ${what} port as a number.`)
    .min(1, `Enter the ${what} port (1–65535).`)
    .max(65535, `Enter the ${what} port (1–65535).`);

/** The servers an "other" account names. */
const ownServers = z.object({
  imapHost: hostName("IMAP"),
  imapPort: portNumber("IMAP"),
  smtpHost: hostName("SMTP"),
  smtpPort: portNumber("SMTP"),
});

export interface Credentials {
  /** Absent: Yahoo (as stored before presets, and still for Yahoo). */
  preset?: PresetId;
  email: string;
  appPassword: string;
  imapHost?: string;
  imapPort?: number;
  smtpHost?: string;
  smtpPort?: number;
}

/** The connect form, also the stored credentials (an account stored before presets has none:
 *  Yahoo). Yahoo shows app passwords in groups of four ("abcd efgh ijkl mnop"). */
export const credentialsSchema = z
  .object({
    preset: z.enum(presetIds, { message: `Choose the mail service (${presetIds.join(", ")}).` }).default("yahoo"),
    email: z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.email({ message: "Enter the email address of the mail account." })),
    appPassword: z
      .string()
      .transform((s) => s.replace(/\s+/g, ""))
      .pipe(
        z
          .string()
          .min(
            1,
            "Enter the app password you created at your mail service (for Yahoo: Account security → App passwords).",
          ),
      ),
    imapHost: z.unknown().optional(),
    imapPort: z.unknown().optional(),
    smtpHost: z.unknown().optional(),
    smtpPort: z.unknown().optional(),
  })
  .transform((v, ctx): Credentials => {
    const { preset, email, appPassword } = v;
    if (preset !== "other") return { preset, email, appPassword };
    const servers = ownServers.safeParse(v);
    if (!servers.success) {
      for (const issue of servers.error.issues)
        ctx.addIssue({ code: "custom", message: issue.message, path: issue.path });
      return z.NEVER;
    }
    return { preset, email, appPassword, ...servers.data };
  });

export function endpoints(env: ProviderEnv, creds: Credentials): { imap: Endpoint; smtp: Endpoint } {
  const e = env.config.env;
  if (!creds.preset || creds.preset === "yahoo") {
    return {
      imap: {
        host: e.YAHOO_IMAP_HOST ?? "imap.mail.yahoo.com",
        port: e.YAHOO_IMAP_PORT ?? 993,
        secure: e.YAHOO_IMAP_SECURE ?? true,
        startTls: "never",
        trusted: true,
      },
      smtp: {
        host: e.YAHOO_SMTP_HOST ?? "smtp.mail.yahoo.com",
        port: e.YAHOO_SMTP_PORT ?? 465,
        secure: e.YAHOO_SMTP_SECURE ?? true,
        startTls: "optional",
        trusted: true,
      },
    };
  }
  if (creds.preset === "other") {
    // Plain IMAP/SMTP only where the operator opened the LAN; elsewhere TLS or STARTTLS.
    const startTls = e.IMAP_ALLOW_PRIVATE_SERVERS ? "optional" : "required";
    const imapPort = creds.imapPort ?? 993,
      smtpPort = creds.smtpPort ?? 465;
    return {
      imap: { host: creds.imapHost ?? "", port: imapPort, secure: imapPort === 993, startTls, trusted: false },
      smtp: { host: creds.smtpHost ?? "", port: smtpPort, secure: smtpPort === 465, startTls, trusted: false },
    };
  }
  const p = presetOf(creds.preset);
  return {
    imap: { ...p.imap!, secure: true, startTls: "required", trusted: true },
    smtp: { ...p.smtp!, secure: !p.smtpStartTls, startTls: "required", trusted: true },
  };
}

/** Stored credentials of a connected account; unreadable ones need a reconnect, not retries. */
export function credentialsOf(account: ProviderAccount): Credentials {
  return storedCredentials(credentialsSchema, account, {
    message: "The stored mail sign-in is incomplete. Reconnect the account.",
    code: "CREDENTIALS_INVALID",
  });
}
