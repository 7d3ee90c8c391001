// Parses process.env through the registry into a typed Config. Problems are collected
// and reported together in one message (never a stack trace at boot).
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { envNames, envRegistry, type EnvName, type EnvValues } from "./registry.ts";

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Tatu cannot start: ${problems.length} environment problem(s):\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
    this.name = "ConfigError";
  }
}

export interface RateLimitSetting {
  points: number;
  durationSec: number;
}
/** Per signed-in user: booking requests, suggested replies, manual syncs. */
export interface UserRateLimits {
  bookingRequests: RateLimitSetting;
  suggestReply: RateLimitSetting;
  syncNow: RateLimitSetting;
}

export interface Config {
  env: EnvValues;
  isProduction: boolean;
  port: number;
  publicUrl: string;
  dataDir: string;
  databaseUrl: string | undefined;
  databasePoolSize: number;
  redis: { url: string } | { host: string; port: number; password?: string } | undefined;
  /** Upstash's REST pair: rate limits use it when there is no TCP Redis (BullMQ cannot). */
  upstash: { url: string; token: string } | undefined;
  smtpUrl: string | undefined;
  emailFrom: string;
  sessionSecret: string;
  jwtSecret: string;
  cronSecret: string;
  tokenEncryptionKey: Buffer;
  adminEmails: string[];
  scheduler: boolean;
  trustProxy: string | number | boolean;
  logLevel: string;
  sentryDsn: string | undefined;
  workerSyncBudgetMs: number;
  redisPrefix: string;
  workerConcurrency: number;
  /** `npm start` runs a queue worker too (off: API replica only, workers elsewhere). */
  inProcessWorker: boolean;
  rateLimits: {
    signup: RateLimitSetting;
    loginFailures: RateLimitSetting;
    loginFailuresIp: RateLimitSetting;
    resend: RateLimitSetting;
    search: RateLimitSetting;
    passwordReset: RateLimitSetting;
    passwordResetIp: RateLimitSetting;
  } & UserRateLimits;
  /** Bounds on concurrent scrypt work (service/auth/crypto.ts). */
  passwordHashing: { concurrency: number; queue: number };
}

/** Values that only exist to make a first run work: persisted per data dir so sessions survive restarts. */
const generatedDevSecrets = ["NEXTAUTH_SECRET", "CRON_SECRET", "TOKEN_ENCRYPTION_KEY"] as const;

function devSecrets(dataDir: string): Record<(typeof generatedDevSecrets)[number], string> {
  const file = path.join(dataDir, "dev-secrets.json");
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    const secrets = {
      NEXTAUTH_SECRET: randomBytes(48).toString("base64url"),
      CRON_SECRET: randomBytes(24).toString("base64url"),
      TOKEN_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    };
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
    return secrets;
  }
}

/** Reads raw strings: empty strings count as unset (a common Vercel dashboard accident). */
function raw(env: NodeJS.ProcessEnv, name: EnvName): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === "" ? undefined : v.trim();
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const isProduction = env.NODE_ENV === "production";
  const problems: string[] = [];
  const values = {} as Record<EnvName, unknown>;

  for (const name of envNames) {
    const spec = envRegistry[name];
    let value = raw(env, name);
    if (value === undefined && !isProduction && "devDefault" in spec) value = spec.devDefault;
    if (value === undefined) {
      if (isProduction && spec.launchCritical) problems.push(`${name} is missing (${spec.description})`);
      continue;
    }
    const parsed = spec.format.safeParse(value);
    if (parsed.success) values[name] = parsed.data;
    // Never echo the value: it may be a secret.
    else problems.push(`${name} is invalid: ${parsed.error.issues.map((i) => i.message).join("; ")}`);
  }
  const v = values as EnvValues;
  if (isProduction && raw(env, "REDIS_HOST") === undefined && (raw(env, "REDIS_PORT") || raw(env, "REDIS_PASSWORD")))
    problems.push("REDIS_PORT/REDIS_PASSWORD are set but REDIS_HOST is missing");
  if (problems.length) throw new ConfigError(problems);

  const port = v.PORT ?? 3000;
  const dataDir = path.resolve(v.TATU_DATA_DIR ?? "./.tatu");
  const dev = isProduction ? undefined : devSecrets(dataDir);
  const sessionSecret = v.NEXTAUTH_SECRET ?? dev!.NEXTAUTH_SECRET;
  const key = v.TOKEN_ENCRYPTION_KEY ?? dev!.TOKEN_ENCRYPTION_KEY;

  return {
    env: v,
    isProduction,
    port,
    publicUrl: (v.NEXTAUTH_URL ?? `http://localhost:${port}`).replace(/\/+$/, ""),
    dataDir,
    databaseUrl: v.DATABASE_URL,
    databasePoolSize: v.DATABASE_POOL_SIZE ?? 10,
    redis: v.REDIS_URL
      ? { url: v.REDIS_URL }
      : v.REDIS_HOST
        ? { host: v.REDIS_HOST, port: v.REDIS_PORT ?? 6379, password: v.REDIS_PASSWORD }
        : undefined,
    upstash:
      v.UPSTASH_REDIS_REST_URL && v.UPSTASH_REDIS_REST_TOKEN
        ? { url: v.UPSTASH_REDIS_REST_URL, token: v.UPSTASH_REDIS_REST_TOKEN }
        : undefined,
    smtpUrl: v.SMTP_URL,
    emailFrom: v.EMAIL_FROM ?? "Tatu <no-reply@localhost>",
    sessionSecret,
    jwtSecret: v.JWT_SECRET ?? sessionSecret,
    cronSecret: v.CRON_SECRET ?? dev!.CRON_SECRET,
    tokenEncryptionKey: /^[0-9a-fA-F]{64}$/.test(key) ? Buffer.from(key, "hex") : Buffer.from(key, "base64"),
    adminEmails: v.ADMIN_EMAILS ?? [],
    scheduler: (v.TATU_SCHEDULER ?? (env.VERCEL ? "off" : "on")) === "on",
    trustProxy: parseTrustProxy(v.TRUST_PROXY ?? (env.VERCEL ? "1" : "loopback")),
    logLevel: v.LOG_LEVEL ?? "info",
    sentryDsn: v.SENTRY_DSN,
    workerSyncBudgetMs: v.WORKER_SYNC_BUDGET_MS ?? 8000,
    redisPrefix: v.TATU_REDIS_PREFIX ?? "tatu",
    workerConcurrency: v.WORKER_CONCURRENCY ?? 4,
    inProcessWorker: (v.IN_PROCESS_WORKER ?? "on") === "on",
    rateLimits: {
      signup: v.RATE_LIMIT_SIGNUP ?? { points: 10, durationSec: 600 },
      loginFailures: v.RATE_LIMIT_LOGIN_FAILURES ?? { points: 10, durationSec: 900 },
      loginFailuresIp: v.RATE_LIMIT_LOGIN_FAILURES_IP ?? { points: 100, durationSec: 900 },
      passwordReset: v.RATE_LIMIT_PASSWORD_RESET ?? { points: 3, durationSec: 3600 },
      passwordResetIp: v.RATE_LIMIT_PASSWORD_RESET_IP ?? { points: 20, durationSec: 3600 },
      resend: v.RATE_LIMIT_RESEND ?? { points: 3, durationSec: 3600 },
      search: v.RATE_LIMIT_SEARCH ?? { points: 300, durationSec: 60 },
      bookingRequests: v.RATE_LIMIT_BOOKING_REQUESTS ?? { points: 10, durationSec: 3600 },
      suggestReply: v.RATE_LIMIT_SUGGEST_REPLY ?? { points: 30, durationSec: 600 },
      syncNow: v.RATE_LIMIT_SYNC_NOW ?? { points: 30, durationSec: 600 },
    },
    passwordHashing: {
      concurrency: v.PASSWORD_HASH_CONCURRENCY ?? Math.max(1, Math.floor((Number(env.UV_THREADPOOL_SIZE) || 4) / 2)),
      queue: v.PASSWORD_HASH_QUEUE ?? 64,
    },
  };
}

function parseTrustProxy(value: string): string | number | boolean {
  if (value === "true") return true;
  if (value === "false") return false;
  return /^\d+$/.test(value) ? Number(value) : value;
}

/** Every configured secret value, for log redaction and leak scans. */
export function secretValues(config: Config): string[] {
  const out = new Set<string>([config.sessionSecret, config.jwtSecret, config.cronSecret]);
  for (const name of envNames) {
    const value = config.env[name];
    if (envRegistry[name].secret && typeof value === "string") out.add(value);
  }
  return [...out].filter((s) => s.length >= 8);
}
