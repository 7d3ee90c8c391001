// Importing this module registers every operation step (the runbook engine imports it too).
export * from "./env.ts";
export * from "./migrate.ts";
export * from "./health.ts";
export * from "./webhooks.ts";
export * from "./smoke.ts";
export * from "./switches.ts";
export * from "./rollback.ts";
export * from "./hypercare.ts";
export * from "./meta.ts";
export * from "./gate.ts";
export { recordIncident, launchDir } from "./incidents.ts";
