// The end of a run: a summary table for people, or one JSON document with --json.
import { Chalk } from "chalk";
import type { OutputMode } from "../output/mode.ts";
import type { RunSummary } from "./engine.ts";

const pad = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + "…" : s.padEnd(n));

/** The end-of-run table (item, step, outcome, summary), optionally coloured. */
export function summaryTable(s: RunSummary, color = false): string {
  const c = new Chalk({ level: color ? 1 : 0 });
  const rows = s.items.map((i) => [
    i.id,
    i.step ?? (i.kind === "manual" ? "(manual)" : `(${i.kind})`),
    i.outcome,
    i.summary.replace(/\s+/g, " "),
  ]);
  const w = [Math.max(4, ...rows.map((r) => r[0]!.length)), Math.max(4, ...rows.map((r) => r[1]!.length)), 10];
  const lines = [
    `${pad("Item", w[0]!)}  ${pad("Step", w[1]!)}  ${pad("Outcome", w[2]!)}  Summary`,
    `${"-".repeat(w[0]!)}  ${"-".repeat(w[1]!)}  ${"-".repeat(w[2]!)}  -------`,
    ...rows.map(([id, step, outcome, summary]) => {
      const o = pad(outcome!, w[2]!);
      const coloured = /passed|confirmed|go/.test(outcome!)
        ? c.green(o)
        : /skipped|overridden/.test(outcome!)
          ? c.yellow(o)
          : c.red(o);
      return `${pad(id!, w[0]!)}  ${pad(step!, w[1]!)}  ${coloured}  ${pad(summary!, 110)}`;
    }),
  ];
  const counts = Object.entries(s.counts)
    .map(([k, v]) => `${v} ${k}`)
    .join(", ");
  const verdict = s.verdict === "GO" ? c.green.bold("GO") : c.red.bold("NO-GO");
  lines.push(
    "",
    `${s.runbook}${s.rehearsal ? " (rehearsal)" : ""}: ${verdict} — ${counts} — ${(s.durationMs / 1000).toFixed(1)} s — exit ${s.exitCode}`,
  );
  lines.push(`Launch log: ${s.log.markdown}`, `           ${s.log.jsonl}`);
  if (s.status !== "go" && !s.rehearsal)
    lines.push(`Continue with: tatu ${s.runbook === "launch" ? "launch" : `runbook run ${s.runbook}`} --resume`);
  return lines.join("\n");
}

/** Prints the run summary: the JSON document with --json, the table otherwise. */
export function printSummary(mode: OutputMode, s: RunSummary, extra: Record<string, unknown> = {}): void {
  if (mode.json)
    process.stdout.write(
      JSON.stringify(
        { command: s.runbook === "launch" ? "launch" : "runbook run", ok: s.exitCode === 0, ...s, ...extra },
        null,
        2,
      ) + "\n",
    );
  else process.stdout.write("\n" + summaryTable(s, mode.color) + "\n");
}
