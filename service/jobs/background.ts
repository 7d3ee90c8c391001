// Work a request starts but does not wait for (inline mode: a first sync after connecting,
// webhook processing after the acknowledgement). Shutdown waits for it, bounded, so a
// graceful stop never cuts a transaction in half.
export interface Background {
  run(task: Promise<unknown>): void;
  /** Resolves when every running task settled, or after timeoutMs. */
  drain(timeoutMs?: number): Promise<void>;
}

export function createBackground(onError: (err: unknown) => void): Background {
  const running = new Set<Promise<unknown>>();
  return {
    run(task) {
      const tracked = task.catch(onError).finally(() => running.delete(tracked));
      running.add(tracked);
    },
    async drain(timeoutMs = 10_000) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...running]),
        new Promise((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
          timer.unref();
        }),
      ]);
      clearTimeout(timer);
    },
  };
}
