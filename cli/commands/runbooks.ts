// Runbook commands: runbook list|show|run, launch (incl. --rehearse), log incident.
import type { Command } from "commander";

export function registerRunbookCommands(_program: Command): void {}
