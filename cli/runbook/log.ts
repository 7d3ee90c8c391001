// The append-only launch log of a run: `launch-log.md` for people, `launch-log.jsonl` for
// machines. Entries are only ever appended (O_APPEND), one write per entry, never rewritten.
import fs from "node:fs";
import path from "node:path";
import { masked } from "../output/mask.ts";
import { runDir } from "./store.ts";

export type LogEntry =
  | {
      type: "run.start";
      runbook: string;
      operator: string;
      rehearsal: boolean;
      roles?: Record<string, string>;
      window?: string;
      baseUrl: string;
    }
  | { type: "run.resume"; operator: string; done: string[] }
  | {
      type: "item";
      item: string;
      section: string;
      text: string;
      kind: string;
      step?: string;
      outcome: string;
      summary: string;
      operator: string;
      startedAt: string;
      finishedAt: string;
      confirmedBy?: string;
      confirmedAt?: string;
      note?: string;
      reason?: string;
      details?: unknown;
    }
  | {
      type: "gate";
      item: string;
      text: string;
      /** no-go: the Release Commander's decision with every item done; blocked: items not done. */
      decision: "go" | "blocked" | "overridden" | "no-go";
      failed: string[];
      operator: string;
      overriddenBy?: string;
      reason?: string;
      /** Who said GO (the Release Commander, or "rehearsal") and when. */
      approvedBy?: string;
      approvedAt?: string;
      /** Who said NO-GO. */
      by?: string;
    }
  | { type: "incident"; id: string; sev: number; title: string; operator: string }
  | { type: "mitigation"; incident?: string; text: string; resolved: boolean; operator: string }
  | { type: "signoff"; decision: "signed" | "refused"; by?: string; openIncidents: string[]; operator: string }
  | { type: "run.end"; status: string; counts: Record<string, number>; durationMs: number };

const ICON: Record<string, string> = {
  passed: "✅",
  confirmed: "☑️",
  skipped: "⏭️",
  failed: "❌",
  missing: "❓",
  blocked: "⛔",
  go: "🟢",
  overridden: "⚠️",
};

const oneLine = (s: string) => s.replace(/\s+/g, " ").trim();

function markdownOf(e: LogEntry, at: string): string {
  const t = at.replace("T", " ").replace(/\.\d+Z$/, "Z");
  switch (e.type) {
    case "run.start": {
      const roles = e.roles
        ? Object.entries(e.roles)
            .map(([k, v]) => `${k}: ${v}`)
            .join(", ")
        : "not recorded";
      return `# Launch log — ${e.runbook}${e.rehearsal ? " (rehearsal)" : ""}\n\n- Started ${t} by ${e.operator} against ${e.baseUrl || "(no target)"}\n- Roles: ${roles}\n- Window: ${e.window ?? "not recorded"}\n\n| Time | Item | Outcome | Summary | By |\n|---|---|---|---|---|\n`;
    }
    case "run.resume":
      return `| ${t} | — | resumed | ${e.done.length} item(s) already done are not repeated | ${e.operator} |\n`;
    case "item": {
      const extra = [
        e.reason && `reason: ${e.reason}`,
        e.confirmedBy && `confirmed by ${e.confirmedBy}${e.confirmedAt ? ` at ${e.confirmedAt}` : ""}`,
        e.note && `note: ${e.note}`,
      ]
        .filter(Boolean)
        .join("; ");
      return `| ${t} | \`${e.item}\`${e.step ? ` (${e.step})` : ""} | ${ICON[e.outcome] ?? ""} ${e.outcome} | ${oneLine(e.summary).replace(/\|/g, "\\|")}${extra ? ` — ${oneLine(extra)}` : ""} | ${e.operator} |\n`;
    }
    case "gate":
      return `| ${t} | \`${e.item}\` **gate** | ${ICON[e.decision === "no-go" ? "blocked" : e.decision]} ${e.decision.toUpperCase()} | ${e.failed.length ? `failed: ${e.failed.join(", ")}` : "all required items done"}${e.overriddenBy ? ` — overridden by ${e.overriddenBy}: ${oneLine(e.reason ?? "")}` : ""}${e.approvedBy ? ` — ${e.approvedBy === "rehearsal" ? "approved as rehearsal" : `GO given by ${e.approvedBy}`}` : ""}${e.decision === "no-go" ? ` — NO-GO by ${e.by}: ${oneLine(e.reason ?? "")}` : ""} | ${e.operator} |\n`;
    case "incident":
      return `| ${t} | incident \`${e.id}\` | 🚨 Sev-${e.sev} | ${oneLine(e.title)} | ${e.operator} |\n`;
    case "mitigation":
      return `| ${t} | mitigation${e.incident ? ` \`${e.incident}\`` : ""} | ${e.resolved ? "resolved" : "mitigating"} | ${oneLine(e.text)} | ${e.operator} |\n`;
    case "signoff":
      return `| ${t} | **sign-off** | ${e.decision === "signed" ? "✍️ signed" : "⛔ refused"} | ${e.decision === "signed" ? `by ${e.by}` : `open Sev-1/Sev-2: ${e.openIncidents.join(", ")}`} | ${e.operator} |\n`;
    case "run.end":
      return `\n**Result: ${e.status.toUpperCase()}** at ${t} — ${Object.entries(e.counts)
        .map(([k, v]) => `${v} ${k}`)
        .join(", ")} (${(e.durationMs / 1000).toFixed(1)} s)\n\n`;
  }
}

export class LaunchLog {
  readonly md: string;
  readonly jsonl: string;
  constructor(
    readonly runId: string,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    const dir = runDir(runId, env);
    fs.mkdirSync(dir, { recursive: true });
    this.md = path.join(dir, "launch-log.md");
    this.jsonl = path.join(dir, "launch-log.jsonl");
  }

  append(entry: LogEntry): void {
    const at = new Date().toISOString();
    // Secrets never reach the log files, even when a step summary quoted one.
    fs.appendFileSync(this.jsonl, masked(JSON.stringify({ at, runId: this.runId, ...entry })) + "\n", { mode: 0o600 });
    fs.appendFileSync(this.md, masked(markdownOf(entry, at)), { mode: 0o600 });
  }

  entries(): (LogEntry & { at: string; runId: string })[] {
    if (!fs.existsSync(this.jsonl)) return [];
    return fs
      .readFileSync(this.jsonl, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  }
}
