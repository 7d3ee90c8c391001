// What every operation command shares: global flags → mode, the environment (with
// --env-file), secret masking, the operator, confirmations, and one place that turns the
// outcome (or a CliExit) into output + exit code.
import type { Command } from "commander";
import { confirm } from "@inquirer/prompts";
import { CliExit, EXIT } from "../output/exit-codes.ts";
import { detectMode, type OutputMode } from "../output/mode.ts";
import { installSecretMasking } from "../output/mask.ts";
import { printError, printOutcome, type Outcome, type ReportedStep } from "../output/print.ts";
import { cliEnvironment, envValue, operatorOf, secretsIn } from "../environment.ts";
import type { Step, StepContext } from "../steps/types.ts";

export interface GlobalOptions { json?: boolean; url?: string; yes?: boolean; envFile?: string }

export class CommandRun {
  readonly mode: OutputMode;
  readonly env: NodeJS.ProcessEnv;
  readonly operator: string;
  constructor(readonly name: string, readonly opts: GlobalOptions & Record<string, unknown>) {
    this.env = cliEnvironment(opts.envFile);
    this.mode = detectMode(opts, this.env);
    this.operator = operatorOf(this.env);
    installSecretMasking(secretsIn(this.env));
  }

  /** --url, else NEXTAUTH_URL (from the env or --env-file). */
  get baseUrl(): string {
    const url = this.opts.url ?? envValue(this.env, "NEXTAUTH_URL");
    if (!url) throw new CliExit(EXIT.usage, "no target: pass --url <base> (or set NEXTAUTH_URL).");
    if (!URL.canParse(url) || !/^https?:/.test(url)) throw new CliExit(EXIT.usage, `--url must be an http(s) URL, got "${url}".`);
    return url.replace(/\/+$/, "");
  }

  stepContext(baseUrl = this.opts.url ?? envValue(this.env, "NEXTAUTH_URL") ?? ""): StepContext {
    return {
      baseUrl: baseUrl.replace(/\/+$/, ""),
      env: this.env,
      mode: this.mode,
      operator: this.operator,
      progress: (line) => {
        if (!this.mode.json) process.stderr.write(`  … ${line}\n`);
      },
    };
  }

  /** One --yes covers every confirmation; without a TTY and without --yes it is a usage error (2). */
  async confirm(message: string): Promise<boolean> {
    if (this.mode.yes) return true;
    if (!this.mode.interactive) throw new CliExit(EXIT.usage, `"${message}" needs a confirmation: run it in a terminal or pass --yes.`);
    return confirm({ message, default: false });
  }
}

export async function runStep(step: Step, ctx: StepContext): Promise<ReportedStep> {
  const started = Date.now();
  let result;
  try {
    result = await step.run(ctx);
  } catch (err) {
    result = { ok: false, summary: `error: ${(err as Error).message.split("\n")[0]}` };
  }
  return { id: step.id, title: step.title, ...result, durationMs: Date.now() - started };
}

/**
 * Wraps a command body: the outcome is printed (JSON or lines) and becomes the exit code;
 * a CliExit prints its message (as JSON with --json) and exits with its code.
 */
export function operation(name: string, body: (run: CommandRun, args: string[]) => Promise<Outcome>) {
  return async function action(this: Command, ...all: unknown[]): Promise<void> {
    const command = all.at(-1) as Command;
    const args = all.slice(0, -2).flat().filter((a): a is string => typeof a === "string");
    const opts = command.optsWithGlobals() as GlobalOptions & Record<string, unknown>;
    let run: CommandRun | undefined;
    let code: number;
    try {
      run = new CommandRun(name, opts);
      const outcome = await body(run, args);
      printOutcome(run.mode, outcome);
      code = outcome.exitCode;
    } catch (err) {
      const mode = run?.mode ?? detectMode(opts);
      if (err instanceof CliExit) {
        printError(mode, name, err.code, err.message);
        code = err.code;
      } else if ((err as Error)?.name === "ExitPromptError") {
        printError(mode, name, EXIT.usage, "cancelled at the prompt");
        code = EXIT.usage;
      } else {
        printError(mode, name, EXIT.failed, (err as Error).message);
        code = EXIT.failed;
      }
    }
    // Exit now: open handles (Redis, sockets) must not keep a finished command alive.
    process.exit(code);
  };
}
