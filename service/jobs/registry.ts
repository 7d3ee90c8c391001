// What jobs exist and who feeds the crons. Features register here (inbox sync, calendar
// sync, reminders); the queue, worker and cron routes only ever look things up.
import type { AppContext } from "../context.ts";
import type { ProviderId } from "../providers/catalog.ts";

export type JobCounts = Record<string, number>;
export interface JobInfo { id: string; attempt: number }
export type JobHandler = (ctx: AppContext, data: Record<string, unknown>, job: JobInfo) => Promise<JobCounts | void>;

export interface JobSpec {
  name: string;
  data: Record<string, unknown>;
  /** Same id = same job: BullMQ keeps one queued/active copy (e.g. one sync per account at a time). */
  jobId?: string;
  /** Work for a provider is skipped while its kill switch is off. */
  provider?: ProviderId;
}

export type FanoutCron = "sync-messages" | "sync-calendars" | "appointment-reminders";
export type JobSource = (ctx: AppContext) => Promise<JobSpec[]>;

const handlers = new Map<string, JobHandler>();
const sources: Record<FanoutCron, JobSource[]> = { "sync-messages": [], "sync-calendars": [], "appointment-reminders": [] };

export function defineJob(name: string, handler: JobHandler): void {
  handlers.set(name, handler);
}

export function jobHandler(name: string): JobHandler | undefined {
  return handlers.get(name);
}

/** A feature contributes the jobs a cron should enqueue on each run. */
export function addJobSource(cron: FanoutCron, source: JobSource): void {
  sources[cron].push(source);
}

export function jobSources(cron: FanoutCron): readonly JobSource[] {
  return sources[cron];
}
