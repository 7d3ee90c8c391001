// The api mode's queue worker: `npm run worker` (service/worker.ts) in its own process, as the
// production topology runs it next to the API host, on the same PostgreSQL and Redis.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export interface WorkerProcess {
  stop(): Promise<void>;
  output(): string;
}

/** Starts the worker with this environment and resolves once it logs "worker running". */
export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const proc = spawn(process.execPath, ["--import", "tsx", "service/worker.ts"], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env, LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-20_000);
  };
  proc.stdout.on("data", keep);
  proc.stderr.on("data", keep);
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
    await exited;
  };
  const deadline = Date.now() + 60_000;
  while (!out.includes("worker running")) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`the bench worker did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { stop, output: () => out };
}
