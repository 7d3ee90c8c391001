// The shape every provider's smoke test shares (`tatu smoke <provider>`): named checks run in
// order, each recording ok or the failure in plain words, never an SDK error with secrets in it.
import type { SmokeResult } from "./channel.ts";

/** A check's own finding (e.g. "not granted: pages_messaging"): its message is safe to show as is. */
export class SmokeFinding extends Error {}

export function smokeChecks(describeFailure: (err: unknown) => string) {
  const checks: SmokeResult["checks"] = [];
  /** Runs one check; its optional string result becomes the check's detail. */
  const run = async (name: string, fn: () => Promise<string | undefined | void>): Promise<boolean> => {
    try {
      const detail = await fn();
      checks.push({ name, ok: true, ...(detail ? { detail } : {}) });
      return true;
    } catch (err) {
      checks.push({ name, ok: false, detail: err instanceof SmokeFinding ? err.message : describeFailure(err) });
      return false;
    }
  };
  return {
    checks,
    run,
    /** Check `name` makes what the later checks use (a session); undefined when that failed. */
    async open<S>(name: string, make: () => S): Promise<S | undefined> {
      let made: S | undefined;
      await run(name, async () => {
        made = make();
      });
      return made;
    },
    result(): SmokeResult {
      return { ok: checks.length > 0 && checks.every((c) => c.ok), checks };
    },
  };
}
