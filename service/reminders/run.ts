// One batch of reminders: claim (set-based) → send with bounded concurrency → record. The
// cron plans ranges of appointment ids and enqueues one batch job per range, so several
// workers share a run; any number of runs may overlap, since only a claim lets a run send.
import { randomBytes, randomUUID } from "node:crypto";
import { z } from "zod";
import type { AppContext } from "../context.ts";
import { defineJob } from "../jobs/define.ts";
import type { JobSpec } from "../jobs/types.ts";
import { Channels, errorText, twilioConfigured, type SendOutcome } from "./send.ts";
import {
  claimNew,
  expireHopeless,
  planRanges,
  reclaim,
  recordResults,
  renewLease,
  type ClaimedRow,
  type Range,
  type Result,
  type RetryPolicy,
  type Windows,
} from "./sql.ts";

const HOUR = 3600_000;

export interface ReminderOptions {
  /** Rows claimed per statement (and about the size of one fan-out range). */
  batchSize: number;
  /** Sends in flight at once per batch. */
  concurrency: number;
  /** A claim not renewed for this long belongs to a dead run and may be taken over. */
  leaseMs: number;
  /** Renew our claims when they are this old, before starting another send. Sends are bounded
   *  by the SDK/mailer timeouts (≤ 30 s), so a live run's claims never reach `leaseMs`. */
  renewAfterMs: number;
  maxAttempts: number;
  /** A failed aftercare note is still worth retrying this long after the session. */
  aftercareLateMs: number;
}

export const DEFAULTS: ReminderOptions = {
  batchSize: 500,
  concurrency: 48,
  leaseMs: 10 * 60_000,
  renewAfterMs: 2 * 60_000,
  maxAttempts: 5,
  aftercareLateMs: 72 * HOUR,
};

export function windowsAt(asOfMs: number, o: Pick<ReminderOptions, "aftercareLateMs"> = DEFAULTS): Windows {
  return {
    asOfMs,
    reminderFromMs: asOfMs + 24 * HOUR,
    reminderToMs: asOfMs + 48 * HOUR,
    aftercareFromMs: asOfMs - 24 * HOUR,
    aftercareLateMs: o.aftercareLateMs,
  };
}

export interface BatchCounts {
  claimed: number;
  reclaimed: number;
  sent: number;
  /** An earlier attempt had reached the provider: recorded, not sent again. */
  alreadySent: number;
  failed: number;
  /** Customers who opted out: recorded `skipped`, nothing sent. */
  optedOut: number;
  /** Rows another run took over while we held them (our lease ran out). */
  lost: number;
  expired: number;
}

/** The database's clock: claims are stamped with it, so "failed before this run" compares like with like. */
async function dbNowMs(ctx: AppContext): Promise<number> {
  const [row] = await ctx.db.$queryRawUnsafe<{ ms: number }[]>(
    `SELECT (extract(epoch FROM now()) * 1000)::float8 AS ms`,
  );
  return row!.ms;
}

/** The kill switch `provider.twilio` off, or no Twilio account: everything goes by email. */
async function smsAvailable(ctx: AppContext): Promise<boolean> {
  return twilioConfigured(ctx) && (await ctx.switches.isEnabled("provider.twilio"));
}

/** Results are written as soon as they are known, several per statement under load. */
class Recorder {
  private pending: Result[] = [];
  private running: Promise<void> | undefined;
  failure: unknown;

  constructor(
    private readonly ctx: AppContext,
    private readonly runId: string,
  ) {}

  add(r: Result): void {
    this.pending.push(r);
    this.running ??= this.loop();
  }

  private async loop(): Promise<void> {
    try {
      while (this.pending.length && !this.failure) {
        const take = this.pending.splice(0, 1000);
        const written = await recordResults(this.ctx.pg, this.runId, take);
        // Fewer rows than results: another run took some over while we sent them (our lease
        // lapsed, e.g. the process stalled for minutes). Worth a look, never silent.
        if (written < take.length)
          this.ctx.log.warn(
            { runId: this.runId, results: take.length, written },
            "reminders: results for rows no longer ours were dropped",
          );
      }
    } catch (err) {
      this.failure = err;
    } finally {
      this.running = undefined;
    }
  }

  async flush(): Promise<void> {
    while (!this.failure && (this.running || this.pending.length)) await (this.running ??= this.loop());
    if (this.failure) throw this.failure;
  }
}

/** Sends one claimed set with at most `concurrency` sends in flight. */
async function sendAll(
  ctx: AppContext,
  runId: string,
  rows: ClaimedRow[],
  o: ReminderOptions,
  counts: BatchCounts,
): Promise<void> {
  const channels = new Channels(ctx);
  const recorder = new Recorder(ctx, runId);
  const todo = rows.filter((r) => r.status === "claimed");
  counts.optedOut += rows.length - todo.length;
  let leaseAt = Date.now();
  let held = new Set(todo.map((r) => r.id));
  let renewing: Promise<void> | undefined;
  let fatal: unknown;
  let pauseUntil = 0;
  let next = 0;

  const renew = async () => {
    const unsent = todo
      .slice(next)
      .map((r) => r.id)
      .filter((id) => held.has(id));
    held = await renewLease(ctx.pg, runId, unsent);
    leaseAt = Date.now();
  };

  const worker = async () => {
    // The database gone (lease or results not writable): stop sending; unrecorded rows stay
    // claimed and the next run after the lease settles them through the duplicate guard.
    while (!fatal && !recorder.failure) {
      try {
        if (Date.now() - leaseAt > o.renewAfterMs)
          await (renewing ??= renew().finally(() => {
            renewing = undefined;
          }));
      } catch (err) {
        fatal ??= err;
        return;
      }
      const row = todo[next++];
      if (!row) return;
      if (!held.has(row.id)) {
        counts.lost++;
        continue;
      }
      const wait = pauseUntil - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      let out: SendOutcome;
      try {
        out = await channels.send(row);
      } catch (err) {
        out = {
          ok: false,
          error: errorText({
            errorClass: "transient",
            code: "UNEXPECTED",
            message: String((err as Error)?.message ?? err),
          }),
        };
      }
      if (out.ok) {
        if (out.alreadySent) counts.alreadySent++;
        else counts.sent++;
        recorder.add({ id: row.id, status: "sent", providerId: out.providerId });
      } else {
        counts.failed++;
        // Twilio asked us to slow down: the whole batch waits (capped), the row is retried next run.
        if (out.retryAfterMs) pauseUntil = Math.max(pauseUntil, Date.now() + Math.min(out.retryAfterMs, 30_000));
        recorder.add({ id: row.id, status: "failed", error: out.error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.concurrency, todo.length)) }, worker));
  await recorder.flush();
  if (fatal) throw fatal;
}

/**
 * Claims and sends everything due in `range` (new reminders of both kinds, then stale claims
 * and failures from earlier runs) in claims of `batchSize`, until nothing is left.
 */
export async function runReminderBatch(
  ctx: AppContext,
  input: { asOfMs: number; range: Range; runId?: string },
  opts: Partial<ReminderOptions> = {},
): Promise<BatchCounts> {
  const o = { ...DEFAULTS, ...opts };
  const runId = input.runId ?? `reminders:${randomUUID()}`;
  const w = windowsAt(input.asOfMs, o);
  const policy: RetryPolicy = { leaseMs: o.leaseMs, maxAttempts: o.maxAttempts, runStartedMs: await dbNowMs(ctx) };
  const counts: BatchCounts = {
    claimed: 0,
    reclaimed: 0,
    sent: 0,
    alreadySent: 0,
    failed: 0,
    optedOut: 0,
    lost: 0,
    expired: 0,
  };
  const sms = await smsAvailable(ctx);

  counts.expired = await expireHopeless(ctx.pg, w, input.range, policy);
  for (;;) {
    const fresh = await claimNew(ctx.pg, w, input.range, { runId, limit: o.batchSize, smsAvailable: sms });
    counts.claimed += fresh.length;
    const again =
      fresh.length < o.batchSize
        ? await reclaim(ctx.pg, w, input.range, { ...policy, runId, limit: o.batchSize - fresh.length })
        : [];
    counts.reclaimed += again.length;
    if (!fresh.length && !again.length) return counts;
    await sendAll(ctx, runId, [...fresh, ...again], o, counts);
  }
}

export const BATCH_JOB = "appointment-reminders-batch";

/** One range of a cron run: claim → send → record (ranges open at either end are null). */
export const reminderBatchJob = defineJob(
  BATCH_JOB,
  z.object({ asOfMs: z.number(), from: z.string().min(1).nullable(), to: z.string().min(1).nullable() }),
  async (ctx, data, job) => {
    // Unique per attempt: a retried job must not inherit the claims of the attempt that died.
    const runId = `${job.id}#${job.attempt}:${randomBytes(4).toString("hex")}`;
    return {
      ...(await runReminderBatch(ctx, { asOfMs: data.asOfMs, range: { from: data.from, to: data.to }, runId })),
    };
  },
);

/** The cron's fan-out: one batch job per range of about `batchSize` appointments with work. */
export async function planReminderJobs(
  ctx: AppContext,
  asOfMs = Date.now(),
  opts: Partial<ReminderOptions> = {},
): Promise<JobSpec[]> {
  const o = { ...DEFAULTS, ...opts };
  const starts = await planRanges(ctx.pg, windowsAt(asOfMs, o), {
    leaseMs: o.leaseMs,
    maxAttempts: o.maxAttempts,
    runStartedMs: await dbNowMs(ctx),
    size: o.batchSize,
  });
  // The first range is open below and the last open above: work that appears between
  // planning and running still falls into some range.
  return starts.map((from, i) =>
    reminderBatchJob.spec({ asOfMs, from: i === 0 ? null : from, to: starts[i + 1] ?? null }),
  );
}
