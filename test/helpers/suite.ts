import { afterAll, beforeAll } from "vitest";

export type Closable = { close(): Promise<void> };
/** Registers something started for the suite, to close after it; returns it. */
export type Track = <T extends Closable>(x: T) => T;

/** beforeAll(`start`); what `start` hands to `track` is closed after the suite, newest first
 *  (also when `start` failed half-way). */
export function suiteResources(start: (track: Track) => Promise<void>, timeoutMs?: number): void {
  const open: Closable[] = [];
  const track: Track = (x) => {
    open.unshift(x);
    return x;
  };
  beforeAll(() => start(track), timeoutMs);
  afterAll(async () => {
    for (const x of open) await x.close();
  });
}
