// How a sync job (an inbox account's, a calendar connection's) turns a sync outcome into the
// counts it reports, or into the failure the queue acts on.
import { UnrecoverableError } from "./unrecoverable.ts";
import type { ProviderError } from "../providers/kit/errors.ts";
import type { JobCounts } from "./types.ts";

type Unfinished = { status: "busy" } | { status: "inactive" } | { status: "error"; error: ProviderError };

/**
 * Busy (another worker holds the lease) and inactive count, they do not fail. An auth or permanent
 * error cannot get better by retrying (the user must reconnect), so it ends the job; rate limits and
 * transient failures go back to the queue, honouring Retry-After. A finished sync reports `done`.
 */
export function syncJobCounts<R extends Unfinished | { status: "ok" }>(
  r: R,
  done: (ok: Extract<R, { status: "ok" }>) => JobCounts,
): JobCounts {
  const outcome: Unfinished | { status: "ok" } = r;
  if (outcome.status === "busy") return { busy: 1 };
  if (outcome.status === "inactive") return { skipped: 1 };
  if (outcome.status === "error") {
    if (outcome.error.errorClass === "auth" || outcome.error.errorClass === "permanent")
      throw new UnrecoverableError(`${outcome.error.code}: ${outcome.error.message}`);
    throw outcome.error;
  }
  return done(r as Extract<R, { status: "ok" }>);
}
