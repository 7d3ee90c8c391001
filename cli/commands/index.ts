// Every command of `tatu`, in the order help lists them. Each is declared in
// cli/commands/<command>/command.ts; its subcommands' actions live next to it, one file each.
import type { Command } from "commander";
import { cronCommand } from "./cron/command.ts";
import { envCommand } from "./env/command.ts";
import { gateCommand } from "./gate/command.ts";
import { hypercareCommand } from "./hypercare/command.ts";
import { launchCommand } from "./launch/command.ts";
import { logCommand } from "./log/command.ts";
import { metaCommand } from "./meta/command.ts";
import { migrateCommand } from "./migrate/command.ts";
import { providerCommand } from "./provider/command.ts";
import { rollbackCommand } from "./rollback/command.ts";
import { runbookCommand } from "./runbook/command.ts";
import { smokeCommand } from "./smoke/command.ts";
import { addCommand, type CommandSpec } from "./spec.ts";
import { webhooksCommand } from "./webhooks/command.ts";

export const commands: readonly CommandSpec[] = [
  envCommand,
  migrateCommand,
  webhooksCommand,
  smokeCommand,
  cronCommand,
  providerCommand,
  rollbackCommand,
  hypercareCommand,
  metaCommand,
  gateCommand,
  runbookCommand,
  launchCommand,
  logCommand,
];

export function registerCommands(program: Command): void {
  for (const spec of commands) addCommand(program, spec);
}
