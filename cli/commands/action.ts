// The one path every command's action takes: the Invocation is built from the global flags,
// the body runs, its outcome is printed (or it printed itself and returned the exit code), and
// whatever it threw becomes an exit code and one error line (a JSON document with --json).
import type { Command, CommanderError } from "commander";
import { EXIT, exitFor } from "../output/exit-codes.ts";
import { detectMode } from "../output/mode.ts";
import { printError, printOutcome, type Outcome } from "../output/print.ts";
import { Invocation, type GlobalOptions } from "./invocation.ts";

/** A command's work: an Outcome to print, or the exit code when it printed its own output. */
export type CommandBody = (run: Invocation, args: string[]) => Promise<Outcome | number>;

export function commandAction(name: string, load: () => Promise<CommandBody>) {
  return async function action(this: Command, ...all: unknown[]): Promise<void> {
    const command = all.at(-1) as Command;
    const args = all
      .slice(0, -2)
      .flat()
      .filter((a): a is string => typeof a === "string");
    const opts = command.optsWithGlobals() as GlobalOptions & Record<string, unknown>;
    let run: Invocation | undefined;
    let code: number;
    try {
      run = new Invocation(name, opts);
      const result = await (await load())(run, args);
      if (typeof result === "number") code = result;
      else {
        printOutcome(run.mode, result);
        code = result.exitCode;
      }
    } catch (err) {
      const failure = exitFor(err);
      printError(run?.mode ?? detectMode(opts), name, failure.code, failure.message);
      code = failure.code;
    }
    // Exit now: open handles (Redis, sockets) must not keep a finished command alive.
    process.exit(code);
  };
}

/** Commander exits 1 on a usage error; the documented code is 2 (help/version stay 0). With
 *  --json, CI still gets its one JSON document on stdout (commander's text stays on stderr). */
export function usageExit(err: CommanderError): never {
  if (err.exitCode === 0) process.exit(EXIT.ok);
  if (process.argv.includes("--json"))
    printError(detectMode({ json: true }), "tatu", EXIT.usage, err.message.replace(/^error: /, ""));
  process.exit(EXIT.usage);
}
