// How a feature declares its jobs and enqueues them. Each job is declared once with a zod
// schema for its payload: spec() validates when enqueueing (a bad payload is a programming
// error: it throws), and the queue parses again before running (runJob in queue.ts). Features
// export their jobs and cron job sources; catalog.ts lists them all, nothing registers itself.
import { z } from "zod";
import type { AppContext } from "../context.ts";
import type { ProviderId } from "../providers/catalog.ts";
import type {
  AddOptions,
  AddResult,
  FanoutCron,
  JobCatalog,
  JobCounts,
  JobDef,
  JobInfo,
  JobSource,
  JobSpec,
} from "./types.ts";

export interface Job<S extends z.ZodType> extends JobDef<AppContext, z.output<S>> {
  readonly schema: S;
  /** The spec to enqueue (or return from a cron job source); throws if `data` does not fit. */
  spec(data: z.input<S>, opts?: { jobId?: string; provider?: ProviderId }): JobSpec;
}

export function defineJob<S extends z.ZodType>(
  name: string,
  schema: S,
  run: (ctx: AppContext, data: z.output<S>, job: JobInfo) => Promise<JobCounts | void>,
): Job<S> {
  return {
    name,
    schema,
    run,
    parse(data) {
      const r = schema.safeParse(data);
      return r.success ? { ok: true, data: r.data } : { ok: false, error: z.prettifyError(r.error) };
    },
    spec(data, opts = {}) {
      const r = schema.safeParse(data);
      if (!r.success) throw new Error(`Job "${name}" enqueued with an invalid payload: ${z.prettifyError(r.error)}`);
      // The input is stored, not the parsed output: the run parses it again (defaults included).
      return { name, data, ...opts } as JobSpec;
    },
  };
}

/** Enqueues any job: BullMQ with Redis, run at once inline without it. */
export function enqueue(ctx: AppContext, spec: JobSpec, opts?: AddOptions): Promise<AddResult> {
  return ctx.queue.add(spec, opts);
}

export interface CatalogEntries {
  jobs: readonly JobDef<AppContext>[];
  sources?: Partial<Record<FanoutCron, readonly JobSource<AppContext>[]>>;
}

export interface Catalog extends JobCatalog<AppContext> {
  /** This catalog plus more jobs and sources (tests add their own). */
  with(more: CatalogEntries): Catalog;
}

export function createCatalog(entries: CatalogEntries): Catalog {
  const byName = new Map<string, JobDef<AppContext>>();
  for (const job of entries.jobs) {
    if (byName.has(job.name)) throw new Error(`Job "${job.name}" is in the catalog twice.`);
    byName.set(job.name, job);
  }
  const sources = entries.sources ?? {};
  return {
    job: (name) => byName.get(name),
    sources: (cron) => sources[cron] ?? [],
    with: (more) => {
      const merged: CatalogEntries["sources"] = { ...sources };
      for (const [cron, list] of Object.entries(more.sources ?? {}) as [FanoutCron, JobSource<AppContext>[]][])
        merged[cron] = [...(merged[cron] ?? []), ...list];
      return createCatalog({ jobs: [...entries.jobs, ...more.jobs], sources: merged });
    },
  };
}
