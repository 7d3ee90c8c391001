// Single-flight micro-batching: callers arriving while a flush is in flight wait for the next
// one, so under load N concurrent requests cost one round trip, not N, and when idle a lone
// request flushes on the next tick. Used where every request needs the same kind of write
// (webhook rows into PostgreSQL, their jobs into Redis) before it can be acknowledged.

export interface Batcher<T, R> {
  /** Resolves with this item's result once the batch holding it has been written. */
  push(item: T): Promise<R>;
}

/** `run` gets the items of one batch and answers one result per item, in order. */
export function createBatcher<T, R>(run: (items: T[]) => Promise<R[]>, opts: { maxBatch?: number } = {}): Batcher<T, R> {
  const maxBatch = opts.maxBatch ?? 500;
  let pending: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  let inFlight = false;
  let scheduled = false;

  const flush = async (): Promise<void> => {
    scheduled = false;
    if (inFlight || !pending.length) return;
    inFlight = true;
    const batch = pending.slice(0, maxBatch);
    pending = pending.slice(batch.length);
    try {
      const results = await run(batch.map((b) => b.item));
      batch.forEach((b, i) => b.resolve(results[i]!));
    } catch (err) {
      for (const b of batch) b.reject(err);
    } finally {
      inFlight = false;
      if (pending.length) schedule();
    }
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => void flush());
  };

  return {
    push(item: T): Promise<R> {
      return new Promise<R>((resolve, reject) => {
        pending.push({ item, resolve, reject });
        if (!inFlight) schedule();
      });
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
