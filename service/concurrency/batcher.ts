// Single-flight micro-batching: callers arriving while a flush is in flight wait for the next
// one, so under load N concurrent requests cost one round trip, not N, and when idle a lone
// request flushes on the next tick (or after `gatherMs`). Used where every request needs the
// same kind of write: webhook rows into PostgreSQL before the ack, their jobs into Redis after it.

export interface Batcher<T, R> {
  /** Resolves with this item's result once the batch holding it has been written. */
  push(item: T): Promise<R>;
  /** For callers that need no result of their own: every caller until the next flush starts
   *  gets the same promise, settled once the flushes carrying those items are done (rejected
   *  if one failed). */
  add(item: T): Promise<void>;
}

export interface BatcherOptions {
  /** Most items one run gets (default 500). */
  maxBatch?: number;
  /** How long the first item of a batch waits for company (default 0: the next tick). */
  gatherMs?: number;
  /** Called once per shared promise add() hands out (e.g. so graceful shutdown waits for it). */
  track?: (flushed: Promise<void>) => void;
}

/** ok: value is the item's result; otherwise the batch's error. */
type Settle = (ok: boolean, value: unknown) => void;

/** The callers of add() between two flush starts, and how many of their items are not written yet. */
interface Wave {
  flushed: Promise<void>;
  open: number;
  failed: boolean;
  error?: unknown;
  settle: Settle;
}

/** `run` gets the items of one batch and answers one result per item, in order. */
export function createBatcher<T, R>(run: (items: T[]) => Promise<R[]>, opts: BatcherOptions = {}): Batcher<T, R> {
  const maxBatch = opts.maxBatch ?? 500;
  const gatherMs = opts.gatherMs ?? 0;
  let pending: { item: T; settle: Settle }[] = [];
  let wave: Wave | undefined;
  let inFlight = false;
  let scheduled = false;

  const flush = async (): Promise<void> => {
    scheduled = false;
    if (inFlight || !pending.length) return;
    inFlight = true;
    wave = undefined; // add() calls from now on share the next flush
    const batch = pending.slice(0, maxBatch);
    pending = pending.slice(batch.length);
    try {
      const results = await run(batch.map((b) => b.item));
      batch.forEach((b, i) => b.settle(true, results[i]));
    } catch (err) {
      for (const b of batch) b.settle(false, err);
    } finally {
      inFlight = false;
      if (pending.length) schedule();
    }
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    if (gatherMs > 0) setTimeout(() => void flush(), gatherMs);
    else setImmediate(() => void flush());
  };
  const enqueue = (item: T, settle: Settle) => {
    pending.push({ item, settle });
    if (!inFlight) schedule();
  };

  return {
    push(item: T): Promise<R> {
      return new Promise<R>((resolve, reject) =>
        enqueue(item, (ok, value) => (ok ? resolve(value as R) : reject(value))),
      );
    },
    add(item: T): Promise<void> {
      if (!wave) {
        let resolve!: () => void, reject!: (err: unknown) => void;
        const w: Wave = {
          flushed: new Promise<void>((res, rej) => {
            resolve = res;
            reject = rej;
          }),
          open: 0,
          failed: false,
          settle: (ok, value) => {
            if (!ok && !w.failed) {
              w.failed = true;
              w.error = value;
            }
            if (--w.open === 0) w.failed ? reject(w.error) : resolve();
          },
        };
        wave = w;
        opts.track?.(w.flushed);
      }
      wave.open++;
      enqueue(item, wave.settle);
      return wave.flushed;
    },
  };
}

/** One batcher per key (e.g. per app context), created on first use. */
export function batcherPer<K extends object, T, R>(make: (key: K) => Batcher<T, R>): (key: K) => Batcher<T, R> {
  const all = new WeakMap<K, Batcher<T, R>>();
  return (key) => {
    let b = all.get(key);
    if (!b) all.set(key, (b = make(key)));
    return b;
  };
}
