// Steps with params: a step whose input does not come from its context (a runbook item
// names only a step id) reads it from its environment or from a person's choice (StepChoice,
// ctx.choices), and a zod schema checks it before the step runs; a bad value is the step's
// failure, in the schema's own words.
import type { z } from "zod";
import { fail } from "./results.ts";
import type { Step, StepContext, StepResult } from "./types.ts";

export interface StepWithParams<P> extends Omit<Step, "run" | "params"> {
  params: z.ZodType<P>;
  /** The raw params, e.g. `{ provider: ctx.choices?.provider }`. */
  readParams(ctx: StepContext): unknown;
  run(ctx: StepContext, params: P): Promise<StepResult>;
}

export function stepWithParams<P>({ params, readParams, run, ...step }: StepWithParams<P>): Step {
  return {
    ...step,
    params,
    run: async (ctx) => {
      const parsed = params.safeParse(readParams(ctx));
      return parsed.success ? run(ctx, parsed.data) : fail(parsed.error.issues.map((i) => i.message).join("; "));
    },
  };
}
