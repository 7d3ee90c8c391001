// How the CLI talks: interactive only on a TTY outside CI; colour unless NO_COLOR is set.
export interface OutputMode {
  json: boolean;
  interactive: boolean;
  color: boolean;
  yes: boolean;
}

export function detectMode(opts: { json?: boolean; yes?: boolean }, env: NodeJS.ProcessEnv = process.env): OutputMode {
  const ci = env.CI !== undefined && env.CI !== "" && env.CI !== "false" && env.CI !== "0";
  const tty = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  return {
    json: Boolean(opts.json),
    interactive: tty && !ci && !opts.json,
    color: !(env.NO_COLOR && env.NO_COLOR !== "") && !opts.json,
    yes: Boolean(opts.yes),
  };
}
