// One batch job of reminders: a range of appointment ids, claimed chunk by chunk (set-based)
// ahead of the sends (feed.ts), rendered, sent with bounded concurrency and recorded in bulk
// (recorder.ts). The cron plans ranges and enqueues one batch job per range, so several
// workers share a run; any number of runs may overlap, since only a claim lets a run send.
import { randomBytes, randomUUID } from "node:crypto";
import { z } from "zod";
import type { AppContext } from "../context.ts";
import { defineJob } from "../jobs/define.ts";
import type { JobSpec } from "../jobs/types.ts";
import { ClaimFeed } from "./feed.ts";
import { noTimes, rounded, type PhaseTimes } from "./profile.ts";
import { Recorder } from "./recorder.ts";
import { Slots } from "./slots.ts";
import { Channels, errorText, render, twilioConfigured, type SendOutcome } from "./send.ts";
import {
  claimNew,
  expireHopeless,
  planRanges,
  reclaim,
  renewLease,
  type ClaimedRow,
  type Range,
  type RetryPolicy,
  type Windows,
} from "./sql.ts";

const HOUR = 3600_000;
/** Rows in a batch job's first claim (see runReminderBatch). */
const FIRST_CLAIM = 64;

export interface ReminderOptions {
  /** Rows claimed per statement. */
  batchSize: number;
  /** Appointments per batch job (one fan-out range): several claims each, so the fixed cost of
   *  a job (its run record, lookups, the last empty claim) is paid per few thousand reminders. */
  rangeSize: number;
  /** Texts in flight at once per batch job (Twilio API calls). */
  concurrency: number;
  /** Emails in flight at once per batch job. Cheap to have many: the dev outbox writes the mails
   *  handed over together in one statement, SMTP queues them on its pooled connections. */
  mailConcurrency: number;
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
  rangeSize: 5000,
  concurrency: 48,
  mailConcurrency: 200,
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

/** `range` cut at `splits` (ids inside it, ascending); no parts without splits. */
function partsOf(range: Range, splits: string[]): Range[] {
  const bounds = [range.from, ...splits, range.to];
  return splits.length ? bounds.slice(0, -1).map((from, i) => ({ from, to: bounds[i + 1] ?? null })) : [];
}

/** A send that threw instead of answering (a bug, not a provider's refusal): retried next run. */
function unexpected(err: unknown): SendOutcome {
  return {
    ok: false,
    error: errorText({ errorClass: "transient", code: "UNEXPECTED", message: String((err as Error)?.message ?? err) }),
  };
}

/** Sends everything the feed hands out, at most `concurrency` texts and `mailConcurrency` emails
 *  at a time; one failing send is recorded `failed` and the others go on. */
async function sendAll(
  ctx: AppContext,
  feed: ClaimFeed,
  recorder: Recorder,
  o: ReminderOptions,
  counts: BatchCounts,
  times: PhaseTimes,
): Promise<void> {
  const channels = new Channels(ctx);
  const sms = Math.max(1, o.concurrency);
  const email = Math.max(1, o.mailConcurrency);
  const slots = { sms: new Slots(sms), email: new Slots(email) };
  let fatal: unknown;
  let pauseUntil = 0;

  const sender = async () => {
    // The database gone (claims, leases or results not writable): stop sending; unrecorded
    // rows stay claimed and the next run after the lease settles them through the duplicate guard.
    while (!fatal && !recorder.failure) {
      let row: ClaimedRow | undefined;
      try {
        row = await feed.next();
      } catch (err) {
        fatal ??= err;
        return;
      }
      if (!row) return;
      const wait = pauseUntil - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      let out: SendOutcome;
      const slot = slots[row.channel];
      await slot.take();
      const t0 = performance.now();
      try {
        const message = render(row);
        const t1 = performance.now();
        times.renderMs += t1 - t0;
        try {
          out = await channels.send(row, message);
        } finally {
          times.sendMs += performance.now() - t1;
          times.sends++;
        }
      } catch (err) {
        out = unexpected(err);
      } finally {
        slot.give();
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
  // As many senders as both channels' slots: a sender holding a text that waits for a slot
  // leaves the others free to send email.
  await Promise.all(Array.from({ length: sms + email }, sender));
  const t0 = performance.now();
  try {
    await recorder.flush();
  } finally {
    times.recordWaitMs += performance.now() - t0;
  }
  if (fatal) throw fatal;
}

/**
 * Claims and sends everything due in `range` (new reminders of both kinds, then stale claims
 * and failures from earlier runs) in claims of `batchSize`, until nothing is left.
 */
export async function runReminderBatch(
  ctx: AppContext,
  input: { asOfMs: number; range: Range; splits?: string[]; runId?: string },
  opts: Partial<ReminderOptions> = {},
): Promise<BatchCounts & PhaseTimes> {
  const o = { ...DEFAULTS, ...opts };
  const runId = input.runId ?? `reminders:${randomUUID()}`;
  const w = windowsAt(input.asOfMs, o);
  const [runStartedMs, sms] = await Promise.all([dbNowMs(ctx), smsAvailable(ctx)]);
  const policy: RetryPolicy = { leaseMs: o.leaseMs, maxAttempts: o.maxAttempts, runStartedMs };
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
  const times = noTimes();
  // Alongside the claims: the rows it gives up on (attempts used up, too late) are never ones a
  // claim takes (those need attempts left and a message still worth sending), and each
  // statement re-checks its condition on the rows it locks.
  const expiring = expireHopeless(ctx.pg, w, input.range, policy);
  expiring.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile

  // One claim: new reminders first, part by part (`splits` cut the range into parts of about one
  // claim each, so a statement looks at one part, not at everything left of the range); then,
  // over the whole range, new ones that turned up behind us, stale claims and earlier failures.
  // The first claim of a job is small, so the senders start within one short statement (the
  // next, full-size claim runs while they send).
  const parts = partsOf(input.range, input.splits ?? []);
  let part = 0;
  let limit = Math.min(o.batchSize, FIRST_CLAIM);
  const claim = async (): Promise<ClaimedRow[]> => {
    const n = limit;
    limit = o.batchSize;
    const inPart = part < parts.length;
    const fresh = await claimNew(ctx.pg, w, inPart ? parts[part]! : input.range, {
      runId,
      limit: n,
      smsAvailable: sms,
    });
    times.claimStatements++;
    counts.claimed += fresh.length;
    if (fresh.length >= n) return fresh;
    if (inPart) {
      part++; // this part has no new ones left
      return fresh.length ? fresh : claim();
    }
    const again = await reclaim(ctx.pg, w, input.range, { ...policy, runId, limit: n - fresh.length });
    times.claimStatements++;
    counts.reclaimed += again.length;
    return again.length ? [...fresh, ...again] : fresh;
  };
  const feed = new ClaimFeed({
    claim,
    renew: (ids) => renewLease(ctx.pg, runId, ids),
    lowWater: Math.max(o.concurrency + o.mailConcurrency, o.batchSize),
    renewAfterMs: o.renewAfterMs,
    times,
    onSkipped: (n) => (counts.optedOut += n),
    onLost: (n) => (counts.lost += n),
  });
  await sendAll(ctx, feed, new Recorder(ctx, runId, times), o, counts, times);
  counts.expired = await expiring;
  return { ...counts, ...rounded(times) };
}

export const BATCH_JOB = "appointment-reminders-batch";

// One batch job at a time per process (per service context). A batch is already parallel inside
// (claims ahead of the sends, `concurrency` texts and `mailConcurrency` emails in flight); two in
// one process (a worker's job concurrency) only split its CPU and database connections between
// two sets of claims, senders and result writes: measured with 2 worker processes × 2 jobs, claims
// took ~4× as long and the run ~3× (bench/RESULTS-reminders.md). Other job kinds keep the
// worker's slots; a second batch waits here, in arrival order, and more processes still share
// a run.
const batchGates = new WeakMap<AppContext, Slots>();
function batchGate(ctx: AppContext): Slots {
  let g = batchGates.get(ctx);
  if (!g) batchGates.set(ctx, (g = new Slots(1)));
  return g;
}

/** One range of a cron run: claim → send → record (ranges open at either end are null). */
export const reminderBatchJob = defineJob(
  BATCH_JOB,
  z.object({
    asOfMs: z.number(),
    from: z.string().min(1).nullable(),
    to: z.string().min(1).nullable(),
    /** Where the range is cut into parts of about one claim (absent from jobs of older releases). */
    splits: z.array(z.string().min(1)).max(1000).optional(),
  }),
  async (ctx, data, job) => {
    // Unique per attempt: a retried job must not inherit the claims of the attempt that died.
    const runId = `${job.id}#${job.attempt}:${randomBytes(4).toString("hex")}`;
    const range = { from: data.from, to: data.to };
    const gate = batchGate(ctx);
    await gate.take();
    try {
      return { ...(await runReminderBatch(ctx, { asOfMs: data.asOfMs, range, splits: data.splits, runId })) };
    } finally {
      gate.give();
    }
  },
);

/** The cron's fan-out: one batch job per range of about `rangeSize` appointments with work,
 *  each cut into parts of about `batchSize`. */
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
  const perJob = Math.max(1, Math.round(o.rangeSize / o.batchSize));
  const jobs: JobSpec[] = [];
  // The first range is open below and the last open above: work that appears between
  // planning and running still falls into some range.
  for (let i = 0; i < starts.length; i += perJob)
    jobs.push(
      reminderBatchJob.spec({
        asOfMs,
        from: i === 0 ? null : starts[i]!,
        to: starts[i + perJob] ?? null,
        splits: starts.slice(i + 1, i + perJob),
      }),
    );
  return jobs;
}
