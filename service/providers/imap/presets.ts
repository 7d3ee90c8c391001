// The mail services the IMAP/SMTP provider knows by name: their servers and how a user gets an
// app password there. "other" is any server the user types in (guarded: server-guard.ts).
export interface Server { host: string; port: number }

export interface Preset {
  id: string;
  label: string;
  /** Fixed servers; "other" has none (the user's). */
  imap?: Server;
  smtp?: Server;
  /** SMTP on a port without implicit TLS: STARTTLS is required. */
  smtpStartTls?: boolean;
  howTo: { title: string; steps: readonly string[]; note?: string };
}

const note = "Tatu uses it only to read and send your mail. Remove the app password any time to cut access.";

/** A service with fixed servers: IMAP on 993 (TLS), SMTP on 465 (TLS) or 587 (STARTTLS). */
function service<const Id extends string>(id: Id, label: string, servers: { imap: string; smtp: string; smtpPort: 465 | 587 }, title: string, steps: readonly string[], howToNote = note) {
  const { imap, smtp, smtpPort } = servers;
  return { id, label, imap: { host: imap, port: 993 }, smtp: { host: smtp, port: smtpPort }, smtpStartTls: smtpPort === 587, howTo: { title, steps, note: howToNote } } satisfies Preset;
}

export const presets = [
  service("yahoo", "Yahoo", { imap: "imap.mail.yahoo.com", smtp: "smtp.mail.yahoo.com", smtpPort: 465 }, "How to get a Yahoo app password", [
    "Sign in at login.yahoo.com and open Account security.",
    "Choose Generate app password (turn on 2-step verification first if asked).",
    "Name it “Tatu”, then copy the 16 letters Yahoo shows (spaces are fine).",
  ], "Tatu uses it only to read and send your mail. Remove it at Yahoo any time to cut access."),
  service("icloud", "iCloud Mail", { imap: "imap.mail.me.com", smtp: "smtp.mail.me.com", smtpPort: 587 }, "How to get an iCloud app-specific password", [
    "Sign in at account.apple.com (two-factor authentication must be on).",
    "Open Sign-In and Security → App-Specific Passwords and add one named “Tatu”.",
    "Copy the password Apple shows; use your @icloud.com (or @me.com) address as the email.",
  ]),
  service("fastmail", "Fastmail", { imap: "imap.fastmail.com", smtp: "smtp.fastmail.com", smtpPort: 465 }, "How to get a Fastmail app password", [
    "Sign in at app.fastmail.com and open Settings → Privacy & Security.",
    "Find App passwords and choose New app password.",
    "Name it “Tatu”, allow Mail (IMAP/POP/SMTP), then copy the password Fastmail shows.",
  ]),
  service("zoho", "Zoho Mail", { imap: "imap.zoho.com", smtp: "smtp.zoho.com", smtpPort: 465 }, "How to get a Zoho Mail app password", [
    "In Zoho Mail, open Settings → Mail Accounts → IMAP and make sure IMAP Access is on.",
    "Open accounts.zoho.com → Security → App Passwords and generate one named “Tatu”.",
    "Copy the password Zoho shows. (Accounts on zoho.eu, zoho.in … use Other IMAP with that region’s servers.)",
  ]),
  {
    id: "other", label: "Other IMAP",
    howTo: {
      title: "How to connect another mail service",
      steps: [
        "Find your provider’s IMAP and SMTP server names and ports in its help pages (IMAP is usually port 993, SMTP 465 or 587).",
        "If your provider offers app passwords, create one for Tatu; otherwise use your mail password.",
        "Enter the servers below. Tatu only connects with TLS (port 993/465, or STARTTLS on others).",
      ],
      note,
    },
  },
] as const satisfies readonly Preset[];

export type PresetId = (typeof presets)[number]["id"];
export const presetIds = presets.map((p) => p.id) as [PresetId, ...PresetId[]];

export function presetOf(id: PresetId): Preset {
  return presets.find((p) => p.id === id)!;
}
