// The single-flight batcher behind the webhook acknowledgement path: concurrent callers share
// one write, a failed write fails only its own batch, and every caller gets its own result.
import { describe, expect, it } from "vitest";
import { createBatcher } from "../../service/concurrency/batcher.ts";

const tick = () => new Promise((r) => setTimeout(r, 5));

describe("single-flight batcher", () => {
  it("answers each caller with its own result and shares one write per burst", async () => {
    const writes: number[][] = [];
    const b = createBatcher<number, number>(async (items) => {
      writes.push(items);
      await tick();
      return items.map((n) => n * 10);
    });
    const results = await Promise.all([1, 2, 3].map((n) => b.push(n)));
    expect(results).toEqual([10, 20, 30]);
    expect(writes).toEqual([[1, 2, 3]]);
  });

  it("collects callers arriving during a write into the next write, never two writes at once", async () => {
    let active = 0,
      maxActive = 0;
    const writes: number[][] = [];
    const b = createBatcher<number, number>(async (items) => {
      active++;
      maxActive = Math.max(maxActive, active);
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
    const b = createBatcher<string, string>(async (items) => {
      if (fail) throw new Error("db down");
      return items;
    });
    await expect(Promise.all([b.push("a"), b.push("b")])).rejects.toThrow("db down");
    fail = false;
    expect(await b.push("c")).toBe("c");
  });

  it("splits bursts larger than maxBatch", async () => {
    const sizes: number[] = [];
    const b = createBatcher<number, number>(
      async (items) => {
        sizes.push(items.length);
        return items;
      },
      { maxBatch: 2 },
    );
    await Promise.all([1, 2, 3, 4, 5].map((n) => b.push(n)));
    expect(sizes).toEqual([2, 2, 1]);
  });
});

describe("gathering, and callers that share one promise", () => {
  it("waits gatherMs for company before the first write", async () => {
    const writes: number[][] = [];
    const b = createBatcher<number, number>(
      async (items) => {
        writes.push(items);
        return items;
      },
      { gatherMs: 20 },
    );
    const first = b.push(1);
    await new Promise((r) => setTimeout(r, 5)); // well inside the window: joins the same write
    const second = b.push(2);
    expect(await Promise.all([first, second])).toEqual([1, 2]);
    expect(writes).toEqual([[1, 2]]);
  });

  it("add(): every caller until the flush starts gets the same promise, tracked once per flush", async () => {
    const tracked: Promise<void>[] = [];
    const writes: string[][] = [];
    let release!: () => void;
    const b = createBatcher<string, void>(
      async (items) => {
        writes.push(items);
        if (writes.length === 1)
          await new Promise<void>((r) => {
            release = r;
          });
        return items.map(() => undefined);
      },
      { gatherMs: 5, track: (p) => tracked.push(p) },
    );
    const early = [b.add("a"), b.add("b")];
    await new Promise((r) => setImmediate(r));
    early.push(b.add("c"));
    expect(new Set(early).size).toBe(1);
    await until(() => writes.length === 1);
    // The first write is in flight: later callers share the next flush, not this one.
    const late = [b.add("d"), b.add("e")];
    expect(new Set(late).size).toBe(1);
    expect(late[0]).not.toBe(early[0]);
    release();
    await Promise.all([...early, ...late]);
    expect(writes).toEqual([
      ["a", "b", "c"],
      ["d", "e"],
    ]);
    expect(tracked).toEqual([early[0], late[0]]);
  });

  it("add(): a failed flush rejects its shared promise; push() and add() callers share writes", async () => {
    let fail = true;
    const writes: number[][] = [];
    const b = createBatcher<number, number>(
      async (items) => {
        writes.push(items);
        if (fail) throw new Error("redis down");
        return items;
      },
      { gatherMs: 1 },
    );
    await expect(b.add(1)).rejects.toThrow("redis down");
    fail = false;
    const [pushed] = await Promise.all([b.push(2), b.add(3)]);
    expect(pushed).toBe(2);
    expect(writes).toEqual([[1], [2, 3]]);
  });
});

async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; !ok(); i++) {
    if (i > 200) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
}
