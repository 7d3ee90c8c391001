// Claimed rows on their way to the senders. Claims run ahead of the sends: once no more than
// `lowWater` rows are left, the next claim statement starts while the senders keep going, so a
// batch does not stop to claim between chunks (nor wait for a chunk's slowest send before the
// next). One claim runs at a time, so at most about two chunks are claimed and unsent: what a
// crash leaves for the next run after the lease, as before.
//
// Leases: a row waits here for about one claim's time, far inside its lease; should rows grow
// older than `renewAfterMs` (a stalled process, slow sends), every waiting row's lease is renewed
// before the next one is handed out, and rows someone else took over meanwhile are dropped
// (counted `lost`) — never sent.
import type { PhaseTimes } from "./profile.ts";
import type { ClaimedRow } from "./sql.ts";

interface Chunk {
  rows: ClaimedRow[];
  next: number;
  /** Local time just before the statement that claimed (or last renewed) these rows. */
  at: number;
}

export interface FeedOptions {
  /** The next claim of the range; [] when nothing is left. */
  claim: () => Promise<ClaimedRow[]>;
  /** Renews the lease of `ids`; answers the ids still ours. */
  renew: (ids: string[]) => Promise<Set<string>>;
  lowWater: number;
  renewAfterMs: number;
  times: PhaseTimes;
  /** Opted-out rows come back from a claim already `skipped`: counted, never handed out. */
  onSkipped: (n: number) => void;
  onLost: (n: number) => void;
}

export class ClaimFeed {
  private chunks: Chunk[] = [];
  private waiting = 0;
  private claiming: Promise<void> | undefined;
  private renewing: Promise<void> | undefined;
  private exhausted = false;
  private starvedAt: number | undefined;
  private failure: unknown;

  constructor(private readonly o: FeedOptions) {}

  /** The next row to send; undefined once the range has nothing left. Throws if a claim or a
   *  lease renewal failed (the database is gone: stop sending). */
  async next(): Promise<ClaimedRow | undefined> {
    let renewed = false;
    for (;;) {
      // Nothing is handed out while leases are being renewed: the row might not be ours any more.
      if (this.renewing) {
        await this.renewing;
        renewed = true;
        continue;
      }
      if (this.failure) throw this.failure;
      if (!this.exhausted && this.waiting <= this.o.lowWater) this.claimMore();
      const first = this.chunks[0];
      // Once per call at most: with renewAfterMs 0 every row is renewed right before its send.
      if (!renewed && first && Date.now() - first.at > this.o.renewAfterMs) {
        this.renewAll();
        continue;
      }
      const row = this.take();
      if (row) return row;
      if (!this.claiming) return undefined;
      this.starvedAt ??= performance.now();
      await this.claiming;
    }
  }

  private take(): ClaimedRow | undefined {
    const c = this.chunks[0];
    if (!c) return undefined;
    const row = c.rows[c.next++]!;
    if (c.next === c.rows.length) this.chunks.shift();
    this.waiting--;
    return row;
  }

  private push(rows: ClaimedRow[], at: number, front = false): void {
    if (!rows.length) return;
    const chunk = { rows, next: 0, at };
    if (front) this.chunks.unshift(chunk);
    else this.chunks.push(chunk);
    this.waiting += rows.length;
  }

  private claimMore(): void {
    this.claiming ??= (async () => {
      const at = Date.now();
      const t0 = performance.now();
      try {
        const rows = await this.o.claim();
        if (!rows.length) this.exhausted = true;
        const todo = rows.filter((r) => r.status === "claimed");
        if (todo.length < rows.length) this.o.onSkipped(rows.length - todo.length);
        this.push(todo, at);
      } catch (err) {
        this.failure ??= err;
      } finally {
        const now = performance.now();
        this.o.times.claimMs += now - t0;
        if (this.starvedAt !== undefined) this.o.times.claimWaitMs += now - this.starvedAt;
        this.starvedAt = undefined;
        this.claiming = undefined;
      }
    })();
  }

  private renewAll(): void {
    this.renewing ??= (async () => {
      const old = this.chunks.splice(0);
      const rows = old.flatMap((c) => c.rows.slice(c.next));
      this.waiting -= rows.length;
      const at = Date.now();
      try {
        const held = await this.o.renew(rows.map((r) => r.id));
        const kept = rows.filter((r) => held.has(r.id));
        if (kept.length < rows.length) this.o.onLost(rows.length - kept.length);
        this.push(kept, at, true); // ahead of chunks claimed meanwhile: they are older
      } catch (err) {
        this.failure ??= err;
      } finally {
        this.renewing = undefined;
      }
    })();
  }
}
