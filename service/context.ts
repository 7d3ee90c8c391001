// Everything a request handler, job or cron needs, built once per process (see boot.ts).
import type { Redis } from "ioredis";
import type pg from "pg";
import type { Config } from "./config/load.ts";
import type { Db } from "./db/client.ts";
import type { Logger } from "./observability/logger.ts";
import type { Mailer } from "./mail/mailer.ts";
import type { Limits } from "./http/rate-limit.ts";
import type { JobCatalog, JobQueue } from "./jobs/types.ts";
import type { Realtime } from "./realtime/hub.ts";
import type { Switches } from "./jobs/switches.ts";
import type { BlobStore } from "./storage/types.ts";
import type { Background } from "./jobs/background.ts";

export interface AppContext {
  config: Config;
  db: Db;
  /** The pg pool under Prisma, for the measured hot paths (service/db/sql.ts). */
  pg: pg.Pool;
  log: Logger;
  /** General-purpose Redis connection, when Redis is configured. */
  redis: Redis | undefined;
  mailer: Mailer;
  limits: Limits;
  queue: JobQueue<AppContext>;
  /** Every job kind and cron job source (jobs/catalog.ts). */
  jobs: JobCatalog<AppContext>;
  realtime: Realtime;
  switches: Switches;
  /** Attachment bytes (local disk or S3). */
  storage: BlobStore;
  /** Fire-and-forget work that shutdown still waits for. */
  background: Background;
}
