// Runs the real `tatu` CLI (node cli/bin.mjs) against the fixture runbooks and test steps,
// each test in its own launch folder.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const BIN = path.join(ROOT, "cli/bin.mjs");
export const FIXTURES = path.join(ROOT, "test/cli/fixtures");

export interface Sandbox {
  dir: string;
  launchDir: string;
  runs: string;
  marker: string;
  env: Record<string, string>;
}

const created: string[] = [];

/** Removes every sandbox folder this test file made (call from afterAll). */
export function removeSandboxes(): void {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

export function sandbox(): Sandbox {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tatu-runbook-test-"));
  created.push(dir);
  const launchDir = path.join(dir, "launch");
  const runs = path.join(dir, "runs.txt");
  const marker = path.join(dir, "marker");
  return {
    dir,
    launchDir,
    runs,
    marker,
    env: {
      PATH: process.env.PATH!,
      HOME: process.env.HOME ?? dir,
      CI: "true",
      NO_COLOR: "1",
      TATU_OPERATOR: "tester",
      TATU_LAUNCH_DIR: launchDir,
      TATU_RUNBOOKS_DIR: path.join(FIXTURES, "runbooks"),
      TATU_STEP_MODULES: path.join(FIXTURES, "runbook-steps.ts"),
      TEST_STEP_RUNS: runs,
      TEST_STEP_MARKER: marker,
    },
  };
}

export function tatu(sb: Sandbox, args: string[], opts: { env?: Record<string, string> } = {}) {
  return execa("node", [BIN, ...args], {
    cwd: sb.dir,
    reject: false,
    extendEnv: false,
    env: { ...sb.env, ...opts.env },
  });
}

export function runsOf(sb: Sandbox): string[] {
  return fs.existsSync(sb.runs) ? fs.readFileSync(sb.runs, "utf8").split("\n").filter(Boolean) : [];
}

export function onlyRun(sb: Sandbox): { id: string; dir: string; state: any; log: any[]; md: string } {
  const ids = fs
    .readdirSync(sb.launchDir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
  if (ids.length !== 1) throw new Error(`expected one run, found ${ids.join(", ")}`);
  const dir = path.join(sb.launchDir, ids[0]!);
  const state = JSON.parse(fs.readFileSync(path.join(dir, "state.json"), "utf8"));
  const log = fs
    .readFileSync(path.join(dir, "launch-log.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  return { id: ids[0]!, dir, state, log, md: fs.readFileSync(path.join(dir, "launch-log.md"), "utf8") };
}

export const TARGET = ["--url", "http://127.0.0.1:9"];
export const ROLES = [
  "--release-commander",
  "Ada",
  "--backend",
  "Bo",
  "--frontend",
  "Fe",
  "--qa",
  "Quinn",
  "--observer",
  "Obi",
  "--window",
  "2026-12-01 14:00-16:00 UTC",
];
