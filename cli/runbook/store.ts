// Where runs live and how their state is kept: `<launch dir>/<run-id>/state.json`, written
// after every item as temp file + fsync + rename, so a crash (kill -9, lid closed) leaves
// either the previous or the next state on disk, never half a file.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";

/** Where runs, logs and incidents live: TATU_LAUNCH_DIR, else .tatu/launch under the working directory. */
export function launchDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.TATU_LAUNCH_DIR || path.join(".tatu", "launch"));
}

export const Outcome = z.enum(["passed", "failed", "missing", "confirmed", "skipped", "blocked", "go", "overridden"]);
export type Outcome = z.infer<typeof Outcome>;

/** Outcomes that count as done: --resume never repeats these. */
export const DONE: ReadonlySet<Outcome> = new Set(["passed", "confirmed", "skipped", "go", "overridden"]);

export const ItemRecord = z.object({
  outcome: Outcome,
  summary: z.string(),
  operator: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  step: z.string().optional(),
  /** Manual confirmations: who confirmed, when (their words), their note. */
  confirmedBy: z.string().optional(),
  confirmedAt: z.string().optional(),
  note: z.string().optional(),
  /** Skips and gate overrides always carry one. */
  reason: z.string().optional(),
  overriddenBy: z.string().optional(),
  unreachable: z.boolean().optional(),
  details: z.unknown().optional(),
  attempts: z.number().int().positive(),
});
export type ItemRecord = z.infer<typeof ItemRecord>;

/** All five for the launch (launch.roles checks that); other runbooks may record only some. */
export const Roles = z.object({
  releaseCommander: z.string().min(1).optional(),
  backend: z.string().min(1).optional(),
  frontend: z.string().min(1).optional(),
  qa: z.string().min(1).optional(),
  observer: z.string().min(1).optional(),
});
export type Roles = z.infer<typeof Roles>;

export const RunState = z.object({
  version: z.literal(1),
  runId: z.string(),
  runbook: z.string(),
  status: z.enum(["running", "blocked", "go", "no-go"]),
  rehearsal: z.boolean(),
  operator: z.string(),
  baseUrl: z.string(),
  roles: Roles.optional(),
  window: z.string().optional(),
  startedAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().optional(),
  items: z.record(z.string(), ItemRecord),
});
export type RunState = z.infer<typeof RunState>;

/** A sortable run id: `<runbook>-<UTC timestamp>-<4 random hex>`. */
export function newRunId(runbook: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\..*$/, "").replace("T", "-");
  return `${runbook}-${stamp}-${randomBytes(2).toString("hex")}`;
}

/** The folder of one run inside the launch dir. */
export function runDir(runId: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(launchDir(env), runId);
}

/** Atomic replace: write a temp file next to the target, fsync it, rename over the target. */
export function writeFileAtomic(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(3).toString("hex")}.tmp`;
  const fd = fs.openSync(tmp, "w", 0o600);
  try {
    fs.writeFileSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/** Writes a run's state atomically and marks it as the current run. */
export function saveState(state: RunState, env: NodeJS.ProcessEnv = process.env): void {
  state.updatedAt = new Date().toISOString();
  writeFileAtomic(path.join(runDir(state.runId, env), "state.json"), JSON.stringify(state, null, 2) + "\n");
  writeFileAtomic(path.join(launchDir(env), "current"), state.runId + "\n");
}

/** Reads a run's state.json; throws when it is not a valid run state. */
export function loadState(runId: string, env: NodeJS.ProcessEnv = process.env): RunState {
  const file = path.join(runDir(runId, env), "state.json");
  const parsed = RunState.safeParse(JSON.parse(fs.readFileSync(file, "utf8")));
  if (!parsed.success) throw new Error(`${file} is not a tatu run state: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** Runs of a runbook, newest first. */
export function listRuns(runbook?: string, env: NodeJS.ProcessEnv = process.env): RunState[] {
  const dir = launchDir(env);
  if (!fs.existsSync(dir)) return [];
  const runs: RunState[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !fs.existsSync(path.join(dir, entry.name, "state.json"))) continue;
    try {
      const state = loadState(entry.name, env);
      if (!runbook || state.runbook === runbook) runs.push(state);
    } catch {
      /* a foreign folder: ignore */
    }
  }
  return runs.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}

/** The run `tatu log …` and sign-off attach to: the one last written. */
export function currentRunId(env: NodeJS.ProcessEnv = process.env): string | undefined {
  try {
    const id = fs.readFileSync(path.join(launchDir(env), "current"), "utf8").trim();
    return id && fs.existsSync(path.join(runDir(id, env), "state.json")) ? id : undefined;
  } catch {
    return undefined;
  }
}
