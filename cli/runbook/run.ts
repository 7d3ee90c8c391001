// Starting or resuming a run of a runbook: state + launch log + engine, shared by
// `tatu runbook run`, `tatu launch` and the rehearsal.
import { CliExit, EXIT, promptCancelled } from "../output/exit-codes.ts";
import { RunbookEngine, type EngineOptions, type RunSummary } from "./engine.ts";
import { LaunchLog } from "./log.ts";
import type { Runbook } from "./parse.ts";
import { collectRoles, type RoleOptions } from "./roles.ts";
import { findStep, loadSteps } from "../steps/catalog.ts";
import { DONE, listRuns, loadState, newRunId, saveState, type Roles, type RunState } from "./store.ts";

/** What a run needs: the engine's own options (documented there) plus where to start from. */
export interface RunOptions
  extends Pick<
    EngineOptions,
    | "ctx"
    | "mode"
    | "prompter"
    | "reporter"
    | "reason"
    | "skips"
    | "overrides"
    | "approvals"
    | "rehearsal"
    | "beforeItem"
    | "env"
  > {
  runbook: Runbook;
  /** true = the newest unfinished run of this runbook; a string = that run id. */
  resume?: boolean | string;
  roles?: RoleOptions;
  /** Roles decided by the caller (the rehearsal) instead of flags/prompts. */
  presetRoles?: { roles: Roles; window: string };
}

function resumable(runbook: string, resume: true | string, env: NodeJS.ProcessEnv | undefined): RunState {
  if (typeof resume === "string") {
    try {
      const state = loadState(resume, env);
      if (state.runbook !== runbook)
        throw new CliExit(EXIT.usage, `run ${resume} is a run of "${state.runbook}", not "${runbook}"`);
      return state;
    } catch (err) {
      if (err instanceof CliExit) throw err;
      throw new CliExit(EXIT.usage, `no run ${resume} to resume (${(err as Error).message.split("\n")[0]})`);
    }
  }
  const latest = listRuns(runbook, env)[0];
  if (!latest) throw new CliExit(EXIT.usage, `no earlier run of "${runbook}" to resume: start one without --resume`);
  if (latest.status === "go")
    throw new CliExit(EXIT.usage, `the last run of "${runbook}" (${latest.runId}) already ended GO: nothing to resume`);
  return latest;
}

/** Starts a run (or resumes one with its state and launch log), runs the engine and returns the summary. */
export async function executeRun(o: RunOptions): Promise<RunSummary> {
  await loadSteps(o.env);
  let state: RunState;
  let log: LaunchLog;
  if (o.resume) {
    state = resumable(o.runbook.name, o.resume, o.env);
    state.status = "running";
    delete state.finishedAt;
    log = new LaunchLog(state.runId, o.env);
    const done = Object.entries(state.items)
      .filter(([, r]) => DONE.has(r.outcome))
      .map(([id]) => id);
    log.append({ type: "run.resume", operator: o.ctx.operator, done });
    o.reporter.line(`Resuming ${state.runId}: ${done.length} item(s) already done are not repeated.`);
  } else {
    const needsRoles = o.runbook.items.some((i) => i.step === "launch.roles");
    const { roles, window } = o.presetRoles ?? (await collectRoles(o.roles ?? {}, o.mode, needsRoles));
    const startedAt = new Date().toISOString();
    state = {
      version: 1,
      runId: newRunId(o.runbook.name),
      runbook: o.runbook.name,
      status: "running",
      rehearsal: Boolean(o.rehearsal),
      operator: o.ctx.operator,
      baseUrl: o.ctx.baseUrl,
      roles,
      window,
      startedAt,
      updatedAt: startedAt,
      items: {},
    };
    saveState(state, o.env);
    log = new LaunchLog(state.runId, o.env);
    log.append({
      type: "run.start",
      runbook: o.runbook.name,
      operator: o.ctx.operator,
      rehearsal: state.rehearsal,
      roles,
      window,
      baseUrl: o.ctx.baseUrl,
    });
    o.reporter.line(`Run ${state.runId} of ${o.runbook.title}${o.rehearsal ? " (rehearsal)" : ""} — log: ${log.md}`);
  }
  for (const [id, reason] of o.skips ?? []) {
    if (!o.runbook.items.some((i) => i.id === id))
      throw new CliExit(EXIT.usage, `--skip ${id}: no such item in ${o.runbook.name}`);
    if (!reason.trim()) throw new CliExit(EXIT.usage, `--skip ${id} needs a reason: --skip "${id}=why"`);
  }
  for (const id of o.overrides?.keys() ?? []) {
    const item = o.runbook.items.find((i) => i.id === id);
    if (!item || (item.kind !== "gate" && item.kind !== "signoff"))
      throw new CliExit(EXIT.usage, `--override ${id}: not a gate of ${o.runbook.name}`);
  }
  for (const id of o.approvals ?? []) {
    if (o.runbook.items.find((i) => i.id === id)?.kind !== "gate")
      throw new CliExit(EXIT.usage, `--approve ${id}: not a Go/No-Go gate of ${o.runbook.name}`);
  }
  const engine = new RunbookEngine({
    runbook: o.runbook,
    state,
    log,
    ctx: o.ctx,
    mode: o.mode,
    findStep,
    prompter: o.prompter,
    reporter: o.reporter,
    reason: o.reason,
    skips: o.skips,
    overrides: o.overrides,
    approvals: o.approvals,
    rehearsal: o.rehearsal,
    beforeItem: o.beforeItem,
    env: o.env,
  });
  try {
    return await engine.run();
  } catch (err) {
    // A confirmation that could not be given: the run stops here, resumable, state kept.
    state.status = "no-go";
    saveState(state, o.env);
    throw promptCancelled(err)
      ? new CliExit(EXIT.usage, "cancelled at the prompt (the run is saved: continue with --resume)")
      : err;
  }
}
