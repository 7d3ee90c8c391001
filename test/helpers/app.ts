// Boots the real service (real Postgres, optional real Redis) on a random port for a test.
import { freePort } from "./net.ts";
import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { boot } from "../../service/boot.ts";
import type { Catalog } from "../../service/jobs/define.ts";
import pino from "pino";
import { loadConfig, secretValues } from "../../service/config/load.ts";
import type { AppContext } from "../../service/context.ts";
import { createLogger } from "../../service/observability/logger.ts";
import { startHttpServer } from "../../service/server.ts";
import { HttpClient } from "./http.ts";
import { until } from "./realtime.ts";
import { isolatedDatabase } from "./global-setup.ts";
import { captureDir, newLogFile, recordSecrets } from "./capture.ts";
import { configuredSecrets, storedProviderSecrets } from "../security/secrets-scan.ts";

export const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

export interface TestApp {
  url: string;
  ctx: AppContext;
  client(): HttpClient;
  close(): Promise<void>;
}

/** A private, migrated database for test files that change global state (switches, cron runs). */
export function isolatedDatabaseUrl(): Promise<string> {
  return isolatedDatabase(inject("runId"), inject("templateDatabase"));
}

export function uniqueEmail(tag = "user"): string {
  return `${tag}-${randomBytes(5).toString("hex")}@example.test`;
}

/**
 * env: extra environment for this instance. `redis: true` connects to the real Redis with a
 * prefix unique to this test (or the given one, to make two instances share it).
 */
export async function startTestApp(
  opts: {
    env?: Record<string, string>;
    redis?: boolean | string;
    databaseUrl?: string;
    publicUrl?: boolean;
    jobs?: Catalog;
  } = {},
): Promise<TestApp> {
  // publicUrl: NEXTAUTH_URL is this instance's real address (providers that sign the URL they call, e.g. Twilio).
  const port = opts.publicUrl ? await freePort() : 0;
  const prefix = typeof opts.redis === "string" ? opts.redis : `tatu-test-${randomBytes(4).toString("hex")}`;
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: "test",
    DATABASE_URL: opts.databaseUrl ?? inject("databaseUrl"),
    TATU_DATA_DIR: `/tmp/tatu-test-${inject("runId")}`,
    TATU_SCHEDULER: "off",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    RATE_LIMIT_SIGNUP: "1000/10m",
    RATE_LIMIT_SEARCH: "100000/1m",
    RATE_LIMIT_SYNC_NOW: "100000/1m",
    RATE_LIMIT_BOOKING_REQUESTS: "100000/1m",
    TATU_REDIS_PREFIX: prefix,
    ...(opts.redis ? { REDIS_URL: REDIS_URL } : {}),
    ...(opts.publicUrl ? { NEXTAUTH_URL: `http://127.0.0.1:${port}` } : {}),
    ...opts.env,
  };
  const config = loadConfig(env);
  // Capturing for the suite-wide secret scan: info-level logs into a file, masking on as in production.
  const logFile = newLogFile();
  const log = logFile
    ? createLogger({
        level: config.logLevel === "silent" ? "info" : config.logLevel,
        secrets: secretValues(config),
        destination: pino.destination({ dest: logFile, sync: true }),
      })
    : createLogger({ level: config.logLevel });
  const booted = await boot({ config, log, jobs: opts.jobs });
  const http = await startHttpServer(booted.ctx, port, "127.0.0.1");
  return {
    url: http.url,
    ctx: booted.ctx,
    client: () => new HttpClient(http.url),
    async close() {
      await http.close();
      if (captureDir)
        recordSecrets([
          ...configuredSecrets(booted.ctx.config),
          ...(await storedProviderSecrets(booted.ctx).catch(() => [])),
        ]);
      // Leave the shared Redis as we found it: drop this instance's keys (not a shared prefix's).
      if (opts.redis === true && booted.ctx.redis) {
        const keys = await booted.ctx.redis.keys(`${prefix}:*`).catch(() => [] as string[]);
        if (keys.length) await booted.ctx.redis.del(...keys).catch(() => undefined);
      }
      await booted.close();
    },
  };
}

/** A TestApp of its own for one test (other env, other limits), closed after `use` even when it throws. */
export async function withTestApp<T>(
  opts: Parameters<typeof startTestApp>[0],
  use: (app: TestApp) => Promise<T>,
): Promise<T> {
  const app = await startTestApp(opts);
  try {
    return await use(app);
  } finally {
    await app.close();
  }
}

/** Waits until `app` has processed every webhook of `source` it stored (none left "received"). */
export function webhooksProcessed(app: TestApp, source: string, ms: number, what = "processing"): Promise<void> {
  return until(
    async () => (await app.ctx.db.webhookEvent.count({ where: { source, status: "received" } })) === 0,
    ms,
    what,
  );
}
