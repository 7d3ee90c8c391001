// Tatu's own entry points (API, worker) as real OS processes, so chaos tests can kill -9 them
// and the scale-out bench can run several. Each child gets exactly the env it is given (plus
// PATH/HOME), logs are kept in memory for failure messages, and stop()/kill9() wait for exit.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort } from "../../helpers/net.ts";

export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** A server a chaos test runs privately (its own port and directory) to break on purpose. */
export interface PrivateServer {
  readonly port: number;
  readonly url: string;
  /** Starts it (again) on the same port; resolves once it answers. */
  start(): Promise<void>;
  /** Stops it for good and removes its directory. */
  close(): Promise<void>;
}

export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything the process wrote to stdout/stderr so far (last 64 KB). */
  output(): string;
  /** Resolves when output contains `text` (or rejects when the process exits first / after ms). */
  waitForOutput(text: string, ms?: number): Promise<void>;
  /** SIGKILL: no shutdown hooks, no lease release, active jobs left behind. */
  kill9(): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const KEEP = 64 * 1024;

/** Starts `node --import tsx <entry>` from the repository root with `env` (nothing inherited but PATH/HOME). */
export function spawnTsx(entry: string, env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, ["--import", "tsx", entry], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  // Never outlive the test process (a crashed or timed-out test file must not leave workers behind).
  const reap = () => child.kill("SIGKILL");
  process.once("exit", reap);
  child.once("exit", () => process.removeListener("exit", reap));
  let out = "";
  const waiters = new Set<() => void>();
  const onData = (d: Buffer) => {
    out = (out + d.toString()).slice(-KEEP);
    for (const w of waiters) w();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => {
      resolve({ code, signal });
      for (const w of waiters) w();
    }),
  );
  const isDone = () => child.exitCode !== null || child.signalCode !== null;

  const proc: ServiceProcess = {
    child,
    pid: child.pid!,
    exited,
    output: () => out,
    waitForOutput: (text, ms = 30_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${entry}: no "${text}" within ${ms} ms. Output:\n${out}`));
        }, ms);
        const check = () => {
          if (out.includes(text)) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve();
          } else if (isDone()) {
            clearTimeout(timer);
            waiters.delete(check);
            reject(new Error(`${entry} exited before "${text}". Output:\n${out}`));
          }
        };
        waiters.add(check);
        check();
      }),
    async kill9() {
      if (!isDone()) child.kill("SIGKILL");
      await exited;
    },
    async stop(graceMs = 10_000) {
      if (isDone()) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  return proc;
}

/**
 * `npm run worker` (service/worker.ts) as a child process. Resolves once it has logged
 * "worker running" (the env must keep LOG_LEVEL at info or lower, which this sets by default).
 */
export async function spawnWorker(
  env: Record<string, string>,
  opts: { readyMs?: number } = {},
): Promise<ServiceProcess> {
  const worker = spawnTsx("service/worker.ts", { LOG_LEVEL: "info", ...env });
  try {
    await worker.waitForOutput("worker running", opts.readyMs ?? 30_000);
  } catch (err) {
    await worker.kill9();
    throw err;
  }
  return worker;
}

export interface ApiProcess extends ServiceProcess {
  url: string;
  port: number;
}

/**
 * `npm start`'s entry (service/main.ts) as a child process on a free port, HTTP only by default
 * (IN_PROCESS_WORKER=off, TATU_SCHEDULER=off): an API replica of a scaled-out deploy. Resolves
 * once GET /api/health answers 200. NEXTAUTH_URL defaults to the real address.
 */
export async function spawnApi(
  env: Record<string, string>,
  opts: { port?: number; readyMs?: number } = {},
): Promise<ApiProcess> {
  const port = opts.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const api = spawnTsx("service/main.ts", {
    IN_PROCESS_WORKER: "off",
    TATU_SCHEDULER: "off",
    NEXTAUTH_URL: url,
    ...env,
    PORT: String(port),
  });
  const deadline = Date.now() + (opts.readyMs ?? 30_000);
  for (;;) {
    const ok = await fetch(`${url}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return Object.assign(api, { url, port });
    if (api.child.exitCode !== null || Date.now() > deadline) {
      await api.kill9();
      throw new Error(`service/main.ts did not answer /api/health on ${url}. Output:\n${api.output()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
