// The seed's hypercare schedule, counted from the launch start (T+0): the first check at
// T+15m, then a check every 15 minutes up to and including T+2h, and the smokes re-run at
// +30, +60, +90 and +120 minutes. The launch start is the first T-0 item of the current launch
// run in the launch folder (its state and log), or `tatu hypercare --since <iso>`.
import { listRuns } from "../runbook/store.ts";

export interface HypercareSlot {
  /** When this check is due. */
  at: Date;
  /** Minutes after the launch start. */
  minute: number;
  /** The smokes re-run after this check. */
  smoke: boolean;
}

export interface ScheduleOptions {
  /** The first check, after the launch start (the seed: 15 min). */
  firstMs: number;
  /** Between checks (15 min). */
  everyMs: number;
  /** The smokes re-run at every multiple of this after the launch start (30 min). */
  smokeEveryMs: number;
  /** The last check is at most this long after the launch start (2 h; that one included). */
  forMs: number;
}

/** Every check from T+first to T+for inclusive; a slot is a smoke slot at each multiple of smokeEvery. */
export function hypercareSchedule(start: Date, o: ScheduleOptions): HypercareSlot[] {
  const slots: HypercareSlot[] = [];
  const smokeAt = new Set<number>();
  for (let t = o.smokeEveryMs; t <= o.forMs; t += o.smokeEveryMs) smokeAt.add(t);
  const checks = new Set<number>();
  for (let t = o.firstMs; t <= o.forMs; t += o.everyMs) checks.add(t);
  for (const t of smokeAt) if (t >= o.firstMs) checks.add(t); // a smoke time off the check grid gets its own check
  for (const t of [...checks].sort((a, b) => a - b))
    slots.push({ at: new Date(start.getTime() + t), minute: Math.round(t / 60_000), smoke: smokeAt.has(t) });
  return slots;
}

/**
 * The slots still to run at `now`: the future ones, plus the latest one already due, run at once
 * (a watch started late looks immediately, and re-runs the smokes if one was due before it).
 */
export function remainingSlots(slots: HypercareSlot[], now: Date): HypercareSlot[] {
  const due = slots.filter((s) => s.at.getTime() <= now.getTime());
  const future = slots.filter((s) => s.at.getTime() > now.getTime());
  const latest = due.at(-1);
  return latest ? [{ ...latest, smoke: due.some((s) => s.smoke) }, ...future] : future;
}

/** When the T-0 section of the newest launch run started (its first item), from the launch folder. */
export function launchStartFromLog(env: NodeJS.ProcessEnv): Date | undefined {
  const run = listRuns("launch", env)[0];
  const starts = Object.entries(run?.items ?? {})
    .filter(([id]) => id.startsWith("t0."))
    .map(([, r]) => Date.parse(r.startedAt))
    .filter((t) => !Number.isNaN(t));
  return starts.length ? new Date(Math.min(...starts)) : undefined;
}
