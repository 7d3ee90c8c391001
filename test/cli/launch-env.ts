// A production environment as launch day needs it: the launch-critical core plus every variable
// the launch document lists for its integrations (runbooks/launch.md's default scope: all).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { secret } from "./ops-helpers.ts";

export function launchEnv() {
  const values = {
    NODE_ENV: "production",
    NEXTAUTH_URL: "https://tatu.example.com",
    NEXTAUTH_SECRET: secret(),
    CRON_SECRET: secret(),
    TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
    DATABASE_URL: "postgresql://app:db-password-123456@db.example.com:5432/tatu",
    SMTP_URL: `smtps://postmark:${secret("smtp-")}@smtp.example.com:465`,
    EMAIL_FROM: "Tatu <hello@tatu.example.com>",
    GOOGLE_CLIENT_ID: "1234-abc.apps.googleusercontent.com",
    GOOGLE_CLIENT_SECRET: secret("gcs-"),
    OUTLOOK_CLIENT_ID: "8f1d2c3b-0000-4000-8000-123456789abc",
    OUTLOOK_CLIENT_SECRET: secret("ocs-"),
    OUTLOOK_REDIRECT_URI: "https://tatu.example.com/api/integrations/outlook/callback",
    FACEBOOK_APP_ID: "1234567890",
    FACEBOOK_APP_SECRET: secret("fbs-"),
    FACEBOOK_WEBHOOK_VERIFY_TOKEN: secret("verify-"),
    TWITTER_API_KEY: "tw-key-123",
    TWITTER_API_SECRET: secret("tws-"),
    TWITTER_OAUTH_CALLBACK: "https://tatu.example.com/api/integrations/twitter/callback",
    TWILIO_ACCOUNT_SID: `AC${"0123456789abcdef".repeat(2)}`,
    TWILIO_AUTH_TOKEN: secret("twa-"),
    TWILIO_PHONE_NUMBER: "+15551234567",
    STRIPE_SECRET_KEY: `sk_live_${secret()}`,
    STRIPE_WEBHOOK_SECRET: `whsec_${secret()}`,
    STRIPE_PUBLISHABLE_KEY: "pk_live_abc123",
    SENTRY_DSN: "https://abc123@o1.ingest.sentry.io/42",
    S3_BUCKET: "tatu-attachments",
    S3_REGION: "eu-central-1",
    S3_ACCESS_KEY_ID: "AKIAEXAMPLE",
    S3_SECRET_ACCESS_KEY: secret("s3-"),
    OPENAI_API_KEY: `sk-${secret()}`,
    UPSTASH_REDIS_REST_URL: "https://eu1-tatu.upstash.io",
    UPSTASH_REDIS_REST_TOKEN: secret("up-"),
  };
  const nonSecret = new Set([
    "NODE_ENV",
    "NEXTAUTH_URL",
    "EMAIL_FROM",
    "GOOGLE_CLIENT_ID",
    "OUTLOOK_CLIENT_ID",
    "OUTLOOK_REDIRECT_URI",
    "FACEBOOK_APP_ID",
    "TWITTER_API_KEY",
    "TWITTER_OAUTH_CALLBACK",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_PHONE_NUMBER",
    "STRIPE_PUBLISHABLE_KEY",
    "S3_BUCKET",
    "S3_REGION",
    "S3_ACCESS_KEY_ID",
    "UPSTASH_REDIS_REST_URL",
    "SENTRY_DSN",
  ]);
  const secrets = Object.entries(values)
    .filter(([k]) => !nonSecret.has(k))
    .map(([, v]) => v)
    .concat("db-password-123456");
  return { values, secrets };
}

/** A runbooks folder whose launch.md declares `scope` (a copy of the real runbooks otherwise). */
export function runbooksWithScope(scope: string[] | undefined): string {
  const root = path.resolve(import.meta.dirname, "../../runbooks");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tatu-runbooks-"));
  fs.cpSync(root, dir, { recursive: true });
  const launch = fs.readFileSync(path.join(dir, "launch.md"), "utf8").replace(/^---\n[\s\S]*?\n---\n/, "");
  fs.writeFileSync(path.join(dir, "launch.md"), scope ? `---\nscope: ${scope.join(", ")}\n---\n${launch}` : launch);
  return dir;
}
