// The job queue. With Redis: BullMQ (retries with exponential backoff, failed jobs kept
// and countable). Without Redis: the same handlers run inline, the runbook's fallback.
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import type { ConnectionOptions, Job, Queue, Worker } from "bullmq";
import type { AppContext } from "../context.ts";
import type { Config } from "../config/load.ts";
import { recordRun, recordSkipped } from "./runs.ts";
import { UnrecoverableError } from "./unrecoverable.ts";
import type {
  AddOptions,
  AddResult,
  DrainResult,
  JobCounts,
  JobInfo,
  JobPayload,
  JobQueue,
  JobSpec,
  QueueCounts,
} from "./types.ts";

/** One queue carries every kind of job: syncs, sends, calendar writes, reminders, webhooks. */
export const QUEUE_NAME = "tatu-jobs";
/** What releases before the rename called it. Jobs still there at deploy are run by the new
 *  workers until it is empty (see drainLegacy); drop this once no install has any left. */
export const LEGACY_QUEUE_NAME = "sync";
export const DEFAULT_ATTEMPTS = 5;
export const DEFAULT_BACKOFF_MS = 5_000;

// BullMQ (CommonJS, ~170 modules) is required when a queue or worker is first needed, not at
// boot: an API instance answers requests before it ever enqueues, and inline mode never needs it.
const requireHere = createRequire(import.meta.url);
let bullmqModule: typeof import("bullmq") | undefined;
const bullmq = () => (bullmqModule ??= requireHere("bullmq") as typeof import("bullmq"));

/** Runs one attempt of a job: kill switch, catalog lookup, payload check, run record. */
export async function runJob(ctx: AppContext, payload: JobPayload, job: JobInfo): Promise<JobCounts | void> {
  if (payload.provider && !(await ctx.switches.isEnabled(`provider.${payload.provider}`))) {
    await recordSkipped(ctx, "job", payload.name, `provider.${payload.provider} is disabled`);
    return { skipped: 1 };
  }
  const def = ctx.jobs.job(payload.name);
  // Retried: during a rolling deploy a worker of the next release may know it.
  if (!def) throw new Error(`No handler for job "${payload.name}"`);
  return recordRun(
    ctx,
    "job",
    payload.name,
    async () => {
      const parsed = def.parse(payload.data);
      // Retrying cannot make a stored payload fit (e.g. queued by an older release): fail for good.
      if (!parsed.ok)
        throw new UnrecoverableError(
          `The payload of job "${payload.name}" does not fit its schema, not retried: ${parsed.error}`,
        );
      return def.run(ctx, parsed.data, job);
    },
    { ...job, provider: payload.provider },
  );
}

export function redisConnection(config: Config): ConnectionOptions | undefined {
  const r = config.redis;
  if (!r) return undefined;
  // maxRetriesPerRequest null: BullMQ workers wait out Redis restarts instead of crashing.
  return "url" in r
    ? { url: r.url, maxRetriesPerRequest: null }
    : { host: r.host, port: r.port, password: r.password, maxRetriesPerRequest: null };
}

/** Errors may carry the provider's Retry-After (ProviderError.retryAfterMs): it wins over
 *  the exponential schedule, so a rate-limited account waits exactly as long as asked. */
export function retryDelayMs(attemptsMade: number, baseMs: number, err?: Error): number {
  const asked = (err as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  if (typeof asked === "number" && asked >= 0) return asked;
  return baseMs * 2 ** Math.max(0, attemptsMade - 1);
}

const backoffStrategy = (attemptsMade: number, _type?: string, err?: Error, job?: { opts?: { backoff?: unknown } }) => {
  const backoff = job?.opts?.backoff as { delay?: number } | undefined;
  return retryDelayMs(attemptsMade, backoff?.delay ?? DEFAULT_BACKOFF_MS, err);
};

class BullQueue implements JobQueue<AppContext> {
  readonly mode = "bullmq" as const;
  private main?: Queue<JobPayload>;
  private legacy?: Queue<JobPayload>;

  constructor(
    private readonly connection: ConnectionOptions,
    private readonly prefix: string,
  ) {}

  private get queue(): Queue<JobPayload> {
    if (!this.main) {
      this.main = new (bullmq().Queue)<JobPayload>(QUEUE_NAME, { connection: this.connection, prefix: this.prefix });
      this.main.on("error", () => undefined); // surfaced through readiness, not as crashes
    }
    return this.main;
  }

  async add(spec: JobSpec, opts: AddOptions = {}): Promise<AddResult> {
    const jobId = spec.jobId ?? randomUUID();
    if (spec.jobId && !opts.fresh) {
      const existing = await this.queue.getJob(spec.jobId);
      const state = existing ? await existing.getState() : undefined;
      if (state && ["waiting", "active", "delayed", "prioritized", "waiting-children"].includes(state))
        return { id: jobId, mode: this.mode, status: "duplicate" };
      if (existing) await existing.remove().catch(() => undefined); // finished copy: make room for a new run
    }
    await this.queue.add(
      spec.name,
      { name: spec.name, data: spec.data, provider: spec.provider },
      this.jobOptions(jobId, opts),
    );
    return { id: jobId, mode: this.mode, status: "queued" };
  }

  async addFresh(specs: JobSpec[], opts: Omit<AddOptions, "fresh"> = {}): Promise<void> {
    if (!specs.length) return;
    await this.queue.addBulk(
      specs.map((spec) => ({
        name: spec.name,
        data: { name: spec.name, data: spec.data, provider: spec.provider },
        opts: this.jobOptions(spec.jobId ?? randomUUID(), opts),
      })),
    );
  }

  private jobOptions(jobId: string, opts: AddOptions) {
    return {
      jobId,
      attempts: opts.attempts ?? DEFAULT_ATTEMPTS,
      backoff: { type: "provider-aware", delay: opts.backoffMs ?? DEFAULT_BACKOFF_MS },
      removeOnComplete: { count: 1000, age: 24 * 3600 },
      removeOnFail: false,
    };
  }

  private process(ctx: AppContext) {
    return (job: Job<JobPayload>) => runJob(ctx, job.data, { id: job.id!, attempt: job.attemptsMade + 1 });
  }

  async drain(ctx: AppContext, budgetMs: number): Promise<DrainResult> {
    const deadline = Date.now() + budgetMs;
    const r = await this.drainQueue(ctx, QUEUE_NAME, deadline);
    if (r.timedOut || !(await this.legacyBacklog().catch(() => 0))) return r;
    const old = await this.drainQueue(ctx, LEGACY_QUEUE_NAME, deadline);
    return { processed: r.processed + old.processed, failed: r.failed + old.failed, timedOut: old.timedOut };
  }

  private async drainQueue(ctx: AppContext, name: string, deadline: number): Promise<DrainResult> {
    const worker = new (bullmq().Worker)<JobPayload>(name, null, {
      connection: this.connection,
      prefix: this.prefix,
      autorun: false,
      settings: { backoffStrategy },
    });
    const token = randomUUID();
    const run = this.process(ctx);
    let processed = 0,
      failed = 0;
    try {
      while (Date.now() < deadline) {
        const job = (await worker.getNextJob(token, { block: false })) as Job<JobPayload> | undefined;
        if (!job) return { processed, failed, timedOut: false };
        try {
          const result = await run(job);
          await job.moveToCompleted(result ?? {}, token, false);
          processed++;
        } catch (err) {
          await job.moveToFailed(err as Error, token, false);
          failed++;
        }
      }
      return { processed, failed, timedOut: true };
    } finally {
      await worker.close();
    }
  }

  async counts(): Promise<QueueCounts> {
    const c = await this.queue.getJobCounts("waiting", "active", "delayed", "failed", "completed", "prioritized");
    return {
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
      active: c.active ?? 0,
      delayed: c.delayed ?? 0,
      failed: c.failed ?? 0,
      completed: c.completed ?? 0,
    };
  }

  startWorker(ctx: AppContext, concurrency = 4): () => Promise<void> {
    const worker = this.worker(ctx, QUEUE_NAME, concurrency);
    const stopLegacy = this.drainLegacy(ctx, concurrency);
    return async () => {
      await Promise.all([worker.close(), stopLegacy()]);
    };
  }

  private worker(ctx: AppContext, name: string, concurrency: number): Worker<JobPayload> {
    // A dead worker's jobs are handed to a live one after the lock lapses (lock renewed at half of it).
    const stalledMs = (ctx.config.env.WORKER_STALLED_SECONDS ?? 30) * 1000;
    const worker = new (bullmq().Worker)<JobPayload>(name, this.process(ctx), {
      connection: this.connection,
      prefix: this.prefix,
      concurrency,
      lockDuration: stalledMs,
      stalledInterval: stalledMs,
      settings: { backoffStrategy },
    });
    worker.on("error", (err) => ctx.log.warn({ err: err.message }, "queue worker error"));
    worker.on("failed", (job, err) =>
      ctx.log.warn({ job: job?.name, id: job?.id, attempt: job?.attemptsMade, err: err.message }, "job attempt failed"),
    );
    return worker;
  }

  /** Jobs waiting, running or scheduled in the legacy queue. */
  private async legacyBacklog(): Promise<number> {
    if (!this.legacy) {
      this.legacy = new (bullmq().Queue)<JobPayload>(LEGACY_QUEUE_NAME, {
        connection: this.connection,
        prefix: this.prefix,
      });
      this.legacy.on("error", () => undefined);
    }
    const c = await this.legacy.getJobCounts("waiting", "active", "delayed", "prioritized", "waiting-children");
    return Object.values(c).reduce((n, v) => n + (v ?? 0), 0);
  }

  /** Runs what the legacy queue still holds (retries included), checking every minute, and
   *  stops once it is empty. Returns a stop function. */
  private drainLegacy(ctx: AppContext, concurrency: number): () => Promise<void> {
    let worker: Worker<JobPayload> | undefined;
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const check = async () => {
      const left = await this.legacyBacklog().catch(() => undefined); // Redis down: ask again later
      if (stopped) return;
      if (left === 0) {
        await worker?.close();
        return;
      }
      if (left && !worker) {
        ctx.log.info({ queue: LEGACY_QUEUE_NAME, jobs: left }, "running the jobs left in the legacy queue");
        worker = this.worker(ctx, LEGACY_QUEUE_NAME, concurrency);
      }
      timer = setTimeout(() => void check(), 60_000);
      timer.unref();
    };
    void check();
    return async () => {
      stopped = true;
      clearTimeout(timer);
      await worker?.close();
    };
  }

  async close(): Promise<void> {
    await Promise.all([this.main?.close(), this.legacy?.close()]);
  }
}

class InlineQueue implements JobQueue<AppContext> {
  readonly mode = "inline" as const;
  constructor(private readonly ctx: () => AppContext) {}

  /** Runs the job now, once: the next cron run is the retry. */
  async add(spec: JobSpec): Promise<AddResult> {
    const id = spec.jobId ?? `inline-${randomUUID()}`;
    try {
      const result = await runJob(this.ctx(), spec, { id, attempt: 1 });
      return { id, mode: this.mode, status: result && "skipped" in result ? "skipped" : "done" };
    } catch (err) {
      return { id, mode: this.mode, status: "failed", error: (err as Error).message };
    }
  }
  async addFresh(specs: JobSpec[]): Promise<void> {
    for (const spec of specs) await this.add(spec);
  }
  async drain(): Promise<DrainResult> {
    return { processed: 0, failed: 0, timedOut: false };
  }
  async counts(): Promise<QueueCounts> {
    return { waiting: 0, active: 0, delayed: 0, failed: 0, completed: 0 };
  }
  startWorker(): () => Promise<void> {
    return async () => undefined;
  }
  async close(): Promise<void> {}
}

export function createQueue(config: Config, ctx: () => AppContext): JobQueue<AppContext> {
  const connection = redisConnection(config);
  return connection ? new BullQueue(connection, `${config.redisPrefix}:bull`) : new InlineQueue(ctx);
}
