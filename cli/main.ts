// The `tatu` CLI: the launch runbook as executable steps. Commands arrive with the CLI
// issue; this shell ships the program, its global flags and version.
import { createRequire } from "node:module";
import { Command } from "commander";

const pkg = createRequire(import.meta.url)("../package.json") as { version: string; description: string };

export function buildProgram(): Command {
  return new Command("tatu")
    .description("Tatu launch CLI: env checks, migrations, webhook tests, provider smoke tests, crons, rollback, go/no-go, hypercare, sign-off.")
    .version(pkg.version, "-v, --version", "print the tatu version")
    .option("--json", "machine-readable JSON output (for CI)")
    .option("--url <base>", "base URL of the deployed app", process.env.NEXTAUTH_URL)
    .option("-y, --yes", "answer yes to confirmations (non-interactive)")
    .showHelpAfterError()
    .action(function showHelp(this: Command) {
      this.help(); // bare `tatu` prints help (exit 0)
    });
}

await buildProgram().parseAsync(process.argv);
