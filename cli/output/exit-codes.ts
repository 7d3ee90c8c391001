// Stable, documented exit codes (README "tatu CLI"): CI scripts branch on these.
export const EXIT = {
  ok: 0, // all good / GO
  failed: 1, // a check failed / NO-GO
  usage: 2, // usage error, or a confirmation non-interactive mode cannot give
  unreachable: 3, // the target (service, database, Redis, provider API) cannot be reached
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Thrown anywhere in a command to end it with a specific exit code and a one-line message. */
export class CliExit extends Error {
  constructor(
    readonly code: ExitCode,
    message: string,
  ) {
    super(message);
  }
}

/** Ctrl-C / Ctrl-D at an @inquirer prompt. */
export const promptCancelled = (err: unknown): boolean => (err as Error | undefined)?.name === "ExitPromptError";

/** What a command that threw ends with: a CliExit keeps its code, a cancelled prompt is a usage error, anything else a failure. */
export function exitFor(err: unknown): { code: ExitCode; message: string } {
  if (err instanceof CliExit) return { code: err.code, message: err.message };
  if (promptCancelled(err)) return { code: EXIT.usage, message: "cancelled at the prompt" };
  return { code: EXIT.failed, message: err instanceof Error ? err.message : String(err) };
}
