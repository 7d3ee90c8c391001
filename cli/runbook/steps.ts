// Loads every step a runbook may reference: the engine's own (builtin-steps.ts), the operation
// steps registered by cli/steps/index.ts, and extra modules named in TATU_STEP_MODULES
// (comma-separated paths, for project-specific steps and for tests).
import path from "node:path";
import { pathToFileURL } from "node:url";
import { allSteps, findStep } from "../steps/catalog.ts";
import "../steps/index.ts";
import "./builtin-steps.ts";

let loaded: Promise<void> | undefined;

export function loadSteps(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  loaded ??= (async () => {
    for (const mod of (env.TATU_STEP_MODULES ?? "").split(",").map((s) => s.trim()).filter(Boolean))
      await import(pathToFileURL(path.resolve(mod)).href);
  })();
  return loaded;
}

export { allSteps, findStep };
