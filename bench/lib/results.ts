// bench/RESULTS.md collects one summary line per benchmark (each links its detailed
// RESULTS-<name>.md); a bench replaces only its own line, found by its marker comment.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The runtime a figure was measured on, e.g. "Node v24.11.1 (linux/x64, 2 cores)". */
export function runtimeLabel(version = process.version): string {
  return `Node ${version} (${process.platform}/${process.arch}, ${os.cpus().length} cores)`;
}

/** Every summary line names the Node version it was measured on (added unless it already does). */
export function writeSummaryLine(marker: string, line: string): void {
  const file = path.join(benchDir, "RESULTS.md");
  const withRuntime = /\bNode v\d/.test(line) ? line : `${line} (Node ${process.version})`;
  const tagged = `${withRuntime} <!-- ${marker} (one line, written by bench/${marker.replace(/-bench$/, "")}.ts) -->`;
  const lines = (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "# Tatu benchmark results\n").split("\n");
  const at = lines.findIndex((l) => l.includes(`<!-- ${marker}`));
  if (at >= 0) lines[at] = tagged;
  else {
    while (lines.length && lines[lines.length - 1] === "") lines.pop();
    lines.push("", tagged, "");
  }
  fs.writeFileSync(file, lines.join("\n"));
}
