// Every step a runbook item can name (`<!-- step: smoke.gmail -->`), listed here explicitly:
// importing a step module registers nothing. Project-specific steps (and the tests') come from
// the modules named in TATU_STEP_MODULES (comma-separated paths), which add theirs with defineStep.
import path from "node:path";
import { pathToFileURL } from "node:url";
import { launchRolesStep } from "../runbook/builtin-steps.ts";
import { dnsSslStep } from "./dns-ssl.ts";
import { envCheckStep, envVercelStep } from "./env.ts";
import { gateStep } from "./gate.ts";
import { healthReadyStep } from "./health.ts";
import { hypercareStep } from "./hypercare.ts";
import { metaCheckStep } from "./meta.ts";
import { metaItemSteps } from "./meta-items.ts";
import { migrateDeployStep, migrateStatusStep } from "./migrate.ts";
import { rollbackVercelStep } from "./rollback.ts";
import { providerScopeStep } from "./scope-switches.ts";
import { sentryIngestionStep } from "./sentry-ingestion.ts";
import { smokeSteps } from "./smoke.ts";
import { cronStatusStep, cronTriggerSyncStep } from "./cron-status.ts";
import { cronDisableSyncStep, cronEnableAllStep, providerDisableStep, providerEnableStep } from "./switches.ts";
import type { Step } from "./types.ts";
import { webhookSteps } from "./webhooks.ts";

export const builtinSteps: readonly Step[] = [
  launchRolesStep,
  envCheckStep,
  envVercelStep,
  migrateStatusStep,
  migrateDeployStep,
  healthReadyStep,
  dnsSslStep,
  sentryIngestionStep,
  ...Object.values(webhookSteps),
  ...Object.values(smokeSteps),
  cronStatusStep,
  cronTriggerSyncStep,
  cronDisableSyncStep,
  cronEnableAllStep,
  providerDisableStep,
  providerEnableStep,
  providerScopeStep,
  rollbackVercelStep,
  hypercareStep,
  metaCheckStep,
  ...metaItemSteps,
  gateStep,
];

const steps = new Map<string, Step>();

/** Adds a step from a TATU_STEP_MODULES module; an id may be defined once. */
export function defineStep(step: Step): Step {
  if (steps.has(step.id)) throw new Error(`step ${step.id} is defined twice`);
  steps.set(step.id, step);
  return step;
}

for (const step of builtinSteps) defineStep(step);

let loaded: Promise<void> | undefined;

/** Imports the TATU_STEP_MODULES modules (once per process). */
export function loadSteps(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  loaded ??= (async () => {
    for (const mod of (env.TATU_STEP_MODULES ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean))
      await import(pathToFileURL(path.resolve(mod)).href);
  })();
  return loaded;
}

export function findStep(id: string): Step | undefined {
  return steps.get(id);
}

export function allSteps(): Step[] {
  return [...steps.values()];
}
