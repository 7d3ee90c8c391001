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

export const presets = [
  {
    id: "yahoo", label: "Yahoo",
    imap: { host: "imap.mail.yahoo.com", port: 993 }, smtp: { host: "smtp.mail.yahoo.com", port: 465 },
    howTo: {
      title: "How to get a Yahoo app password",
      steps: [
        "Sign in at login.yahoo.com and open Account security.",
        "Choose Generate app password (turn on 2-step verification first if asked).",
        "Name it “Tatu”, then copy the 16 letters Yahoo shows (spaces are fine).",
      ],
      note: "Tatu uses it only to read and send your mail. Remove it at Yahoo any time to cut access.",
    },
  },
  {
    id: "icloud", label: "iCloud Mail",
    imap: { host: "imap.mail.me.com", port: 993 }, smtp: { host: "smtp.mail.me.com", port: 587 }, smtpStartTls: true,
    howTo: {
      title: "How to get an iCloud app-specific password",
      steps: [
        "Sign in at account.apple.com (two-factor authentication must be on).",
        "Open Sign-In and Security → App-Specific Passwords and add one named “Tatu”.",
        "Copy the password Apple shows; use your @icloud.com (or @me.com) address as the email.",
      ],
      note,
    },
  },
  {
    id: "fastmail", label: "Fastmail",
    imap: { host: "imap.fastmail.com", port: 993 }, smtp: { host: "smtp.fastmail.com", port: 465 },
    howTo: {
      title: "How to get a Fastmail app password",
      steps: [
        "Sign in at app.fastmail.com and open Settings → Privacy & Security.",
        "Find App passwords and choose New app password.",
        "Name it “Tatu”, allow Mail (IMAP/POP/SMTP), then copy the password Fastmail shows.",
      ],
      note,
    },
  },
  {
    id: "zoho", label: "Zoho Mail",
    imap: { host: "imap.zoho.com", port: 993 }, smtp: { host: "smtp.zoho.com", port: 465 },
    howTo: {
      title: "How to get a Zoho Mail app password",
      steps: [
        "In Zoho Mail, open Settings → Mail Accounts → IMAP and make sure IMAP Access is on.",
        "Open accounts.zoho.com → Security → App Passwords and generate one named “Tatu”.",
        "Copy the password Zoho shows. (Accounts on zoho.eu, zoho.in … use Other IMAP with that region’s servers.)",
      ],
      note,
    },
  },
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
