// One invocation of the CLI: the global flags (--json, --url, --yes, --env-file) turned into
// the output mode, the environment (with --env-file merged over it), secret masking, the
// operator, confirmations and the context steps run with.
import { confirm } from "@inquirer/prompts";
import { cliEnvironment, envValue, operatorOf, secretsIn } from "../environment.ts";
import { CliExit, EXIT } from "../output/exit-codes.ts";
import { installSecretMasking } from "../output/mask.ts";
import { detectMode, type OutputMode } from "../output/mode.ts";
import type { StepContext } from "../steps/types.ts";

export interface GlobalOptions {
  json?: boolean;
  url?: string;
  yes?: boolean;
  envFile?: string;
}

export class Invocation {
  readonly mode: OutputMode;
  readonly env: NodeJS.ProcessEnv;
  readonly operator: string;
  /** The command path, e.g. "provider twilio assign" (the `command` of JSON output). */
  constructor(
    readonly name: string,
    readonly opts: GlobalOptions & Record<string, unknown>,
  ) {
    this.env = cliEnvironment(opts.envFile);
    this.mode = detectMode(opts, this.env);
    this.operator = operatorOf(this.env);
    installSecretMasking(secretsIn(this.env));
  }

  /** --url, else NEXTAUTH_URL (from the env or --env-file). */
  get baseUrl(): string {
    const url = this.opts.url ?? envValue(this.env, "NEXTAUTH_URL");
    if (!url) throw new CliExit(EXIT.usage, "no target: pass --url <base> (or set NEXTAUTH_URL).");
    if (!URL.canParse(url) || !/^https?:/.test(url))
      throw new CliExit(EXIT.usage, `--url must be an http(s) URL, got "${url}".`);
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
    if (!this.mode.interactive)
      throw new CliExit(EXIT.usage, `"${message}" needs a confirmation: run it in a terminal or pass --yes.`);
    return confirm({ message, default: false });
  }
}
