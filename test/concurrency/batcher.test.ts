// The single-flight batcher behind the webhook acknowledgement path: concurrent callers share
// one write, a failed write fails only its own batch, and every caller gets its own result.
import { describe, expect, it } from "vitest";
import { createBatcher } from "../../service/concurrency/batcher.ts";

const tick = () => new Promise((r) => setTimeout(r, 5));

describe("single-flight batcher", () => {
  it("answers each caller with its own result and shares one write per burst", async () => {
    const writes: number[][] = [];
    const b = createBatcher<number, number>(async (items) => { writes.push(items); await tick(); return items.map((n) => n * 10); });
    const results = await Promise.all([1, 2, 3].map((n) => b.push(n)));
    expect(results).toEqual([10, 20, 30]);
    expect(writes).toEqual([[1, 2, 3]]);
  });

  it("collects callers arriving during a write into the next write, never two writes at once", async () => {
    let active = 0, maxActive = 0;
    const writes: number[][] = [];
    const b = createBatcher<number, number>(async (items) => {
      active++; maxActive = Math.max(maxActive, active);
      writes.push(items);
      await tick();
      active--;
      return items;
    });
    const first = b.push(1);
    await new Promise((r) => setImmediate(r)); // the first write is now in flight
    const later = [2, 3, 4].map((n) => b.push(n));
    expect(await Promise.all([first, ...later])).toEqual([1, 2, 3, 4]);
    expect(writes).toEqual([[1], [2, 3, 4]]);
    expect(maxActive).toBe(1);
  });

  it("rejects only the callers of a failed write; the next burst succeeds", async () => {
    let fail = true;
    const b = createBatcher<string, string>(async (items) => { if (fail) throw new Error("db down"); return items; });
    await expect(Promise.all([b.push("a"), b.push("b")])).rejects.toThrow("db down");
    fail = false;
    expect(await b.push("c")).toBe("c");
  });

  it("splits bursts larger than maxBatch", async () => {
    const sizes: number[] = [];
    const b = createBatcher<number, number>(async (items) => { sizes.push(items.length); return items; }, { maxBatch: 2 });
    await Promise.all([1, 2, 3, 4, 5].map((n) => b.push(n)));
    expect(sizes).toEqual([2, 2, 1]);
  });
});
