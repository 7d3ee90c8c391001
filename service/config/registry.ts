// The one list of every environment variable Tatu knows. The service parses its config
// from it at boot; the `tatu env check` command reads the same list. Names follow the
// launch runbook exactly (production projects already have them set).
import { z } from "zod";

export const integrations = [
  "core",
  "auth",
  "database",
  "queue",
  "mail",
  "storage",
  "monitoring",
  "rate-limits",
  "gmail",
  "outlook",
  "yahoo",
  "meta",
  "twitter",
  "twilio",
  "stripe",
  "openai",
  "calendar",
  "vercel",
] as const;
export type Integration = (typeof integrations)[number];

export interface EnvVarSpec {
  integration: Integration;
  /** In production a missing launch-critical variable stops the boot. */
  launchCritical: boolean;
  /** Secrets are never printed, only masked. */
  secret: boolean;
  /** Format of the value (strings in, typed values out). */
  format: z.ZodType;
  /** Where to get it, in one line. */
  description: string;
  /** Used outside production when unset. Secrets get a generated per-data-dir value instead. */
  devDefault?: string;
}

const url = z.url({ message: "must be a URL" });
const httpUrl = z.url({ protocol: /^https?$/, message: "must be an http(s) URL" });
const nonEmpty = z.string().min(1, "must not be empty");
const longSecret = z.string().min(32, "must be at least 32 characters (use `openssl rand -base64 48`)");
const port = z.coerce.number().int().min(0).max(65535);
const emailList = z.string().transform((v) =>
  v
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean),
);
/** "count/window" with a window in s, m or h, e.g. "10/10m". */
const rateLimit = z
  .string()
  .regex(/^\d+\/\d+[smh]$/, "must look like 10/10m (count/window in s, m or h)")
  .transform((v) => {
    const [count, window] = v.split("/") as [string, string];
    const unit = { s: 1, m: 60, h: 3600 }[window.slice(-1) as "s" | "m" | "h"];
    return { points: Number(count), durationSec: Number(window.slice(0, -1)) * unit };
  });
/** 32 bytes, base64 or hex: AES-256-GCM key for provider tokens at rest. */
const aesKey = z
  .string()
  .refine(
    (v) => /^[0-9a-fA-F]{64}$/.test(v) || Buffer.from(v, "base64").length === 32,
    "must be 32 bytes as 64 hex chars or base64 (`openssl rand -base64 32`)",
  );

/** A Leaflet tile URL template: http(s), a host the CSP can name ({s}. → *.), {z}/{x}/{y} in it. */
const tileTemplate = z
  .string()
  .regex(
    /^https?:\/\/(\{s\}\.)?[A-Za-z0-9.-]+(:\d+)?\/\S*$/,
    "must be an http(s) tile URL template like https://tile.example.com/{z}/{x}/{y}.png",
  )
  .refine((v) => ["{z}", "{x}", "{y}"].every((p) => v.includes(p)), "must contain {z}, {x} and {y}");

const spec = <T extends EnvVarSpec>(s: T) => s;

export const envRegistry = {
  // --- core -------------------------------------------------------------------------
  NODE_ENV: spec({
    integration: "core",
    launchCritical: false,
    secret: false,
    format: z.enum(["development", "test", "production"]),
    description: "`production` on deployed hosts (Vercel sets it); enables the production checks.",
    devDefault: "development",
  }),
  NEXTAUTH_URL: spec({
    integration: "core",
    launchCritical: true,
    secret: false,
    format: httpUrl,
    description:
      "Public base URL of the app, e.g. https://tatu.example.com (used in email links, cookies' Secure flag, OAuth callbacks).",
  }),
  PORT: spec({
    integration: "core",
    launchCritical: false,
    secret: false,
    format: port,
    description: "HTTP port for `npm start` / a Node host.",
    devDefault: "3000",
  }),
  TATU_DATA_DIR: spec({
    integration: "core",
    launchCritical: false,
    secret: false,
    format: nonEmpty,
    description: "Local data folder: embedded database, dev secrets, local attachment storage.",
    devDefault: "./.tatu",
  }),
  TATU_SCHEDULER: spec({
    integration: "core",
    launchCritical: false,
    secret: false,
    format: z.enum(["on", "off"]),
    description: "Run the built-in cron scheduler in this process (off on Vercel, which calls the cron routes itself).",
    devDefault: "on",
  }),
  TRUST_PROXY: spec({
    integration: "core",
    launchCritical: false,
    secret: false,
    format: nonEmpty,
    description:
      "Express `trust proxy` setting (hop count or subnet list) so client IPs are right behind a load balancer.",
    devDefault: "loopback",
  }),
  LOG_LEVEL: spec({
    integration: "core",
    launchCritical: false,
    secret: false,
    format: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]),
    description: "pino log level.",
    devDefault: "info",
  }),
  VITE_TILE_URL: spec({
    integration: "core",
    launchCritical: false,
    secret: false,
    format: tileTemplate,
    description:
      "Map tile URL template, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png: the web build shows it, the service allows its origin in the pages' CSP img-src (set it for both; a runtime window.TATU_CONFIG.tileUrl needs it too). Unset: OpenStreetMap.",
  }),
  ADMIN_EMAILS: spec({
    integration: "core",
    launchCritical: false,
    secret: false,
    format: emailList,
    description: "Comma-separated account emails that get the admin role (ops status, switches).",
    devDefault: "",
  }),

  // --- auth -------------------------------------------------------------------------
  NEXTAUTH_SECRET: spec({
    integration: "auth",
    launchCritical: true,
    secret: true,
    format: longSecret,
    description: "Strong random secret for sessions and signing (`openssl rand -base64 48`).",
  }),
  JWT_SECRET: spec({
    integration: "auth",
    launchCritical: false,
    secret: true,
    format: longSecret,
    description: "Signs WebSocket tokens; falls back to NEXTAUTH_SECRET when unset.",
  }),
  CRON_SECRET: spec({
    integration: "auth",
    launchCritical: true,
    secret: true,
    format: z.string().min(16, "must be at least 16 characters"),
    description: "Bearer token Vercel Cron sends to /api/cron/*; also authorises the admin API for the CLI.",
  }),
  TOKEN_ENCRYPTION_KEY: spec({
    integration: "auth",
    launchCritical: true,
    secret: true,
    format: aesKey,
    description: "AES-256 key encrypting provider tokens at rest (`openssl rand -base64 32`).",
  }),

  // --- database ---------------------------------------------------------------------
  DATABASE_URL: spec({
    integration: "database",
    launchCritical: true,
    secret: true,
    format: z.url({ protocol: /^postgres(ql)?$/, message: "must be a postgresql:// URL" }),
    description:
      "PostgreSQL connection string (Supabase, Neon, RDS…). Unset outside production: an embedded database under TATU_DATA_DIR.",
  }),
  DATABASE_POOL_SIZE: spec({
    integration: "database",
    launchCritical: false,
    secret: false,
    format: z.coerce.number().int().min(1).max(200),
    description:
      "Connections per process in the Postgres pool (the embedded database always uses 1: PGlite is a single session).",
    devDefault: "10",
  }),

  // --- queue / redis ----------------------------------------------------------------
  REDIS_URL: spec({
    integration: "queue",
    launchCritical: false,
    secret: true,
    format: z.url({ protocol: /^rediss?$/, message: "must be a redis:// or rediss:// URL" }),
    description: "Redis for the BullMQ queue, rate limits and realtime fan-out. Without it jobs run inline.",
  }),
  REDIS_HOST: spec({
    integration: "queue",
    launchCritical: false,
    secret: false,
    format: nonEmpty,
    description: "Alternative to REDIS_URL: Redis host.",
  }),
  REDIS_PORT: spec({
    integration: "queue",
    launchCritical: false,
    secret: false,
    format: port,
    description: "Alternative to REDIS_URL: Redis port (default 6379).",
  }),
  REDIS_PASSWORD: spec({
    integration: "queue",
    launchCritical: false,
    secret: true,
    format: nonEmpty,
    description: "Alternative to REDIS_URL: Redis password.",
  }),
  UPSTASH_REDIS_REST_URL: spec({
    integration: "queue",
    launchCritical: false,
    secret: false,
    format: httpUrl,
    description:
      "Upstash REST endpoint (Upstash console → Database → REST API). Without REDIS_URL, rate limits are shared through it; BullMQ cannot use it (jobs run inline).",
  }),
  UPSTASH_REDIS_REST_TOKEN: spec({
    integration: "queue",
    launchCritical: false,
    secret: true,
    format: nonEmpty,
    description: "Upstash REST token (Upstash console → Database → REST API).",
  }),
  TATU_REDIS_PREFIX: spec({
    integration: "queue",
    launchCritical: false,
    secret: false,
    format: z.string().regex(/^[a-zA-Z0-9:_-]+$/, "letters, digits, : _ - only"),
    description: "Key prefix for everything Tatu stores in Redis (lets several environments share one Redis).",
    devDefault: "tatu",
  }),
  WORKER_CONCURRENCY: spec({
    integration: "queue",
    launchCritical: false,
    secret: false,
    format: z.coerce.number().int().min(1).max(64),
    description: "Jobs one worker process runs at once.",
    devDefault: "4",
  }),
  IN_PROCESS_WORKER: spec({
    integration: "queue",
    launchCritical: false,
    secret: false,
    format: z.enum(["on", "off"]),
    description:
      "`npm start` also runs a queue worker (on), or serves HTTP only while `npm run worker` processes run elsewhere (off; API replicas in a scaled-out deploy).",
    devDefault: "on",
  }),
  SYNC_LEASE_SECONDS: spec({
    integration: "queue",
    launchCritical: false,
    secret: false,
    format: z.coerce.number().int().min(5).max(3600),
    description:
      "How long one account's sync lease lasts without renewal (renewed every page): the longest an account waits after its worker was killed mid-sync.",
    devDefault: "120",
  }),
  WORKER_STALLED_SECONDS: spec({
    integration: "queue",
    launchCritical: false,
    secret: false,
    format: z.coerce.number().int().min(2).max(600),
    description:
      "How long a job claimed by a worker that died (kill -9, OOM, lost host) stays claimed before another worker takes it over (BullMQ lock duration and stalled check).",
    devDefault: "30",
  }),
  WEBHOOK_SWEEP_AFTER_SECONDS: spec({
    integration: "queue",
    launchCritical: false,
    secret: false,
    format: z.coerce.number().int().min(1).max(86_400),
    description:
      "Stored webhooks still unprocessed after this long are queued again by the sync-messages cron (lost jobs, a Redis restart).",
    devDefault: "60",
  }),
  WORKER_SYNC_BUDGET_MS: spec({
    integration: "queue",
    launchCritical: false,
    secret: false,
    format: z.coerce.number().int().min(100).max(280_000),
    description: "How long one /api/worker/sync call drains the queue (keep inside the serverless limit).",
    devDefault: "8000",
  }),

  // --- mail -------------------------------------------------------------------------
  SMTP_URL: spec({
    integration: "mail",
    launchCritical: true,
    secret: true,
    format: z.url({ protocol: /^smtps?$/, message: "must be an smtp:// or smtps:// URL" }),
    description:
      "Outgoing mail server, e.g. smtps://user:pass@smtp.postmarkapp.com:465. Unset outside production: a dev outbox.",
  }),
  DEV_OUTBOX: spec({
    integration: "mail",
    launchCritical: false,
    secret: false,
    format: z.enum(["true", "false"]).transform((v) => v === "true"),
    description:
      "Serve the dev outbox (GET /api/dev/outbox: every email the app stored instead of sending, with its links). Set by the embedded default (`npm start` without config); never served with NODE_ENV=production, even if set.",
    devDefault: "true",
  }),
  EMAIL_FROM: spec({
    integration: "mail",
    launchCritical: true,
    secret: false,
    format: nonEmpty,
    description: 'Sender of account emails, e.g. "Tatu <hello@tatu.example.com>".',
    devDefault: "Tatu <no-reply@localhost>",
  }),
  NOTIFY_REPLY_ADDRESS: spec({
    integration: "mail",
    launchCritical: false,
    secret: false,
    format: z.email({ message: "must be an email address" }).refine((v) => !v.split("@")[0]!.includes("+"), {
      message: "must not contain a + (Tatu adds +<token> itself)",
    }),
    description:
      "Mailbox that receives replies to booking notification emails, e.g. replies@tatu.example: mails go out with Reply-To replies+<token>@tatu.example (the mail server must deliver plus-addresses to it). Unset: no Reply-To, replies are not read.",
  }),
  NOTIFY_REPLY_IMAP_URL: spec({
    integration: "mail",
    launchCritical: false,
    secret: true,
    format: z.url({ protocol: /^imaps?$/, message: "must be an imap:// or imaps:// URL" }),
    description:
      "IMAP login of the NOTIFY_REPLY_ADDRESS mailbox, e.g. imaps://user:pass@imap.example.com:993/INBOX; the notify-replies cron reads it every minute. Unset: no poller.",
  }),

  // --- rate limits ------------------------------------------------------------------
  RATE_LIMIT_SIGNUP: spec({
    integration: "rate-limits",
    launchCritical: false,
    secret: false,
    format: rateLimit,
    description: "Signups per client IP per window.",
    devDefault: "10/10m",
  }),
  RATE_LIMIT_LOGIN_FAILURES: spec({
    integration: "rate-limits",
    launchCritical: false,
    secret: false,
    format: rateLimit,
    description:
      "Failed logins per account and client IP per window (a stranger's guesses never lock the owner out from elsewhere).",
    devDefault: "10/15m",
  }),
  RATE_LIMIT_LOGIN_FAILURES_IP: spec({
    integration: "rate-limits",
    launchCritical: false,
    secret: false,
    format: rateLimit,
    description: "Failed logins per client IP per window, whatever the account; checked before any password is hashed.",
    devDefault: "100/15m",
  }),
  RATE_LIMIT_PASSWORD_RESET: spec({
    integration: "rate-limits",
    launchCritical: false,
    secret: false,
    format: rateLimit,
    description: "Password reset emails requested per address per window.",
    devDefault: "3/1h",
  }),
  RATE_LIMIT_PASSWORD_RESET_IP: spec({
    integration: "rate-limits",
    launchCritical: false,
    secret: false,
    format: rateLimit,
    description: "Password reset requests per client IP per window.",
    devDefault: "20/1h",
  }),
  PASSWORD_HASH_CONCURRENCY: spec({
    integration: "rate-limits",
    launchCritical: false,
    secret: false,
    format: z.coerce.number().int().min(1).max(64),
    description:
      "Password hashes (scrypt) run at once per process; keep it below the libuv pool (UV_THREADPOOL_SIZE, 4 by default) so disk and DNS always find a thread. Default: half the pool.",
  }),
  PASSWORD_HASH_QUEUE: spec({
    integration: "rate-limits",
    launchCritical: false,
    secret: false,
    format: z.coerce.number().int().min(0).max(100_000),
    description: "Logins/signups waiting for a hashing slot before new ones get 503 `SERVER_BUSY` with Retry-After.",
    devDefault: "64",
  }),
  RATE_LIMIT_SEARCH: spec({
    integration: "rate-limits",
    launchCritical: false,
    secret: false,
    format: rateLimit,
    description:
      "Public artist searches and profile views per client IP per window (the map/search is open to scrapers).",
    devDefault: "300/1m",
  }),
  RATE_LIMIT_RESEND: spec({
    integration: "rate-limits",
    launchCritical: false,
    secret: false,
    format: rateLimit,
    description: "Verification resends per address per window.",
    devDefault: "3/1h",
  }),
  RATE_LIMIT_BOOKING_REQUESTS: spec({
    integration: "rate-limits",
    launchCritical: false,
    secret: false,
    format: rateLimit,
    description:
      "Booking requests one signed-in user may send per window (429 with Retry-After above; counted before the body is read).",
    devDefault: "10/1h",
  }),
  RATE_LIMIT_SUGGEST_REPLY: spec({
    integration: "rate-limits",
    launchCritical: false,
    secret: false,
    format: rateLimit,
    description: "Suggested replies (OpenAI drafts, paid per call) one user may ask for per window.",
    devDefault: "30/10m",
  }),
  RATE_LIMIT_SYNC_NOW: spec({
    integration: "rate-limits",
    launchCritical: false,
    secret: false,
    format: rateLimit,
    description:
      'Manual "sync now" runs (inbox accounts and calendars together) one user may start per window; scheduled syncs are not counted.',
    devDefault: "30/10m",
  }),
  WEBHOOK_REJECTIONS_PER_IP: spec({
    integration: "rate-limits",
    launchCritical: false,
    secret: false,
    format: rateLimit,
    description:
      "Rejected webhook deliveries (bad signature, wrong content type, oversized) per client IP per window; past it that IP gets 429 before any signature work (signed deliveries never count).",
    devDefault: "60/1m",
  }),

  // --- monitoring -------------------------------------------------------------------
  SENTRY_DSN: spec({
    integration: "monitoring",
    launchCritical: false,
    secret: true,
    format: url,
    description: "Sentry project DSN (Sentry → Project settings → Client Keys).",
  }),

  // --- storage (S3) -----------------------------------------------------------------
  S3_BUCKET: spec({
    integration: "storage",
    launchCritical: false,
    secret: false,
    format: nonEmpty,
    description: "Attachment bucket; unset = local disk under TATU_DATA_DIR.",
  }),
  S3_REGION: spec({
    integration: "storage",
    launchCritical: false,
    secret: false,
    format: nonEmpty,
    description: "Bucket region, e.g. eu-west-1.",
  }),
  S3_ACCESS_KEY_ID: spec({
    integration: "storage",
    launchCritical: false,
    secret: true,
    format: nonEmpty,
    description: "IAM access key with read/write on the bucket.",
  }),
  S3_SECRET_ACCESS_KEY: spec({
    integration: "storage",
    launchCritical: false,
    secret: true,
    format: nonEmpty,
    description: "IAM secret key for S3_ACCESS_KEY_ID.",
  }),
  S3_ENDPOINT: spec({
    integration: "storage",
    launchCritical: false,
    secret: false,
    format: httpUrl,
    description: "S3-compatible endpoint (R2, MinIO); unset for AWS.",
  }),
  ATTACHMENT_MAX_MB: spec({
    integration: "storage",
    launchCritical: false,
    secret: false,
    format: z.coerce.number().int().min(1).max(100),
    description: "Largest single attachment accepted on upload or stored from a provider, in MB.",
    devDefault: "25",
  }),
  BOOKING_HORIZON_DAYS: spec({
    integration: "core",
    launchCritical: false,
    secret: false,
    format: z.coerce.number().int().min(1).max(3650),
    description:
      "How far ahead an appointment may be offered, booked or moved, in days (default 365); later starts are refused with 400.",
    devDefault: "365",
  }),
  UPLOAD_REQUEST_MAX_MB: spec({
    integration: "storage",
    launchCritical: false,
    secret: false,
    format: z.coerce.number().int().min(1).max(1024),
    description:
      "Most file bytes one upload (a reply with attachments, a booking request with references) may carry in total, in MB; 413 UPLOAD_TOO_LARGE above, nothing kept.",
    devDefault: "25",
  }),
  UPLOAD_QUOTA_MB: spec({
    integration: "storage",
    launchCritical: false,
    secret: false,
    format: z.coerce.number().int().min(1).max(1_048_576),
    description:
      "Most bytes one user may upload in total (reply attachments + booking references), in MB; 413 STORAGE_QUOTA_EXCEEDED above.",
    devDefault: "1024",
  }),
  INBOX_BACKFILL_DAYS: spec({
    integration: "core",
    launchCritical: false,
    secret: false,
    format: z.coerce.number().int().min(1).max(3650),
    description: "How far back the first sync of a newly connected mailbox reaches.",
    devDefault: "30",
  }),

  // --- providers --------------------------------------------------------------------
  GOOGLE_CLIENT_ID: spec({
    integration: "gmail",
    launchCritical: false,
    secret: false,
    format: nonEmpty,
    description: "Google Cloud console → APIs & Services → Credentials → OAuth client (Gmail + Calendar).",
  }),
  GOOGLE_CLIENT_SECRET: spec({
    integration: "gmail",
    launchCritical: false,
    secret: true,
    format: nonEmpty,
    description: "Secret of the Google OAuth client.",
  }),
  OUTLOOK_CLIENT_ID: spec({
    integration: "outlook",
    launchCritical: false,
    secret: false,
    format: nonEmpty,
    description: "Azure portal → App registrations → Application (client) ID (Outlook, Hotmail, MSN).",
  }),
  OUTLOOK_CLIENT_SECRET: spec({
    integration: "outlook",
    launchCritical: false,
    secret: true,
    format: nonEmpty,
    description: "Azure app registration → Certificates & secrets.",
  }),
  OUTLOOK_REDIRECT_URI: spec({
    integration: "outlook",
    launchCritical: false,
    secret: false,
    format: httpUrl,
    description: "Redirect URI registered in Azure, e.g. https://<domain>/api/integrations/outlook/callback.",
  }),
  PROVIDER_TIMEOUT_MS: spec({
    integration: "core",
    launchCritical: false,
    secret: false,
    format: z.coerce.number().int().min(100).max(300_000),
    description:
      "How long one provider API call (Gmail) may take before it fails as a transient timeout and the queue retries.",
    devDefault: "30000",
  }),
  GOOGLE_OAUTH_BASE_URL: spec({
    integration: "gmail",
    launchCritical: false,
    secret: false,
    format: httpUrl,
    description:
      "Override Google's OAuth hosts (accounts.google.com + oauth2.googleapis.com) with one base URL — only for stand-ins / `tatu launch --rehearse`.",
  }),
  GOOGLE_API_BASE_URL: spec({
    integration: "gmail",
    launchCritical: false,
    secret: false,
    format: httpUrl,
    description: "Override the Google APIs root (Gmail, Calendar) — only for stand-ins / rehearsal.",
  }),
  MICROSOFT_LOGIN_BASE_URL: spec({
    integration: "outlook",
    launchCritical: false,
    secret: false,
    format: httpUrl,
    description:
      "Override the Microsoft identity platform host (login.microsoftonline.com) — only for stand-ins / rehearsal.",
  }),
  MICROSOFT_GRAPH_BASE_URL: spec({
    integration: "outlook",
    launchCritical: false,
    secret: false,
    format: httpUrl,
    description: "Override the Microsoft Graph root (graph.microsoft.com) — only for stand-ins / rehearsal.",
  }),
  YAHOO_IMAP_HOST: spec({
    integration: "yahoo",
    launchCritical: false,
    secret: false,
    format: nonEmpty,
    description: "IMAP host of the Yahoo (generic IMAP/SMTP) provider; default imap.mail.yahoo.com.",
  }),
  YAHOO_IMAP_PORT: spec({
    integration: "yahoo",
    launchCritical: false,
    secret: false,
    format: port,
    description: "IMAP port; default 993.",
  }),
  YAHOO_IMAP_SECURE: spec({
    integration: "yahoo",
    launchCritical: false,
    secret: false,
    format: z.enum(["true", "false"]).transform((v) => v === "true"),
    description: "IMAP over TLS (true) or plain (false, local test servers only); default true.",
  }),
  YAHOO_SMTP_HOST: spec({
    integration: "yahoo",
    launchCritical: false,
    secret: false,
    format: nonEmpty,
    description: "SMTP host for sending; default smtp.mail.yahoo.com.",
  }),
  YAHOO_SMTP_PORT: spec({
    integration: "yahoo",
    launchCritical: false,
    secret: false,
    format: port,
    description: "SMTP port; default 465.",
  }),
  YAHOO_SMTP_SECURE: spec({
    integration: "yahoo",
    launchCritical: false,
    secret: false,
    format: z.enum(["true", "false"]).transform((v) => v === "true"),
    description: "SMTP over implicit TLS (true) or plain/STARTTLS (false); default true.",
  }),
  IMAP_ALLOW_PRIVATE_SERVERS: spec({
    integration: "yahoo",
    launchCritical: false,
    secret: false,
    format: z.enum(["true", "false"]).transform((v) => v === "true"),
    description:
      'Let users connect "Other IMAP" mail servers on private/loopback addresses and without TLS (a self-hosted install\'s LAN server); default false: only public addresses, TLS required.',
  }),
  IMAP_IDLE_MAX_PER_WORKER: spec({
    integration: "yahoo",
    launchCritical: false,
    secret: false,
    format: z.coerce.number().int().min(0).max(10_000),
    description:
      "IMAP push: mailboxes one long-running worker (`npm run worker`, `npm start`) keeps in IDLE for new mail in seconds; the rest keep polling. 0 turns push off. Default 200.",
  }),
  IMAP_IDLE_LEASE_SECONDS: spec({
    integration: "yahoo",
    launchCritical: false,
    secret: false,
    format: z.coerce.number().int().min(3).max(600),
    description:
      "IMAP push: how long a worker's claim on a mailbox's IDLE connection lasts without renewal (renewed every quarter of it): the longest a dead worker's mailboxes wait before another worker takes them. Default 20.",
  }),
  FACEBOOK_APP_ID: spec({
    integration: "meta",
    launchCritical: false,
    secret: false,
    format: nonEmpty,
    description: "Meta for Developers → App → Settings → Basic → App ID.",
  }),
  FACEBOOK_APP_SECRET: spec({
    integration: "meta",
    launchCritical: false,
    secret: true,
    format: nonEmpty,
    description: "Meta app secret (also signs webhooks: X-Hub-Signature-256).",
  }),
  FACEBOOK_WEBHOOK_VERIFY_TOKEN: spec({
    integration: "meta",
    launchCritical: false,
    secret: true,
    format: nonEmpty,
    description: "Any random string; the same value goes in Meta's webhook settings.",
  }),
  META_GRAPH_BASE_URL: spec({
    integration: "meta",
    launchCritical: false,
    secret: false,
    format: httpUrl,
    description: "Override the Graph API host (graph.facebook.com) — only for stand-ins / rehearsal.",
  }),
  META_DIALOG_BASE_URL: spec({
    integration: "meta",
    launchCritical: false,
    secret: false,
    format: httpUrl,
    description: "Override the Facebook Login dialog host (www.facebook.com) — only for stand-ins / rehearsal.",
  }),
  TWITTER_API_KEY: spec({
    integration: "twitter",
    launchCritical: false,
    secret: false,
    format: nonEmpty,
    description: "X developer portal → Project → Keys and tokens → API key.",
  }),
  TWITTER_API_SECRET: spec({
    integration: "twitter",
    launchCritical: false,
    secret: true,
    format: nonEmpty,
    description: "X API key secret.",
  }),
  TWITTER_OAUTH_CALLBACK: spec({
    integration: "twitter",
    launchCritical: false,
    secret: false,
    format: httpUrl,
    description: "Callback URL registered in the X app, e.g. https://<domain>/api/integrations/twitter/callback.",
  }),
  TWITTER_API_BASE_URL: spec({
    integration: "twitter",
    launchCritical: false,
    secret: false,
    format: httpUrl,
    description: "Override the X API host (api.twitter.com, incl. OAuth 1.0a) — only for stand-ins / rehearsal.",
  }),
  TWILIO_ACCOUNT_SID: spec({
    integration: "twilio",
    launchCritical: false,
    secret: false,
    format: z.string().regex(/^AC[0-9a-fA-F]{32}$/, "must look like AC followed by 32 hex characters"),
    description: "Twilio console → Account info → Account SID.",
  }),
  TWILIO_AUTH_TOKEN: spec({
    integration: "twilio",
    launchCritical: false,
    secret: true,
    format: nonEmpty,
    description: "Twilio console → Account info → Auth token (also signs webhooks).",
  }),
  TWILIO_PHONE_NUMBER: spec({
    integration: "twilio",
    launchCritical: false,
    secret: false,
    format: z.string().regex(/^\+[1-9]\d{6,14}$/, "must be E.164, e.g. +15551234567"),
    description: "The Twilio number that sends and receives SMS.",
  }),
  TWILIO_API_BASE_URL: spec({
    integration: "twilio",
    launchCritical: false,
    secret: false,
    format: httpUrl,
    description: "Override the Twilio REST API host (api.twilio.com) — only for stand-ins / rehearsal.",
  }),
  CALDAV_SERVER_URL: spec({
    integration: "calendar",
    launchCritical: false,
    secret: false,
    format: httpUrl,
    description: "CalDAV server for Apple calendars (default https://caldav.icloud.com); a user may give their own.",
  }),
  CALDAV_ALLOW_PRIVATE_SERVERS: spec({
    integration: "calendar",
    launchCritical: false,
    secret: false,
    format: z.enum(["true", "false"]).transform((v) => v === "true"),
    description:
      "Let users connect CalDAV servers on private/loopback addresses or plain http (a self-hosted install's LAN server); default false: only CALDAV_SERVER_URL / iCloud, or public https servers.",
  }),
  SQUARE_API_BASE_URL: spec({
    integration: "calendar",
    launchCritical: false,
    secret: false,
    format: httpUrl,
    description: "Override the Square API host (connect.squareup.com) — stand-ins / rehearsal, or the sandbox host.",
  }),
  SQUARE_ENVIRONMENT: spec({
    integration: "calendar",
    launchCritical: false,
    secret: false,
    format: z.enum(["production", "sandbox"]),
    description: "Square environment when SQUARE_API_BASE_URL is unset.",
    devDefault: "production",
  }),
  CALENDAR_SYNC_DAYS: spec({
    integration: "calendar",
    launchCritical: false,
    secret: false,
    format: z.coerce.number().int().min(7).max(730),
    description: "How far ahead busy time is read from connected calendars.",
    devDefault: "180",
  }),
  STRIPE_SECRET_KEY: spec({
    integration: "stripe",
    launchCritical: false,
    secret: true,
    format: z.string().regex(/^(sk|rk)_(test|live)_/, "must start with sk_live_/sk_test_ (or rk_)"),
    description: "Stripe dashboard → Developers → API keys.",
  }),
  STRIPE_WEBHOOK_SECRET: spec({
    integration: "stripe",
    launchCritical: false,
    secret: true,
    format: z.string().startsWith("whsec_", "must start with whsec_"),
    description: "Stripe dashboard → Developers → Webhooks → endpoint signing secret.",
  }),
  STRIPE_PUBLISHABLE_KEY: spec({
    integration: "stripe",
    launchCritical: false,
    secret: false,
    format: z.string().regex(/^pk_(test|live)_/, "must start with pk_live_/pk_test_"),
    description: "Stripe publishable key (browser checkout).",
  }),
  STRIPE_API_BASE_URL: spec({
    integration: "stripe",
    launchCritical: false,
    secret: false,
    format: httpUrl,
    description: "Override the Stripe API host (api.stripe.com) — only for stand-ins / rehearsal.",
  }),
  WEBHOOK_BODY_LIMIT_KB: spec({
    integration: "core",
    launchCritical: false,
    secret: false,
    format: z.coerce.number().int().min(16).max(10_240),
    description: "Largest webhook body accepted (413 above).",
    devDefault: "512",
  }),
  OPENAI_API_KEY: spec({
    integration: "openai",
    launchCritical: false,
    secret: true,
    format: nonEmpty,
    description: "platform.openai.com → API keys (suggested replies).",
  }),
  OPENAI_BASE_URL: spec({
    integration: "openai",
    launchCritical: false,
    secret: false,
    format: httpUrl,
    description: "Override the OpenAI API base URL (Azure/OpenAI-compatible gateways, or the stand-in).",
  }),
  OPENAI_MODEL: spec({
    integration: "openai",
    launchCritical: false,
    secret: false,
    format: nonEmpty,
    description: "Model used to draft suggested replies.",
    devDefault: "gpt-4o-mini",
  }),

  // --- deploy tooling (CLI) ---------------------------------------------------------
  VERCEL_TOKEN: spec({
    integration: "vercel",
    launchCritical: false,
    secret: true,
    format: nonEmpty,
    description: "Vercel → Account settings → Tokens (used by `tatu env check --vercel`, rollback).",
  }),
  VERCEL_PROJECT_ID: spec({
    integration: "vercel",
    launchCritical: false,
    secret: false,
    format: nonEmpty,
    description: "Vercel project → Settings → General → Project ID.",
  }),
  VERCEL_TEAM_ID: spec({
    integration: "vercel",
    launchCritical: false,
    secret: false,
    format: nonEmpty,
    description: "Vercel team ID (team-owned projects only).",
  }),
} satisfies Record<string, EnvVarSpec>;

export type EnvName = keyof typeof envRegistry;
export type EnvValues = { [K in EnvName]: z.output<(typeof envRegistry)[K]["format"]> | undefined };
export const envNames = Object.keys(envRegistry) as EnvName[];
