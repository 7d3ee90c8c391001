// Built-in scheduler for single-process installs: the same cron handlers, on the same
// schedules as vercel.json (UTC, like Vercel Cron). `protect` skips a tick while the
// previous run of that cron is still going.
import { Cron } from "croner";
import type { AppContext } from "../context.ts";
import { crons } from "./cron-table.ts";
import { runCron } from "./crons.ts";

export interface Scheduler {
  jobs: Cron[];
  stop(): void;
}

export function startScheduler(ctx: AppContext): Scheduler {
  const jobs = crons.map(
    (c) =>
      new Cron(c.schedule, { timezone: "UTC", protect: true, name: c.name }, async () => {
        try {
          const result = await runCron(ctx, c.name);
          ctx.log.info({ cron: c.name, result }, "scheduled cron finished");
        } catch (err) {
          ctx.log.error({ cron: c.name, err: (err as Error).message }, "scheduled cron failed");
        }
      }),
  );
  return { jobs, stop: () => jobs.forEach((j) => j.stop()) };
}

/** The longest gap between two runs of a schedule (UTC), over its next runs: a daily cron → 24 h. */
export function cronIntervalMs(schedule: string, from = new Date()): number {
  const runs = new Cron(schedule, { timezone: "UTC", paused: true }).nextRuns(8, from);
  let longest = 0;
  for (let i = 1; i < runs.length; i++) longest = Math.max(longest, runs[i]!.getTime() - runs[i - 1]!.getTime());
  return longest;
}
