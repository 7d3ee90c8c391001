// Structured logs (pino). Secrets are kept out by construction: known secret-bearing
// fields are redacted by path, and every configured secret value is masked wherever
// it would appear in a log line.
import pino, { type Logger } from "pino";

export type { Logger };

const redactPaths = [
  "req.headers.authorization",
  "req.headers.cookie",
  'res.headers["set-cookie"]',
  "*.password",
  "*.passwordHash",
  "*.token",
  "*.accessToken",
  "*.refreshToken",
  "*.secret",
  "*.csrfToken",
];

export function createLogger(
  opts: { level?: string; secrets?: string[]; destination?: pino.DestinationStream } = {},
): Logger {
  const secrets = (opts.secrets ?? []).filter((s) => s.length >= 8);
  const jsonForms = [...new Set(secrets.flatMap((s) => [JSON.stringify(s).slice(1, -1), s]))];
  return pino(
    {
      level: opts.level ?? "info",
      redact: { paths: redactPaths, censor: "[redacted]" },
      ...(secrets.length && {
        hooks: {
          // Last line of defence: mask secret values anywhere in the finished line — messages,
          // object fields, error messages and stacks alike (as written and JSON-escaped).
          streamWrite: (line: string) => maskSecrets(line, jsonForms),
        },
      }),
      formatters: { level: (label) => ({ level: label }) },
    },
    opts.destination,
  );
}

export function maskSecrets(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 8 && out.includes(s)) out = out.split(s).join("[redacted]");
  return out;
}
