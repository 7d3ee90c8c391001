// Operation commands: env, migrate, webhooks, smoke, cron, provider, rollback, hypercare, meta, gate.
import type { Command } from "commander";

export function registerOperationCommands(_program: Command): void {}
