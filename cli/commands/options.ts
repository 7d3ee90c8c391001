// Option specs several commands share.
import type { OptionSpec } from "./spec.ts";

/** --env-file: what the command reads from it differs, so each says which variables. */
export const envFileOption = (description: string): OptionSpec => ({ flags: "--env-file <file>", description });
