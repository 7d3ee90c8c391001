// The `tatu` program: global flags, every command (cli/commands/index.ts), and how commander's
// usage errors end (exit 2). cli/main.ts runs it; tests build it to walk the command tree.
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
    // No action at the top: a word that is not a command is commander's "unknown command 'x'"
    // with its "Did you mean …?", at every level (inherited by the commands added below).
    .showHelpAfterError()
    .showSuggestionAfterError()
    .exitOverride(usageExit);
  registerCommands(program);
  return program;
}

/** Bare `tatu` prints help (exit 0); anything else is parsed as given. */
export function argvWithHelp(argv: string[]): string[] {
  return argv.length > 2 ? argv : [...argv, "--help"];
}
