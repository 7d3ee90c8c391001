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
  constructor(readonly code: ExitCode, message: string) {
    super(message);
  }
}
