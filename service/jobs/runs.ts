// Records every cron invocation and job attempt so success/error ratios can be read later.
import type { AppContext } from "../context.ts";
import type { JobCounts } from "./types.ts";

type Kind = "cron" | "job";

export async function recordRun<T extends { counts?: JobCounts } | JobCounts | void>(
  ctx: AppContext,
  kind: Kind,
  name: string,
  fn: () => Promise<T>,
  job?: { id: string; attempt: number; provider?: string },
): Promise<T> {
  const run = await ctx.db.jobRun.create({
    data: { kind, name, jobId: job?.id, attempt: job?.attempt, provider: job?.provider },
  });
  try {
    const result = await fn();
    const counts = result && typeof result === "object" ? ("counts" in result ? result.counts : result) : undefined;
    await ctx.db.jobRun.update({
      where: { id: run.id },
      data: { status: "ok", finishedAt: new Date(), counts: (counts ?? undefined) as object | undefined },
    });
    return result;
  } catch (err) {
    await ctx.db.jobRun
      .update({
        where: { id: run.id },
        data: { status: "error", finishedAt: new Date(), error: String((err as Error)?.message ?? err).slice(0, 2000) },
      })
      .catch(() => undefined);
    throw err;
  }
}

export async function recordSkipped(ctx: AppContext, kind: Kind, name: string, reason: string): Promise<void> {
  await ctx.db.jobRun.create({ data: { kind, name, status: "skipped", finishedAt: new Date(), error: reason } });
}
