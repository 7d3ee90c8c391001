// Registers every command on the program: operations (env, migrate, webhooks, smoke, cron,
// provider, rollback, hypercare, meta, gate) and runbooks (runbook, launch, log).
import type { Command } from "commander";
import { registerOperationCommands } from "./operations.ts";
import { registerRunbookCommands } from "./runbooks.ts";

export function registerCommands(program: Command): void {
  registerOperationCommands(program);
  registerRunbookCommands(program);
}
