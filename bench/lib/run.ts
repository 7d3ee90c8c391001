// The plumbing every benchmark script repeats: integer env knobs, cleanups run once (newest
// first, each time-bounded), a whole-run time budget and SIGINT/SIGTERM handling.

/** `process.env[name]` as an integer >= min (fallback when unset); exits 2 on a bad value. */
export function intEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    console.error(`bench: ${name} must be an integer >= ${min} (got "${raw}")`);
    process.exit(2);
  }
  return n;
}

export interface RunOptions {
  /** Prefix of every message, e.g. "bench" or "bench:search". */
  label?: string;
  /** Whole-run time budget; past it the run aborts with exit code 3. */
  budgetSec: number;
  /** The env knob that sets the budget, named in the abort message. */
  budgetEnv?: string;
  /** Cap on each cleanup, so cleanup itself is bounded. */
  cleanupTimeoutSec?: number;
}

export interface BenchRun {
  /** Registers a cleanup; the returned function runs it early and takes it off the list. */
  onCleanup(name: string, fn: () => Promise<void>): () => Promise<void>;
  /** Runs the registered cleanups once, newest first. */
  cleanup(): Promise<void>;
  /** Says why on stderr, cleans up and exits with `code`. */
  abort(message: string, code: number): Promise<never>;
  /** True once abort() has started (e.g. the budget ran out mid-run). */
  readonly aborting: boolean;
}

export function benchRun(o: RunOptions): BenchRun {
  const label = o.label ?? "bench";
  const capMs = (o.cleanupTimeoutSec ?? 15) * 1000;
  const cleanups: Array<{ name: string; fn: () => Promise<void> }> = [];
  let cleaning: Promise<void> | undefined;
  let aborting = false;

  const run: BenchRun = {
    onCleanup(name, fn) {
      const entry = { name, fn };
      cleanups.push(entry);
      return async () => {
        const i = cleanups.indexOf(entry);
        if (i !== -1) cleanups.splice(i, 1);
        await fn();
      };
    },
    cleanup() {
      cleaning ??= (async () => {
        for (const { name, fn } of cleanups.reverse()) {
          try {
            await Promise.race([
              fn(),
              new Promise<never>((_, reject) =>
                setTimeout(() => reject(new Error(`timed out after ${capMs / 1000} s`)), capMs).unref(),
              ),
            ]);
          } catch (err) {
            console.error(`${label}: cleanup "${name}" failed: ${(err as Error).message}`);
          }
        }
      })();
      return cleaning;
    },
    async abort(message, code) {
      aborting = true;
      console.error(`${label}: ${message}`);
      await run.cleanup();
      process.exit(code);
    },
    get aborting() {
      return aborting;
    },
  };

  const knob = o.budgetEnv ? ` (${o.budgetEnv})` : "";
  setTimeout(
    () => void run.abort(`run exceeded its time budget of ${Math.round(o.budgetSec)} s${knob}; aborted`, 3),
    o.budgetSec * 1000,
  ).unref();
  for (const sig of ["SIGINT", "SIGTERM"] as const)
    process.once(sig, () => void run.abort(`interrupted (${sig})`, 130));
  return run;
}
