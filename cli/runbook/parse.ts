// Runbook Markdown → items. The Markdown stays readable on GitHub; the CLI reads only the
// checklist lines: "- [ ] `item.id` — text" with optional markers in code spans or comments:
// `step: smoke.gmail` (automated), `optional` (not required by gates), `gate`, `gate: signoff`.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CliExit, EXIT } from "../output/exit-codes.ts";
import { didYouMean } from "../output/suggest.ts";

export type ItemKind = "automated" | "manual" | "gate" | "signoff";

export interface RunbookItem {
  id: string;
  text: string;
  kind: ItemKind;
  /** Step id for automated items. */
  step?: string;
  /** Gates only count required items; `optional` items never block. */
  required: boolean;
  /** The heading the item sits under (steps run once per section, see engine). */
  section: string;
  line: number;
}

export interface Runbook {
  name: string;
  title: string;
  file: string;
  items: RunbookItem[];
}

/** A runbook that cannot be used (unknown name, malformed items): a usage error (exit 2). */
export class RunbookError extends CliExit {
  constructor(message: string) {
    super(EXIT.usage, message);
  }
}

const ITEM = /^\s*[-*] \[[ xX~]\] `([^`]+)`\s*(?:—|–|-|:)?\s*(.*)$/;
const ID = /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/;
const MARKER = /^(step:\s*[a-z0-9][a-z0-9.-]*|gate(?::\s*signoff)?|optional)$/;

/** Where runbooks live: TATU_RUNBOOKS_DIR, else `runbooks/` next to the CLI (works after npm link). */
export function runbooksDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TATU_RUNBOOKS_DIR) return path.resolve(env.TATU_RUNBOOKS_DIR);
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../runbooks");
}

/** Parses a runbook's Markdown into its items; throws a RunbookError listing every problem found. */
export function parseRunbook(markdown: string, name: string, file = `${name}.md`): Runbook {
  const items: RunbookItem[] = [];
  let title = name;
  let section = "";
  const problems: string[] = [];
  markdown.split(/\r?\n/).forEach((lineText, index) => {
    const line = index + 1;
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(lineText);
    if (heading) {
      if (heading[1] === "#" && title === name) title = heading[2]!;
      else section = heading[2]!;
      return;
    }
    const m = ITEM.exec(lineText);
    if (!m) return;
    const id = m[1]!.trim();
    if (!ID.test(id))
      return problems.push(`${file}:${line}: item id "${id}" must be lower-case letters, digits, dots and dashes`);
    let rest = m[2]!;
    const markers: string[] = [];
    // Markers: trailing code spans that match MARKER, and HTML comments anywhere.
    rest = rest.replace(/<!--\s*(.*?)\s*-->/g, (_all, inner: string) => (markers.push(inner.trim()), ""));
    for (;;) {
      const tail = /\s*`([^`]+)`\s*$/.exec(rest);
      if (!tail || !MARKER.test(tail[1]!.trim())) break;
      markers.push(tail[1]!.trim());
      rest = rest.slice(0, tail.index);
    }
    let kind: ItemKind = "manual";
    let step: string | undefined;
    let required = true;
    for (const marker of markers) {
      if (!MARKER.test(marker)) {
        problems.push(`${file}:${line}: unknown marker "${marker}"`);
        continue;
      }
      if (marker.startsWith("step:")) {
        kind = "automated";
        step = marker.slice(5).trim();
      } else if (marker === "optional") required = false;
      else kind = marker === "gate" ? "gate" : "signoff";
    }
    if (step && (kind === "gate" || kind === "signoff")) problems.push(`${file}:${line}: a gate cannot also be a step`);
    if (items.some((i) => i.id === id)) problems.push(`${file}:${line}: item id "${id}" is used twice`);
    items.push({ id, text: rest.trim(), kind, step, required, section, line });
  });
  if (problems.length)
    throw new RunbookError(`runbook ${name} has problems:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  if (!items.length) throw new RunbookError(`runbook ${name} has no checklist items`);
  return { name, title, file, items };
}

/** Runbook names (file names without .md) in the runbooks folder, README excluded, sorted. */
export function listRunbookNames(dir = runbooksDir()): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".md") && f.toLowerCase() !== "readme.md")
    .map((f) => f.slice(0, -3))
    .sort();
}

/** Reads and parses one runbook by name; the name is checked first, so it cannot leave the folder. */
export function loadRunbook(name: string, dir = runbooksDir()): Runbook {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name))
    throw new RunbookError(`"${name}" is not a runbook name (see \`tatu runbook list\`)`);
  const file = path.join(dir, `${name}.md`);
  if (!fs.existsSync(file))
    throw new RunbookError(
      `no runbook "${name}"${didYouMean(name, listRunbookNames(dir))} in ${dir} (have: ${listRunbookNames(dir).join(", ") || "none"})`,
    );
  return parseRunbook(fs.readFileSync(file, "utf8"), name, path.relative(process.cwd(), file) || file);
}
