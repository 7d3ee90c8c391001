// The environment the CLI checks and uses: process.env, optionally with an --env-file merged
// over it, plus the CLI's own variables (tokens for Vercel/Sentry, the smoke test account).
import fs from "node:fs";
import { z } from "zod";
import { CliExit, EXIT } from "./output/exit-codes.ts";
import { envNames, envRegistry, type EnvVarSpec } from "../service/config/registry.ts";

const nonEmpty = z.string().min(1, "must not be empty");
const httpUrl = z.url({ protocol: /^https?$/, message: "must be an http(s) URL" });
/** A whole number with its default: `format.parse(undefined)` gives the default. */
const count = (dflt: number) => z.coerce.number().int("must be a whole number").min(0, "must be ≥ 0").default(dflt);

/** Variables only the CLI reads (never the service). Same shape as the service registry. */
export const cliEnvRegistry = {
  VERCEL_API_BASE_URL: {
    integration: "vercel",
    launchCritical: false,
    secret: false,
    format: httpUrl,
    description: "Override the Vercel REST API host (api.vercel.com) — only for stand-ins / rehearsal.",
  },
  SENTRY_AUTH_TOKEN: {
    integration: "monitoring",
    launchCritical: false,
    secret: true,
    format: nonEmpty,
    description: "Sentry auth token with org:read (`tatu hypercare` reads the error volume).",
  },
  SENTRY_ORG: {
    integration: "monitoring",
    launchCritical: false,
    secret: false,
    format: nonEmpty,
    description: "Sentry organization slug.",
  },
  SENTRY_PROJECT_ID: {
    integration: "monitoring",
    launchCritical: false,
    secret: false,
    format: z.string().regex(/^\d+$/, "must be the numeric project id"),
    description: "Numeric Sentry project id (the last part of the DSN).",
  },
  SENTRY_API_BASE_URL: {
    integration: "monitoring",
    launchCritical: false,
    secret: false,
    format: httpUrl,
    description: "Sentry Web API base (default https://sentry.io) — region hosts, stand-ins / rehearsal.",
  },
  TATU_SMOKE_EMAIL: {
    integration: "auth",
    launchCritical: false,
    secret: false,
    format: z.email({ message: "must be an email address" }),
    description: "Verified test account `tatu smoke` signs in as (its providers are connected).",
  },
  TATU_SMOKE_PASSWORD: {
    integration: "auth",
    launchCritical: false,
    secret: true,
    format: nonEmpty,
    description: "Password of TATU_SMOKE_EMAIL.",
  },
  TATU_SMOKE_PROVIDERS: {
    integration: "core",
    launchCritical: false,
    secret: false,
    format: nonEmpty,
    description:
      "Comma-separated smokes `tatu gate` and `tatu hypercare` run (e.g. signup,gmail,sms); unset = signup only (gate), every smoke (hypercare).",
  },
  TATU_SMOKE_SEARCH: {
    integration: "core",
    launchCritical: false,
    secret: false,
    format: nonEmpty,
    description:
      "Query string `tatu smoke search` runs (e.g. lat=52.37&lng=4.89&radiusKm=25: the configured point); fails without ≥ 1 visible artist. Unset: the name in TATU_SMOKE_SEARCH_ARTIST (or the whole map for an id); neither set → the smoke fails.",
  },
  TATU_SMOKE_SEARCH_ARTIST: {
    integration: "core",
    launchCritical: false,
    secret: false,
    format: nonEmpty,
    description:
      "Artist `tatu smoke search` must find (user id or exact display name) among the results of TATU_SMOKE_SEARCH; unset: any visible artist passes.",
  },
  TATU_SMOKE_SIGNUP_DOMAIN: {
    integration: "auth",
    launchCritical: false,
    secret: false,
    format: nonEmpty,
    description:
      "Domain of the throwaway addresses `tatu smoke signup` signs up (verification read from the dev outbox); default smoke.tatu.test.",
  },
  TATU_SMOKE_SIGNUP_EMAIL: {
    integration: "auth",
    launchCritical: false,
    secret: false,
    format: nonEmpty,
    description:
      "Address `tatu smoke signup` signs up on a deployment without dev outbox, e.g. qa+{id}@example.com ({id} = a fresh id per run; plus-addressing into the test mailbox).",
  },
  TATU_SMOKE_IMAP_URL: {
    integration: "auth",
    launchCritical: false,
    secret: true,
    format: z.url({ protocol: /^imaps?$/, message: "must be an imap:// or imaps:// URL" }),
    description:
      "Test mailbox `tatu smoke signup` reads the verification mail from, e.g. imaps://qa%40example.com:app-password@imap.example.com:993.",
  },
  TATU_SMOKE_ROUNDTRIP_SECONDS: {
    integration: "core",
    launchCritical: false,
    secret: false,
    format: z.string().regex(/^\d+$/, "must be a whole number of seconds"),
    description:
      "How long a provider smoke waits for its sent reply to come back from the provider (Sent copy, echo or delivery webhook); default 30.",
  },
  TATU_SMOKE_SENDER_SMTP_URL: {
    integration: "core",
    launchCritical: false,
    secret: true,
    format: z.url({ protocol: /^smtps?$/, message: "must be an smtp:// or smtps:// URL" }),
    description:
      "A second test mailbox the email smokes (gmail, outlook, hotmail, yahoo) send a fresh message from to the connected address, e.g. smtps://qa.sender%40example.com:app-password@smtp.example.com:465; unset: their inbound check fails.",
  },
  TATU_SMOKE_SENDER_EMAIL: {
    integration: "core",
    launchCritical: false,
    secret: false,
    format: z.email({ message: "must be an email address" }),
    description: "From address of TATU_SMOKE_SENDER_SMTP_URL's mails; default: its user name.",
  },
  TATU_SMOKE_SENDER_TWILIO_ACCOUNT_SID: {
    integration: "twilio",
    launchCritical: false,
    secret: false,
    format: z.string().regex(/^AC[0-9a-fA-F]{32}$/, "must be a Twilio Account SID (AC + 32 hex)"),
    description:
      "Twilio account of the second test number that texts the studio number in `tatu smoke sms` (the inbound check).",
  },
  TATU_SMOKE_SENDER_TWILIO_AUTH_TOKEN: {
    integration: "twilio",
    launchCritical: false,
    secret: true,
    format: nonEmpty,
    description: "Auth token of TATU_SMOKE_SENDER_TWILIO_ACCOUNT_SID.",
  },
  TATU_SMOKE_SENDER_TWILIO_NUMBER: {
    integration: "twilio",
    launchCritical: false,
    secret: false,
    format: z.string().regex(/^\+[1-9]\d{6,14}$/, "must be an E.164 number like +15017122661"),
    description: "The second test number (E.164) `tatu smoke sms` texts the studio number from.",
  },
  TATU_SMOKE_INBOUND_SECONDS: {
    integration: "core",
    launchCritical: false,
    secret: false,
    format: z.string().regex(/^\d+$/, "must be a whole number of seconds"),
    description:
      "How long a provider smoke waits for the fresh inbound message (mail, text, or the code a person sends) to reach the unified inbox; default 60 (300 when a person sends it).",
  },
  TATU_HYPERCARE_MAX_5XX_PER_MINUTE: {
    integration: "monitoring",
    launchCritical: false,
    secret: false,
    format: count(5),
    description:
      "Hypercare: a minute with more 5xx answers than this is elevated; TATU_HYPERCARE_5XX_SUSTAINED_MINUTES elevated minutes in a row trigger a rollback (default 5).",
  },
  TATU_HYPERCARE_5XX_SUSTAINED_MINUTES: {
    integration: "monitoring",
    launchCritical: false,
    secret: false,
    format: count(10),
    description: "Hypercare: consecutive elevated 5xx minutes that make a sustained spike (default 10).",
  },
  TATU_HYPERCARE_MAX_SENTRY_ERRORS: {
    integration: "monitoring",
    launchCritical: false,
    secret: false,
    format: count(100),
    description: "Hypercare: Sentry errors in the last hour that trigger a rollback (default 100).",
  },
  TATU_HYPERCARE_MAX_WAITING: {
    integration: "queue",
    launchCritical: false,
    secret: false,
    format: count(500),
    description: "Hypercare: waiting jobs in the queue (depth) above which it warns (default 500).",
  },
  TATU_HYPERCARE_MAX_FAILED: {
    integration: "queue",
    launchCritical: false,
    secret: false,
    format: count(50),
    description: "Hypercare: failed jobs in the queue above which it warns (default 50).",
  },
  TATU_HYPERCARE_MAX_RETRIED: {
    integration: "queue",
    launchCritical: false,
    secret: false,
    format: count(50),
    description: "Hypercare: job retries in the last 15 min above which it warns (default 50).",
  },
  TATU_SENTRY_INGESTION_TIMEOUT: {
    integration: "monitoring",
    launchCritical: false,
    secret: false,
    format: count(60),
    description: "`sentry.ingestion`: seconds to wait for the test event to show in the Sentry API (default 60).",
  },
  TATU_DNS_URL: {
    integration: "core",
    launchCritical: false,
    secret: false,
    format: httpUrl,
    description:
      "`dns.ssl`: the public URL whose DNS and TLS certificate are checked (default NEXTAUTH_URL, else --url).",
  },
  TATU_DNS_CA_FILE: {
    integration: "core",
    launchCritical: false,
    secret: false,
    format: nonEmpty,
    description:
      "`dns.ssl`: a PEM file of extra trusted CAs (tests, the rehearsal's CA); the public roots are always trusted.",
  },
  TATU_DNS_MIN_CERT_DAYS: {
    integration: "core",
    launchCritical: false,
    secret: false,
    format: count(14),
    description: "`dns.ssl`: days the TLS certificate must still be valid (default 14).",
  },
  TATU_OPERATOR: {
    integration: "core",
    launchCritical: false,
    secret: false,
    format: nonEmpty,
    description: "Who runs the CLI (sent as X-Tatu-Operator with switch changes); default: the OS user.",
  },
  TATU_LAUNCH_DIR: {
    integration: "core",
    launchCritical: false,
    secret: false,
    format: nonEmpty,
    description:
      "Folder of the runbook runs' state, launch logs and incidents.jsonl; default .tatu/launch under the working directory.",
  },
  TATU_RUNBOOKS_DIR: {
    integration: "core",
    launchCritical: false,
    secret: false,
    format: nonEmpty,
    description: "Folder the runbooks are read from; default the runbooks/ folder next to the CLI.",
  },
  TATU_STEP_MODULES: {
    integration: "core",
    launchCritical: false,
    secret: false,
    format: nonEmpty,
    description: "Comma-separated paths of extra step modules (defineStep) runbook items may bind to; unset: none.",
  },
  TATU_REHEARSAL_IMAP: {
    integration: "core",
    launchCritical: false,
    secret: false,
    format: z.enum(["off"], { error: 'must be "off" (or unset)' }),
    description:
      "`off`: `tatu launch --rehearse` does not start the local Dovecot peer, and skips the Yahoo item with that reason.",
  },
  TATU_REHEARSAL_LOG_LEVEL: {
    integration: "core",
    launchCritical: false,
    secret: false,
    format: envRegistry.LOG_LEVEL.format,
    description: "pino log level of the service `tatu launch --rehearse` starts; default silent.",
  },
} satisfies Record<string, EnvVarSpec>;

export type CliEnvName = keyof typeof cliEnvRegistry;

/** Minimal dotenv reader: KEY=value lines, optional quotes, # comments. */
export function readEnvFile(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new CliExit(
      EXIT.usage,
      `cannot read --env-file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)\s*$/.exec(line);
    if (!m) continue;
    let value = m[2]!;
    if (/^(["']).*\1$/.test(value)) value = value.slice(1, -1);
    else value = value.replace(/\s+#.*$/, "");
    out[m[1]!] = value;
  }
  return out;
}

export function cliEnvironment(envFile?: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return envFile ? { ...base, ...readEnvFile(envFile) } : { ...base };
}

export function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === "" ? undefined : v.trim();
}

/** Every secret value set in this environment (service + CLI registries), for masking. */
export function secretsIn(env: NodeJS.ProcessEnv): string[] {
  const names = [
    ...envNames.filter((n) => envRegistry[n].secret),
    ...(Object.keys(cliEnvRegistry) as CliEnvName[]).filter((n) => cliEnvRegistry[n].secret),
  ];
  const values = new Set<string>();
  for (const n of names) {
    const v = envValue(env, n);
    if (!v) continue;
    values.add(v);
    // Connection strings: the password part alone must not leak either.
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) {
      try {
        const pw = decodeURIComponent(new URL(v).password);
        if (pw.length >= 8) values.add(pw);
      } catch {
        /* not a URL */
      }
    }
  }
  return [...values].filter((s) => s.length >= 8).sort((a, b) => b.length - a.length);
}

/** A numeric CLI setting: its value, else the registry's default; a malformed one is a usage error. */
export function registryNumber(env: NodeJS.ProcessEnv, name: CliEnvName): number {
  const parsed = cliEnvRegistry[name].format.safeParse(envValue(env, name));
  if (!parsed.success || typeof parsed.data !== "number")
    throw new CliExit(EXIT.usage, `${name}: ${parsed.error?.issues[0]?.message ?? "must be a number"}`);
  return parsed.data;
}

export function operatorOf(env: NodeJS.ProcessEnv): string {
  return envValue(env, "TATU_OPERATOR") ?? env.USER ?? env.LOGNAME ?? "unknown-operator";
}
