// Structured logs (pino). Secrets are kept out by construction: known secret-bearing
// fields are redacted by path, and every configured secret value is masked wherever
// it would appear in a log line.
import pino, { type Logger } from "pino";

export type { Logger };

const redactPaths = [
  "req.headers.authorization", "req.headers.cookie", "res.headers[\"set-cookie\"]",
  "*.password", "*.passwordHash", "*.token", "*.accessToken", "*.refreshToken", "*.secret", "*.csrfToken",
];

export function createLogger(opts: { level?: string; secrets?: string[]; destination?: pino.DestinationStream } = {}): Logger {
  const secrets = (opts.secrets ?? []).filter((s) => s.length >= 8);
  return pino(
    {
      level: opts.level ?? "info",
      redact: { paths: redactPaths, censor: "[redacted]" },
      ...(secrets.length && {
        hooks: {
          // Last line of defence: mask secret values inside any string argument.
          logMethod(args, method) {
            const masked = args.map((a) => (typeof a === "string" ? maskSecrets(a, secrets) : a));
            return method.apply(this, masked as Parameters<typeof method>);
          },
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
