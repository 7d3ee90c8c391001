// Builds the process-wide AppContext: config → logger → database (real or embedded) →
// Redis → queue + job catalog, mail, realtime, switches. `close()` releases all in reverse.
import type { Redis } from "ioredis";
import { loadConfig, secretValues, type Config } from "./config/load.ts";
import type { AppContext } from "./context.ts";
import { createDbWithPool } from "./db/client.ts";
import { createLimits } from "./http/rate-limit.ts";
import { createBlobStore } from "./storage/index.ts";
import { jobCatalog } from "./jobs/catalog.ts";
import type { Catalog } from "./jobs/define.ts";
import { createQueue } from "./jobs/queue.ts";
import { createBackground } from "./jobs/background.ts";
import { Switches } from "./jobs/switches.ts";
import { createMailer } from "./mail/mailer.ts";
import { createLogger, type Logger } from "./observability/logger.ts";
import { initSentry } from "./observability/sentry.ts";
import { createRealtime } from "./realtime/hub.ts";
import { configurePasswordHashing } from "./auth/crypto.ts";

export interface Booted {
  ctx: AppContext;
  close(): Promise<void>;
}

/** ioredis is imported only when Redis is configured (the embedded quick start runs without). */
export async function redisClient(config: Config, log: Logger): Promise<Redis | undefined> {
  const r = config.redis;
  if (!r) return undefined;
  const { Redis } = await import("ioredis");
  const opts = { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false };
  const redis =
    "url" in r ? new Redis(r.url, opts) : new Redis({ host: r.host, port: r.port, password: r.password, ...opts });
  let last = 0;
  redis.on("error", (err) => {
    // Reconnects are automatic; log at most every 10 s instead of on every retry.
    if (Date.now() - last > 10_000) log.warn({ err: err.message }, "redis connection error");
    last = Date.now();
  });
  return redis;
}

/** jobs: the job catalog (tests extend jobCatalog with their own jobs). */
export async function boot(opts: { config?: Config; log?: Logger; jobs?: Catalog } = {}): Promise<Booted> {
  const config = opts.config ?? loadConfig();
  const log = opts.log ?? createLogger({ level: config.logLevel, secrets: secretValues(config) });
  await initSentry(config.sentryDsn, config.isProduction ? "production" : "development");

  let databaseUrl = config.databaseUrl;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!databaseUrl) {
    // PGlite and the migrator load only here: a deploy with DATABASE_URL never pays for them.
    const [{ startEmbeddedDb }, { migrateDeploy }] = await Promise.all([
      import("./db/embedded.ts"),
      import("./db/migrations.ts"),
    ]);
    const embedded = await startEmbeddedDb(config.dataDir);
    databaseUrl = embedded.url;
    stopEmbedded = embedded.stop;
    await migrateDeploy(databaseUrl);
    log.info({ dataDir: config.dataDir }, "embedded database ready (set DATABASE_URL to use PostgreSQL)");
  }
  // PGlite is one database session behind its socket server, which interleaves extended-protocol
  // messages of concurrent connections ("bind message supplies 1 parameters, but prepared
  // statement "" requires 4" under load): one connection serialises every query correctly.
  const poolSize = stopEmbedded ? 1 : config.databasePoolSize;
  const { db, pool } = createDbWithPool(databaseUrl, poolSize);
  const redis = await redisClient(config, log);
  configurePasswordHashing(config.passwordHashing);

  const ctx: AppContext = {
    config,
    log,
    db,
    pg: pool,
    redis,
    mailer: createMailer({ smtpUrl: config.smtpUrl, from: config.emailFrom, pg: pool, log }),
    limits: createLimits(config, redis),
    queue: createQueue(config, () => ctx),
    jobs: opts.jobs ?? jobCatalog,
    realtime: createRealtime({
      jwtSecret: config.jwtSecret,
      log,
      redis,
      channel: `${config.redisPrefix}:realtime`,
      sessionLive: async (id) =>
        (await db.session.count({ where: { id, revokedAt: null, expiresAt: { gt: new Date() } } })) === 1,
    }),
    switches: new Switches(db),
    storage: createBlobStore(config),
    background: createBackground((err) => log.warn({ err: (err as Error)?.message }, "background task failed")),
  };

  return {
    ctx,
    async close() {
      await ctx.background.drain();
      await ctx.realtime.close();
      await ctx.queue.close().catch(() => undefined);
      await redis?.quit().catch(() => undefined);
      await db.$disconnect();
      await pool.end().catch(() => undefined);
      await stopEmbedded?.();
    },
  };
}
