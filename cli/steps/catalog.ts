// Every step the CLI can run, by id. Command modules register theirs at import time;
// runbook items reference these ids (`<!-- step: smoke.gmail -->`).
import type { Step } from "./types.ts";

const steps = new Map<string, Step>();

export function defineStep(step: Step): Step {
  if (steps.has(step.id)) throw new Error(`step ${step.id} is defined twice`);
  steps.set(step.id, step);
  return step;
}

export function findStep(id: string): Step | undefined {
  return steps.get(id);
}

export function allSteps(): Step[] {
  return [...steps.values()];
}
