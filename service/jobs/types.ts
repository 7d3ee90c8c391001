// The job layer's shapes, as AppContext sees them. Nothing here imports the context: the
// context is a type parameter (Ctx), so context.ts can name these without an import cycle.
import type { ProviderId } from "../providers/catalog.ts";

export type JobCounts = Record<string, number>;
export interface JobInfo {
  id: string;
  attempt: number;
}

declare const validated: unique symbol;

/** Made only by a job's spec() (define.ts), which validated the payload against its schema. */
export interface JobSpec {
  readonly [validated]: true;
  name: string;
  data: unknown;
  /** Same id = same job: BullMQ keeps one queued/active copy (e.g. one sync per account at a time). */
  jobId?: string;
  /** Work for a provider is skipped while its kill switch is off. */
  provider?: ProviderId;
}

/** What the queue stores per job. */
export type JobPayload = Pick<JobSpec, "name" | "data" | "provider">;

/** fresh: the caller knows this job id has never been used (e.g. a just-stored webhook row),
 *  so the duplicate check's two Redis round trips are skipped. */
export interface AddOptions {
  attempts?: number;
  backoffMs?: number;
  fresh?: boolean;
}
export interface AddResult {
  id: string;
  mode: "bullmq" | "inline";
  status: "queued" | "duplicate" | "done" | "failed" | "skipped";
  error?: string;
}
export interface DrainResult {
  processed: number;
  failed: number;
  timedOut: boolean;
}
export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
}

export interface JobQueue<Ctx> {
  readonly mode: "bullmq" | "inline";
  add(spec: JobSpec, opts?: AddOptions): Promise<AddResult>;
  /** Enqueues jobs whose ids have never been used, in one round trip (e.g. just-stored webhook rows). */
  addFresh(specs: JobSpec[], opts?: Omit<AddOptions, "fresh">): Promise<void>;
  /** Processes queued jobs for at most budgetMs (the serverless worker route). */
  drain(ctx: Ctx, budgetMs: number): Promise<DrainResult>;
  counts(): Promise<QueueCounts>;
  /** A long-running worker in this process; returns a stop function. */
  startWorker(ctx: Ctx, concurrency?: number): () => Promise<void>;
  close(): Promise<void>;
}

/** A job kind: its payload schema and handler (see define.ts). */
export interface JobDef<Ctx, Data = unknown> {
  readonly name: string;
  /** Parses a stored payload against the job's schema. */
  parse(data: unknown): { ok: true; data: Data } | { ok: false; error: string };
  run(ctx: Ctx, data: Data, job: JobInfo): Promise<JobCounts | void>;
}

/** The crons that fan out to jobs (worker-sync drains instead). */
export type FanoutCron = "sync-messages" | "sync-calendars" | "appointment-reminders" | "notify-replies";
/** Returns the jobs one run of a cron should enqueue. */
export type JobSource<Ctx> = (ctx: Ctx) => Promise<JobSpec[]>;

/** Every job kind and cron job source of the app (catalog.ts), looked up by the queue and crons. */
export interface JobCatalog<Ctx> {
  job(name: string): JobDef<Ctx> | undefined;
  sources(cron: FanoutCron): readonly JobSource<Ctx>[];
}
