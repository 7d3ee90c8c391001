// The env registry: one list drives parsing, dev defaults and the production boot check.
import os from "node:os";
import path from "node:path";
import fs from "node:fs";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, secretValues } from "../../service/config/load.ts";
import { envRegistry, integrations } from "../../service/config/registry.ts";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "tatu-cfg-"));

const prodEnv = {
  NODE_ENV: "production",
  DATABASE_URL: "postgresql://u:p@db.example.com:5432/tatu",
  NEXTAUTH_URL: "https://tatu.example.com",
  NEXTAUTH_SECRET: "n".repeat(48),
  CRON_SECRET: "c".repeat(32),
  TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
  SMTP_URL: "smtps://user:pw@smtp.example.com:465",
  EMAIL_FROM: "Tatu <hello@tatu.example.com>",
};

describe("env registry", () => {
  it("keeps the launch runbook's names", () => {
    for (const name of [
      "DATABASE_URL",
      "NEXTAUTH_URL",
      "NEXTAUTH_SECRET",
      "JWT_SECRET",
      "GOOGLE_CLIENT_ID",
      "GOOGLE_CLIENT_SECRET",
      "OUTLOOK_CLIENT_ID",
      "OUTLOOK_CLIENT_SECRET",
      "OUTLOOK_REDIRECT_URI",
      "FACEBOOK_APP_ID",
      "FACEBOOK_APP_SECRET",
      "FACEBOOK_WEBHOOK_VERIFY_TOKEN",
      "TWITTER_API_KEY",
      "TWITTER_API_SECRET",
      "TWITTER_OAUTH_CALLBACK",
      "TWILIO_ACCOUNT_SID",
      "TWILIO_AUTH_TOKEN",
      "TWILIO_PHONE_NUMBER",
      "UPSTASH_REDIS_REST_URL",
      "UPSTASH_REDIS_REST_TOKEN",
      "REDIS_URL",
      "REDIS_HOST",
      "REDIS_PORT",
      "REDIS_PASSWORD",
      "SENTRY_DSN",
      "STRIPE_SECRET_KEY",
      "OPENAI_API_KEY",
      "CRON_SECRET",
      "SMTP_URL",
      "EMAIL_FROM",
      "TOKEN_ENCRYPTION_KEY",
      "ADMIN_EMAILS",
      "PORT",
      "TATU_DATA_DIR",
    ])
      expect(envRegistry, name).toHaveProperty(name);
  });

  it("describes every variable: integration, criticality, secrecy, format, where to get it", () => {
    for (const [name, spec] of Object.entries(envRegistry)) {
      expect(integrations, name).toContain(spec.integration);
      expect(typeof spec.launchCritical, name).toBe("boolean");
      expect(typeof spec.secret, name).toBe("boolean");
      expect(spec.description.length, name).toBeGreaterThan(10);
      // Secrets never have a fixed default baked into the code.
      if (spec.secret) expect("devDefault" in spec, name).toBe(false);
    }
  });

  it("needs no configuration at all outside production", () => {
    const dir = tmp();
    const config = loadConfig({ TATU_DATA_DIR: dir });
    expect(config.isProduction).toBe(false);
    expect(config.databaseUrl).toBeUndefined(); // → embedded database
    expect(config.smtpUrl).toBeUndefined(); // → dev outbox
    expect(config.redis).toBeUndefined(); // → inline jobs
    expect(config.publicUrl).toBe("http://localhost:3000");
    expect(config.tokenEncryptionKey).toHaveLength(32);
    // Generated dev secrets persist per data dir, so sessions survive a restart.
    expect(loadConfig({ TATU_DATA_DIR: dir }).sessionSecret).toBe(config.sessionSecret);
    expect(loadConfig({ TATU_DATA_DIR: tmp() }).sessionSecret).not.toBe(config.sessionSecret);
  });

  it("stops a production boot listing every missing launch-critical variable at once", () => {
    const err = (() => {
      try {
        loadConfig({ NODE_ENV: "production" });
      } catch (e) {
        return e;
      }
    })() as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    for (const name of [
      "DATABASE_URL",
      "NEXTAUTH_URL",
      "NEXTAUTH_SECRET",
      "CRON_SECRET",
      "TOKEN_ENCRYPTION_KEY",
      "SMTP_URL",
      "EMAIL_FROM",
    ])
      expect(err.message).toContain(name);
    expect(err.problems).toHaveLength(7);
  });

  it("reports invalid formats without ever printing the value", () => {
    const secret = "short-secret-value";
    const err = (() => {
      try {
        loadConfig({
          ...prodEnv,
          NEXTAUTH_SECRET: secret,
          TWILIO_ACCOUNT_SID: "nope",
          REDIS_URL: "http://x",
          RATE_LIMIT_LOGIN_FAILURES: "ten",
        });
      } catch (e) {
        return e;
      }
    })() as ConfigError;
    expect(err.problems.map((p) => p.split(" ")[0])).toEqual(
      ["NEXTAUTH_SECRET", "REDIS_URL", "RATE_LIMIT_LOGIN_FAILURES", "TWILIO_ACCOUNT_SID"].sort(
        (a, b) => Object.keys(envRegistry).indexOf(a) - Object.keys(envRegistry).indexOf(b),
      ),
    );
    expect(err.message).not.toContain(secret);
    expect(err.message).toMatch(/at least 32 characters/);
  });

  it("parses a complete production environment; JWT_SECRET falls back to NEXTAUTH_SECRET", () => {
    const config = loadConfig({
      ...prodEnv,
      REDIS_HOST: "redis.internal",
      REDIS_PORT: "6380",
      REDIS_PASSWORD: "pw-pw-pw-pw",
      ADMIN_EMAILS: "A@x.com, b@y.com",
    });
    expect(config.jwtSecret).toBe(prodEnv.NEXTAUTH_SECRET);
    expect(config.redis).toEqual({ host: "redis.internal", port: 6380, password: "pw-pw-pw-pw" });
    expect(config.adminEmails).toEqual(["a@x.com", "b@y.com"]);
    expect(config.rateLimits).toMatchObject({
      signup: { points: 10, durationSec: 600 },
      loginFailures: { points: 10, durationSec: 900 },
      loginFailuresIp: { points: 100, durationSec: 900 },
      resend: { points: 3, durationSec: 3600 },
      search: { points: 300, durationSec: 60 },
      passwordReset: { points: 3, durationSec: 3600 },
      passwordResetIp: { points: 20, durationSec: 3600 },
    });
    // Below the libuv pool (4 threads unless UV_THREADPOOL_SIZE says otherwise).
    expect(config.passwordHashing).toEqual({ concurrency: 2, queue: 64 });
    expect(loadConfig({ ...prodEnv, UV_THREADPOOL_SIZE: "16" }).passwordHashing.concurrency).toBe(8);
    expect(config.rateLimits).toMatchObject({
      bookingRequests: { points: 10, durationSec: 3600 },
      suggestReply: { points: 30, durationSec: 600 },
      syncNow: { points: 30, durationSec: 600 },
    });
    expect(loadConfig({ ...prodEnv, JWT_SECRET: "j".repeat(40) }).jwtSecret).toBe("j".repeat(40));
    expect(secretValues(config)).toEqual(
      expect.arrayContaining([prodEnv.NEXTAUTH_SECRET, prodEnv.CRON_SECRET, prodEnv.DATABASE_URL, "pw-pw-pw-pw"]),
    );
  });

  it("the service refuses to boot with one clear message and no stack trace", async () => {
    const res = await execa("npx", ["tsx", "service/main.ts"], {
      env: { NODE_ENV: "production", NEXTAUTH_SECRET: "leaky-secret-value" },
      reject: false,
      timeout: 20_000,
    });
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toMatch(/^Tatu cannot start: \d+ environment problem\(s\):/);
    expect(res.stderr).toContain("DATABASE_URL is missing");
    expect(res.stderr).not.toMatch(/\n\s+at /); // no stack frames
    expect(res.stderr + res.stdout).not.toContain("leaky-secret-value");
  });
});
