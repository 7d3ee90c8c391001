// Where a reminder batch spends its time, phase by phase (claim → render → send → record).
// Returned with the batch's counts, so every job's run record keeps it and the benchmark can
// sum it over a whole cron run. Claims and result writes overlap the sends, so the sums of the
// phases exceed the wall time; the two *Wait figures are the parts on the critical path.

export interface PhaseTimes {
  /** Claim statements (first claims and re-claims): how many, and their summed duration. */
  claimStatements: number;
  claimMs: number;
  /** Senders had nothing to send while a claim was running (always the batch's first claim). */
  claimWaitMs: number;
  /** Rendering texts and emails: CPU on the event loop. */
  renderMs: number;
  /** Provider calls (Twilio, the mailer): summed over sends, several of them in flight at once. */
  sends: number;
  sendMs: number;
  /** Result statements (many results each, written while later sends go on). */
  recordStatements: number;
  recordMs: number;
  /** After the last send: waiting for the last results to be written. */
  recordWaitMs: number;
}

export function noTimes(): PhaseTimes {
  return {
    claimStatements: 0,
    claimMs: 0,
    claimWaitMs: 0,
    renderMs: 0,
    sends: 0,
    sendMs: 0,
    recordStatements: 0,
    recordMs: 0,
    recordWaitMs: 0,
  };
}

/** Whole milliseconds, for the job's run record. */
export function rounded(t: PhaseTimes): PhaseTimes {
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Math.round(v)])) as unknown as PhaseTimes;
}

type MsKey = { [K in keyof PhaseTimes]: K extends `${string}Ms` ? K : never }[keyof PhaseTimes];

/** Runs `fn` and adds its duration to `key`. */
export async function timed<T>(times: PhaseTimes, key: MsKey, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    times[key] += performance.now() - t0;
  }
}
