// Printing a command's outcome: one JSON document with --json (also on failure), otherwise
// one line per step for people (✔/✖, coloured unless NO_COLOR).
import { Chalk } from "chalk";
import type { OutputMode } from "./mode.ts";
import type { StepResult } from "../steps/types.ts";

export interface ReportedStep extends StepResult {
  id: string;
  title: string;
  durationMs?: number;
  skipped?: string;
}

export interface Outcome {
  command: string;
  exitCode: number;
  steps: ReportedStep[];
  /** Extra top-level JSON (e.g. hypercare's recommendation). */
  extra?: Record<string, unknown>;
  /** Lines printed after the step list in human mode. */
  notes?: string[];
}

export function printOutcome(mode: OutputMode, o: Outcome): void {
  if (mode.json) {
    const doc = { command: o.command, ok: o.exitCode === 0, exitCode: o.exitCode, ...o.extra, steps: o.steps };
    process.stdout.write(JSON.stringify(doc, null, 2) + "\n");
    return;
  }
  // Colour only for a person at a terminal (NO_COLOR already folded into mode.color).
  const c = new Chalk({ level: mode.color && process.stdout.isTTY ? 1 : 0 });
  for (const s of o.steps) {
    const mark =
      s.skipped !== undefined
        ? c.yellow("-")
        : s.ok
          ? c.green("✔")
          : s.unreachable
            ? c.red("✖ unreachable")
            : c.red("✖");
    process.stdout.write(
      `${mark} ${c.bold(s.id)} ${s.title} — ${s.skipped !== undefined ? `skipped: ${s.skipped}` : s.summary}\n`,
    );
  }
  for (const n of o.notes ?? []) process.stdout.write(`${n}\n`);
  const verdict = o.exitCode === 0 ? c.green("OK") : o.exitCode === 3 ? c.red("UNREACHABLE") : c.red("FAILED");
  process.stdout.write(`${o.command}: ${verdict} (exit ${o.exitCode})\n`);
}

export function printError(mode: OutputMode, command: string, exitCode: number, message: string): void {
  if (mode.json) process.stdout.write(JSON.stringify({ command, ok: false, exitCode, error: message }, null, 2) + "\n");
  else process.stderr.write(`tatu ${command}: ${message}\n`);
}
