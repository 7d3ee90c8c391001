// bench/RESULTS.md collects one summary line per benchmark (each links its detailed
// RESULTS-<name>.md); a bench replaces only its own line, found by its marker comment.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export function writeSummaryLine(marker: string, line: string): void {
  const file = path.join(benchDir, "RESULTS.md");
  const tagged = `${line} <!-- ${marker} (one line, written by bench/${marker.replace(/-bench$/, "")}.ts) -->`;
  const lines = (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "# Tatu benchmark results\n").split("\n");
  const at = lines.findIndex((l) => l.includes(`<!-- ${marker}`));
  if (at >= 0) lines[at] = tagged;
  else {
    while (lines.length && lines[lines.length - 1] === "") lines.pop();
    lines.push("", tagged, "");
  }
  fs.writeFileSync(file, lines.join("\n"));
}
