// Runs a runbook item by item against a persisted RunState: automated items execute their
// step, manual items are confirmed (who/when/note), gates decide Go/No-Go, sign-off checks
// incidents. State is saved after every item, so --resume repeats nothing that finished.
import { CliExit, EXIT, type ExitCode } from "../output/exit-codes.ts";
import type { OutputMode } from "../output/mode.ts";
import type { Step, StepContext, StepResult } from "../steps/types.ts";
import { openSevereIncidents } from "./incidents.ts";
import type { LaunchLog } from "./log.ts";
import type { Runbook, RunbookItem } from "./parse.ts";
import type { Prompter } from "./prompter.ts";
import type { Reporter } from "./reporter.ts";
import { DONE, saveState, type ItemRecord, type Outcome, type RunState } from "./store.ts";

/** What a step sees during a runbook run (built-in steps such as launch.roles read the run). */
export type RunStepContext = StepContext & { run?: RunState };

export interface EngineOptions {
  runbook: Runbook;
  state: RunState;
  log: LaunchLog;
  ctx: StepContext;
  mode: OutputMode;
  findStep(id: string): Step | undefined;
  prompter: Prompter;
  reporter: Reporter;
  /** Non-interactive confirmation of manual items: `--yes --reason "…"`. */
  reason?: string;
  /** item id → reason (`--skip id=reason`). */
  skips?: Map<string, string>;
  /** gate id → Release Commander override (`--override gate=reason --override-by name`). */
  overrides?: Map<string, { by: string; reason: string }>;
  /** Gates the Release Commander approved up front (`--approve <gate-id>`): GO without a prompt. */
  approvals?: ReadonlySet<string>;
  /** Rehearsal: manual items auto-confirmed as "rehearsal", gates approved as "rehearsal", destructive steps run without asking. */
  rehearsal?: boolean;
  /** Called before an item runs (the rehearsal injects its simulated incident here). */
  beforeItem?(item: RunbookItem, state: RunState): Promise<void>;
  env?: NodeJS.ProcessEnv;
}

export interface ItemReport {
  id: string;
  section: string;
  kind: string;
  step?: string;
  text: string;
  required: boolean;
  outcome: Outcome | "pending";
  summary: string;
  reason?: string;
}

export interface RunSummary {
  runId: string;
  runbook: string;
  status: RunState["status"];
  verdict: "GO" | "NO-GO";
  exitCode: ExitCode;
  rehearsal: boolean;
  durationMs: number;
  counts: Record<string, number>;
  items: ItemReport[];
  log: { markdown: string; jsonl: string };
}

const now = () => new Date().toISOString();

export class RunbookEngine {
  private readonly memo = new Map<string, { item: string; result: StepResult }>();
  constructor(private readonly o: EngineOptions) {}

  private get state() {
    return this.o.state;
  }

  private record(
    item: RunbookItem,
    rec: Omit<ItemRecord, "operator" | "attempts" | "finishedAt"> & { operator?: string },
  ): ItemRecord {
    const previous = this.state.items[item.id];
    const full: ItemRecord = {
      operator: this.o.ctx.operator,
      ...rec,
      finishedAt: now(),
      attempts: (previous?.attempts ?? 0) + 1,
    };
    this.state.items[item.id] = full;
    saveState(this.state, this.o.env); // after every item: a crash loses nothing that finished
    if (item.kind === "gate" || item.kind === "signoff") return full;
    this.o.log.append({
      type: "item",
      item: item.id,
      section: item.section,
      text: item.text,
      kind: item.kind,
      step: item.step,
      outcome: full.outcome,
      summary: full.summary,
      operator: full.operator,
      startedAt: full.startedAt,
      finishedAt: full.finishedAt,
      confirmedBy: full.confirmedBy,
      confirmedAt: full.confirmedAt,
      note: full.note,
      reason: full.reason,
      details: full.details,
    });
    this.o.reporter.item(item, full);
    return full;
  }

  async run(): Promise<RunSummary> {
    const started = Date.now();
    for (const item of this.o.runbook.items) {
      const done = this.state.items[item.id];
      if (done && DONE.has(done.outcome)) continue;
      await this.o.beforeItem?.(item, this.state);
      const skip = this.o.skips?.get(item.id);
      if (skip !== undefined && item.kind !== "gate" && item.kind !== "signoff") {
        this.record(item, {
          outcome: "skipped",
          summary: `skipped: ${skip}`,
          reason: skip,
          startedAt: now(),
          step: item.step,
        });
        continue;
      }
      if (item.kind === "automated") await this.automated(item);
      else if (item.kind === "manual") await this.manual(item);
      else if (!(await this.gate(item))) break;
    }
    return this.finish(started);
  }

  private async automated(item: RunbookItem): Promise<void> {
    const startedAt = now();
    const step = this.o.findStep(item.step!);
    if (!step) {
      this.record(item, {
        outcome: "missing",
        summary: `no step registered for "${item.step}"`,
        startedAt,
        step: item.step,
      });
      return;
    }
    // One run of a step per section: items of a checklist that one step covers share it.
    const key = `${item.section}\u0000${step.id}`;
    const shared = this.memo.get(key) ?? this.sharedFromState(item);
    if (shared) {
      const r = shared.result;
      this.record(item, {
        outcome: r.ok ? "passed" : "failed",
        summary: `${r.summary} (same run of ${step.id} as ${shared.item})`,
        startedAt,
        step: step.id,
        unreachable: r.unreachable,
      });
      return;
    }
    const ctx = await this.withChoice(item, step);
    if (step.destructive && !this.o.rehearsal && !this.o.mode.yes) {
      if (!this.o.mode.interactive)
        throw new CliExit(
          EXIT.usage,
          `item ${item.id} runs ${step.id}, which changes production: run in a terminal to confirm, or pass --yes.`,
        );
      if (!(await this.o.prompter.confirmDestructive(item, step))) {
        const reason = await this.o.prompter.reason(`Why is ${item.id} skipped?`);
        this.record(item, { outcome: "skipped", summary: `skipped: ${reason}`, reason, startedAt, step: step.id });
        return;
      }
    }
    for (;;) {
      const result = await this.o.reporter.running(item, step, () =>
        runStepSafely(step, { ...ctx, run: this.state } as RunStepContext),
      );
      // Only a person could finish it (send a smoke's one-time code) and none is here: stop like
      // a manual item does, the run saved for `--resume` in a terminal.
      if (result.needsPerson && !this.o.mode.interactive)
        throw new CliExit(
          EXIT.usage,
          `item ${item.id} (${step.id}) ${result.summary} — the run is saved: continue it in a terminal with --resume.`,
        );
      this.memo.set(key, { item: item.id, result });
      // Only an interactive, real run asks the operator what to do with a failure.
      const asks = !result.ok && this.o.mode.interactive && !this.o.rehearsal;
      const choice = asks ? await this.o.prompter.onFailure(item, result) : undefined;
      if (choice?.action === "retry") continue;
      if (choice?.action === "skip")
        this.record(item, {
          outcome: "skipped",
          summary: `failed (${result.summary}); skipped: ${choice.reason}`,
          reason: choice.reason,
          startedAt,
          step: step.id,
        });
      else
        this.record(item, {
          outcome: result.ok ? "passed" : "failed",
          summary: result.summary,
          details: result.details,
          unreachable: result.unreachable,
          startedAt,
          step: step.id,
        });
      return;
    }
  }

  /** A step that needs a person's choice (which provider): the flag's value, else asked now; without a person, exit 2. */
  private async withChoice(item: RunbookItem, step: Step): Promise<StepContext> {
    const c = step.choice;
    if (!c || this.o.ctx.choices?.[c.key]) return this.o.ctx;
    if (!this.o.mode.interactive || this.o.rehearsal)
      throw new CliExit(
        EXIT.usage,
        `item ${item.id} runs ${step.id}, which needs a person to decide ${c.question}: pass ${c.flag} (one of: ${c.options.join(", ")}), or run in a terminal to choose.`,
      );
    const value = await this.o.prompter.choose(item, step, c);
    return { ...this.o.ctx, choices: { ...this.o.ctx.choices, [c.key]: value } };
  }

  /** A resumed run: an earlier item of the same section already ran this step. */
  private sharedFromState(item: RunbookItem): { item: string; result: StepResult } | undefined {
    for (const other of this.o.runbook.items) {
      if (other.id === item.id) return undefined;
      const rec = this.state.items[other.id];
      if (
        other.section === item.section &&
        other.step === item.step &&
        rec &&
        (rec.outcome === "passed" || rec.outcome === "failed")
      )
        return {
          item: other.id,
          result: { ok: rec.outcome === "passed", summary: rec.summary.replace(/ \(same run of .*\)$/, "") },
        };
    }
    return undefined;
  }

  private async manual(item: RunbookItem): Promise<void> {
    const startedAt = now();
    if (this.o.rehearsal) {
      this.record(item, {
        outcome: "confirmed",
        summary: "rehearsal: auto-confirmed",
        confirmedBy: this.o.ctx.operator,
        confirmedAt: startedAt,
        note: "rehearsal",
        startedAt,
      });
      return;
    }
    if (!this.o.mode.interactive) {
      if (this.o.mode.yes && this.o.reason) {
        this.record(item, {
          outcome: "confirmed",
          summary: `confirmed with --yes: ${this.o.reason}`,
          confirmedBy: this.o.ctx.operator,
          confirmedAt: startedAt,
          reason: this.o.reason,
          startedAt,
        });
        return;
      }
      throw new CliExit(
        EXIT.usage,
        `manual item ${item.id} ("${item.text}") needs a person's confirmation: run in a terminal, or pass --yes --reason "…" (recorded in the launch log).`,
      );
    }
    const answer = await this.o.prompter.confirmManual(item, this.o.ctx.operator);
    if (answer.action === "done")
      this.record(item, {
        outcome: "confirmed",
        summary: answer.note ? `confirmed: ${answer.note}` : "confirmed",
        confirmedBy: answer.by,
        confirmedAt: answer.at,
        note: answer.note || undefined,
        operator: answer.by,
        startedAt,
      });
    else if (answer.action === "skip")
      this.record(item, { outcome: "skipped", summary: `skipped: ${answer.reason}`, reason: answer.reason, startedAt });
    else
      this.record(item, {
        outcome: "failed",
        summary: answer.note ? `not done: ${answer.note}` : "not done",
        note: answer.note,
        startedAt,
      });
  }

  /** Required items before this gate that did not finish well (and were not overridden by an earlier gate). */
  private failedBefore(gate: RunbookItem): string[] {
    const before = this.o.runbook.items.slice(
      0,
      this.o.runbook.items.findIndex((i) => i.id === gate.id),
    );
    // Items an earlier gate's override already accepted do not block again.
    const covered = new Set<string>();
    for (const item of before) {
      const rec = this.state.items[item.id];
      if (rec?.outcome === "overridden")
        for (const id of (rec.details as { failed?: string[] } | undefined)?.failed ?? []) covered.add(id);
    }
    return before
      .filter((item) => item.kind !== "gate" && item.kind !== "signoff" && item.required && !covered.has(item.id))
      .filter((item) => {
        const rec = this.state.items[item.id];
        return !(rec && DONE.has(rec.outcome));
      })
      .map((item) => item.id);
  }

  /** Returns false when the run must stop here (blocked). */
  private async gate(item: RunbookItem): Promise<boolean> {
    const startedAt = now();
    const failed = this.failedBefore(item);
    const rc = this.state.roles?.releaseCommander;
    const op = this.o.ctx.operator;

    if (item.kind === "signoff") {
      const open = openSevereIncidents(this.o.env);
      if (open.length) {
        const ids = open.map((i) => `${i.id} (Sev-${i.sev}: ${i.title})`);
        this.o.log.append({ type: "signoff", decision: "refused", openIncidents: ids, operator: op });
        this.blocked(item, `sign-off refused: open Sev-1/Sev-2 incident(s): ${ids.join("; ")}`, failed, startedAt);
        return false;
      }
    }
    let decision: "go" | "overridden" | "blocked" = failed.length ? "blocked" : "go";
    let override: { by: string; reason: string } | undefined;
    if (failed.length) {
      override =
        this.o.overrides?.get(item.id) ??
        (this.o.mode.interactive && !this.o.rehearsal
          ? await this.o.prompter.overrideGate(item, failed, rc)
          : undefined);
      if (override) {
        if (!override.reason.trim()) throw new CliExit(EXIT.usage, `overriding ${item.id} needs a reason.`);
        if (!rc)
          throw new CliExit(
            EXIT.usage,
            `overriding ${item.id} needs the Release Commander, but no roles were recorded for this run.`,
          );
        if (override.by.trim().toLowerCase() !== rc.toLowerCase())
          throw new CliExit(
            EXIT.usage,
            `only the Release Commander (${rc}) can override ${item.id}, not "${override.by}".`,
          );
        decision = "overridden";
      }
    }
    if (decision === "blocked") {
      this.o.log.append({ type: "gate", item: item.id, text: item.text, decision, failed, operator: op });
      this.blocked(item, `NO-GO: required item(s) not done: ${failed.join(", ")}`, failed, startedAt);
      return false;
    }
    if (item.kind === "signoff" && !this.o.rehearsal) {
      if (!this.o.mode.interactive && !this.o.mode.yes)
        throw new CliExit(EXIT.usage, `${item.id}: the Release Commander's sign-off needs a terminal, or --yes.`);
      if (this.o.mode.interactive && !this.o.mode.yes && !(await this.o.prompter.signoff(item, rc ?? op))) {
        this.o.log.append({ type: "signoff", decision: "refused", openIncidents: [], operator: op });
        this.blocked(item, "sign-off declined at the prompt", failed, startedAt);
        return false;
      }
    }
    // A Go/No-Go is a person's decision: with every required item done, the Release Commander
    // still says GO (or NO-GO). An override above already was their decision.
    let approvedBy: string | undefined;
    if (item.kind === "gate" && decision === "go") {
      const approval = await this.approval(item, rc);
      if (approval.decision === "no-go") {
        this.o.log.append({
          type: "gate",
          item: item.id,
          text: item.text,
          decision: "no-go",
          failed,
          operator: op,
          by: approval.by,
          reason: approval.reason,
        });
        this.blocked(item, `NO-GO by ${approval.by}: ${approval.reason}`, failed, startedAt);
        return false;
      }
      approvedBy = approval.by;
    }
    this.o.log.append({
      type: "gate",
      item: item.id,
      text: item.text,
      decision,
      failed,
      operator: op,
      overriddenBy: override?.by,
      reason: override?.reason,
      ...(approvedBy ? { approvedBy, approvedAt: now() } : {}),
    });
    if (item.kind === "signoff")
      this.o.log.append({ type: "signoff", decision: "signed", by: rc ?? op, openIncidents: [], operator: op });
    const summary =
      decision === "go"
        ? item.kind === "signoff"
          ? `signed off by ${rc ?? op}; no open Sev-1/Sev-2 incidents`
          : approvedBy === "rehearsal"
            ? "GO: all required items done; approved as rehearsal (no person in a rehearsal)"
            : `GO: all required items done; approved by ${approvedBy}`
        : `GO by override of ${override!.by}: ${override!.reason} (not done: ${failed.join(", ")})`;
    const rec = this.record(item, {
      outcome: decision === "go" ? "go" : "overridden",
      summary,
      startedAt,
      overriddenBy: override?.by,
      reason: override?.reason,
      ...(approvedBy ? { confirmedBy: approvedBy } : {}),
      details: { failed },
    });
    this.o.reporter.item(item, rec);
    return true;
  }

  /** The Release Commander's decision at a gate whose items are all done. */
  private async approval(
    item: RunbookItem,
    rc: string | undefined,
  ): Promise<{ decision: "go"; by: string } | { decision: "no-go"; by: string; reason: string }> {
    if (this.o.rehearsal) return { decision: "go", by: "rehearsal" };
    // Runbooks that record no roles (provider QA, the demo ones) are decided by whoever runs them.
    const decider = rc ?? this.o.ctx.operator;
    if (this.o.approvals?.has(item.id)) return { decision: "go", by: decider };
    if (!this.o.mode.interactive)
      throw new CliExit(
        EXIT.usage,
        `${item.id}: Go/No-Go needs the Release Commander's decision — run on a terminal, or pass --approve ${item.id} (the run is saved: continue with --resume)`,
      );
    const answer = await this.o.prompter.decideGate(item, decider);
    if (rc && answer.by.trim().toLowerCase() !== rc.toLowerCase())
      throw new CliExit(EXIT.usage, `only the Release Commander (${rc}) can decide ${item.id}, not "${answer.by}".`);
    const by = rc ?? answer.by.trim();
    return answer.decision === "go" ? { decision: "go", by } : { decision: "no-go", by, reason: answer.reason };
  }

  private blocked(item: RunbookItem, summary: string, failed: string[], startedAt: string): void {
    this.state.status = "blocked";
    const rec = this.record(item, { outcome: "blocked", summary, startedAt, details: { failed } });
    this.o.reporter.item(item, rec);
  }

  private finish(started: number): RunSummary {
    const items: ItemReport[] = this.o.runbook.items.map((i) => {
      const r = this.state.items[i.id];
      return {
        id: i.id,
        section: i.section,
        kind: i.kind,
        step: i.step,
        text: i.text,
        required: i.required,
        outcome: r?.outcome ?? "pending",
        summary: r?.summary ?? "not reached",
        reason: r?.reason,
      };
    });
    const counts: Record<string, number> = {};
    for (const i of items) counts[i.outcome] = (counts[i.outcome] ?? 0) + 1;
    const blocked = items.some((i) => i.outcome === "blocked");
    const lastGateCovered = new Set<string>();
    for (const i of this.o.runbook.items) {
      const r = this.state.items[i.id];
      if (r?.outcome === "overridden")
        for (const id of (r.details as { failed?: string[] }).failed ?? []) lastGateCovered.add(id);
    }
    const notDone = items.filter(
      (i) =>
        i.required &&
        i.kind !== "gate" &&
        i.kind !== "signoff" &&
        !DONE.has(i.outcome as Outcome) &&
        !lastGateCovered.has(i.id),
    );
    const go = !blocked && notDone.length === 0 && items.every((i) => i.outcome !== "pending");
    this.state.status = blocked ? "blocked" : go ? "go" : "no-go";
    this.state.finishedAt = now();
    saveState(this.state, this.o.env);
    const unreachable = Object.values(this.state.items).some((r) => r.unreachable && !DONE.has(r.outcome));
    const exitCode: ExitCode = go ? EXIT.ok : unreachable ? EXIT.unreachable : EXIT.failed;
    const durationMs = Date.now() - started;
    this.o.log.append({ type: "run.end", status: this.state.status, counts, durationMs });
    return {
      runId: this.state.runId,
      runbook: this.state.runbook,
      status: this.state.status,
      verdict: go ? "GO" : "NO-GO",
      exitCode,
      rehearsal: this.state.rehearsal,
      durationMs,
      counts,
      items,
      log: { markdown: this.o.log.md, jsonl: this.o.log.jsonl },
    };
  }
}

async function runStepSafely(step: Step, ctx: StepContext): Promise<StepResult> {
  try {
    return await step.run(ctx);
  } catch (err) {
    return { ok: false, summary: `error: ${(err as Error).message.split("\n")[0]}` };
  }
}
