// The `tatu` CLI: the launch runbook as executable steps. Global flags live here; the commands
// are declared in cli/commands/<command>/command.ts and listed in cli/commands/index.ts.
import { createRequire } from "node:module";
import { Command } from "commander";
import { usageExit } from "./commands/action.ts";
import { registerCommands } from "./commands/index.ts";

const pkg = createRequire(import.meta.url)("../package.json") as { version: string; description: string };

export function buildProgram(): Command {
  const program = new Command("tatu")
    .description(
      "Tatu launch CLI: env checks, migrations, webhook tests, provider smoke tests, crons, rollback, go/no-go, hypercare, sign-off.",
    )
    .version(pkg.version, "-v, --version", "print the tatu version")
    .option("--json", "machine-readable JSON output (for CI)")
    .option("--url <base>", "base URL of the deployed app", process.env.NEXTAUTH_URL)
    .option("-y, --yes", "answer yes to confirmations (non-interactive)")
    .showHelpAfterError()
    .exitOverride(usageExit) // inherited by every command
    .action(function showHelp(this: Command) {
      this.help(); // bare `tatu` prints help (exit 0)
    });
  registerCommands(program);
  return program;
}

await buildProgram().parseAsync(process.argv);
