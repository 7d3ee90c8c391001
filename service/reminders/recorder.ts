// A batch's results, written in bulk shortly after they are known: one statement at a time,
// each carrying every result that arrived meanwhile. A statement is one commit, and on
// PostgreSQL's side the commit (WAL flush) costs more than updating a few dozen rows, so results
// gather for up to GATHER_MS (or until MIN_PER_STATEMENT are waiting) before a write starts.
// The price is a slightly wider crash window between "handed to the provider" and "recorded"
// (see send.ts: the next run's duplicate guard covers it for Twilio and the dev outbox).
import type { AppContext } from "../context.ts";
import type { PhaseTimes } from "./profile.ts";
import { recordResults, type Result } from "./sql.ts";

const GATHER_MS = 100;
const MIN_PER_STATEMENT = 500;
/** Most results one statement writes. */
const MAX_PER_STATEMENT = 2000;

export class Recorder {
  private pending: Result[] = [];
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** The current loop has written once (the first statement of a loop never waits for more). */
  private wrote = false;
  /** flush() called: write whatever is there, no more gathering. */
  private draining = false;
  failure: unknown;

  constructor(
    private readonly ctx: AppContext,
    private readonly runId: string,
    private readonly times: PhaseTimes,
  ) {}

  add(r: Result): void {
    this.pending.push(r);
    this.kick();
  }

  /** Starts a write now if enough results wait, else once the first of them is GATHER_MS old. */
  private kick(): void {
    if (this.running || this.failure) return;
    if (this.pending.length >= MIN_PER_STATEMENT) this.start();
    else this.timer ??= setTimeout(() => this.start(), GATHER_MS);
  }

  private start(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.running ??= this.loop();
  }

  private async loop(): Promise<void> {
    try {
      // Back to back while results keep coming in numbers; a few left over wait for company.
      while (
        this.pending.length &&
        !this.failure &&
        (this.draining || this.pending.length >= MIN_PER_STATEMENT || !this.wrote)
      ) {
        this.wrote = true;
        const take = this.pending.splice(0, MAX_PER_STATEMENT);
        const t0 = performance.now();
        const written = await recordResults(this.ctx.pg, this.runId, take);
        this.times.recordMs += performance.now() - t0;
        this.times.recordStatements++;
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
      this.wrote = false;
      if (this.pending.length && !this.draining) this.kick();
    }
  }

  /** Writes everything added so far; rejects if a write failed. */
  async flush(): Promise<void> {
    this.draining = true;
    while (!this.failure && (this.running || this.pending.length)) {
      this.start();
      await this.running;
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.failure) throw this.failure;
  }
}
