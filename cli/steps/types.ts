// A step is one automated check or action of a runbook (`env.check`, `smoke.gmail`, ...).
// Commands run steps directly; the runbook engine binds checklist items to them by id.
import type { z } from "zod";
import type { OutputMode } from "../output/mode.ts";

export interface StepContext {
  /** Base URL of the service under test (the deployed app, or the rehearsal's local one). */
  baseUrl: string;
  /** Environment the checks read (process.env, or an --env-file merged over it). */
  env: NodeJS.ProcessEnv;
  mode: OutputMode;
  /** Who runs this (recorded in logs and with switch changes as X-Tatu-Operator). */
  operator: string;
  /** Progress lines for people; the caller decides where they go (listr2 task output, log). */
  progress(line: string): void;
  signal?: AbortSignal;
  /** Values people chose for steps' choices (e.g. `--provider`, or the answer at the prompt), by key. */
  choices?: Readonly<Record<string, string>>;
  /** Who sends the one-time code an inbound smoke needs a person for; the rehearsal's stand-in
   *  customer. Unset: a person at the terminal is asked (and without one the step needs a person). */
  customer?: Customer;
  /** A scheduled round (hypercare): checks only a person could complete are left out. */
  unattended?: boolean;
}

/** Writes to the studio's connected account from a test user (`text`: the smoke's one-time code). */
export interface Customer {
  send(smoke: string, account: { id: string; provider: string; address: string | null }, text: string): Promise<void>;
}

export interface StepResult {
  ok: boolean;
  /** One line for the launch log and summary tables. Never contains secret values. */
  summary: string;
  /** Structured detail for --json output and the JSON-lines log. */
  details?: unknown;
  /** The target could not be reached at all (exit code 3 rather than 1). */
  unreachable?: boolean;
  /** Only a person could have done what is missing (send a code from a test user): exit 2 without one. */
  needsPerson?: boolean;
}

export interface Step {
  id: string;
  title: string;
  /** Changes something (a switch, a deployment, the database): confirm unless --yes. */
  destructive?: boolean;
  /** What the step reads besides its context, checked before it runs (see params.ts). */
  params?: z.ZodType;
  /** A value a person decides before the step runs (which provider to disable): a flag or the prompt. */
  choice?: StepChoice;
  run(ctx: StepContext): Promise<StepResult>;
}

/** What a runbook run asks before the step (interactive) or takes from a flag (`ctx.choices[key]`). */
export interface StepChoice {
  key: string;
  /** The command-line flag that gives it, e.g. `--provider <id>`. */
  flag: string;
  /** What is asked, e.g. "which provider integration to disable". */
  question: string;
  options: readonly string[];
}
