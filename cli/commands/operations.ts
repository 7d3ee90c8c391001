// Operation commands: env, migrate, webhooks, smoke, cron, provider, rollback, hypercare, meta, gate.
// Each lives in its own folder (one file per subcommand); the steps they run are registered
// by id in cli/steps/ for the runbook engine.
import type { Command, CommanderError } from "commander";
import { EXIT } from "../output/exit-codes.ts";
import "../steps/index.ts";
import { registerCron } from "./cron/index.ts";
import { registerEnv } from "./env/index.ts";
import { registerGate } from "./gate/index.ts";
import { registerHypercare } from "./hypercare/index.ts";
import { registerMeta } from "./meta/index.ts";
import { registerMigrate } from "./migrate/index.ts";
import { registerProvider } from "./provider/index.ts";
import { registerRollback } from "./rollback/index.ts";
import { registerSmoke } from "./smoke/index.ts";
import { registerWebhooks } from "./webhooks/index.ts";

/** Commander exits 1 on a usage error; the documented code is 2 (help/version stay 0). */
function usageExit(err: CommanderError): never {
  process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage);
}

function withUsageExit(cmd: Command): void {
  cmd.exitOverride(usageExit);
  for (const sub of cmd.commands) withUsageExit(sub);
}

export function registerOperationCommands(program: Command): void {
  const before = new Set(program.commands);
  registerEnv(program);
  registerMigrate(program);
  registerWebhooks(program);
  registerSmoke(program);
  registerCron(program);
  registerProvider(program);
  registerRollback(program);
  registerHypercare(program);
  registerMeta(program);
  registerGate(program);
  for (const cmd of program.commands) if (!before.has(cmd)) withUsageExit(cmd);
}
