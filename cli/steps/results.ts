// Building StepResults, and turning a set of them into the CLI's exit code.
import { EXIT, type ExitCode } from "../output/exit-codes.ts";
import type { StepResult } from "./types.ts";
import { Unreachable } from "../clients/http.ts";

export const pass = (summary: string, details?: unknown): StepResult => ({
  ok: true,
  summary,
  ...(details !== undefined && { details }),
});
export const fail = (summary: string, details?: unknown): StepResult => ({
  ok: false,
  summary,
  ...(details !== undefined && { details }),
});

/** Runs a step body; a target that cannot be reached becomes `unreachable` (exit 3), not a crash. */
export async function guarded(body: () => Promise<StepResult>): Promise<StepResult> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof Unreachable) return { ok: false, unreachable: true, summary: err.message };
    return { ok: false, summary: `error: ${(err as Error).message.split("\n")[0]}` };
  }
}

/** Unreachable (3) before a failure (1) before "only a person could finish this" (2). */
export function exitCodeOf(results: StepResult[]): ExitCode {
  if (results.some((r) => r.unreachable)) return EXIT.unreachable;
  if (results.some((r) => !r.ok && !r.needsPerson)) return EXIT.failed;
  return results.every((r) => r.ok) ? EXIT.ok : EXIT.usage;
}
