// A PRIVATE redis-server for one test file, so killing and restarting it never disturbs the
// machine's shared Redis (other test files use it at the same time). Same binary and flags as
// the environment notes, in the foreground as a child process; no persistence, so a restart
// loses everything, exactly like a managed Redis failing over without a snapshot.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { freePort } from "../../helpers/net.ts";
import type { PrivateServer } from "./processes.ts";

/** `start` resolves once redis-server answers PING. */
export interface PrivateRedis extends PrivateServer {
  /** SIGKILL and wait for the port to close. */
  kill(): Promise<void>;
}

const BIN = process.env.REDIS_SERVER_PATH ?? "redis-server";

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.setTimeout(500);
    s.once("connect", () => s.write("PING\r\n"));
    s.once("data", (d) => {
      s.destroy();
      resolve(d.toString().startsWith("+PONG"));
    });
    s.once("error", () => resolve(false));
    s.once("timeout", () => {
      s.destroy();
      resolve(false);
    });
  });
}

export async function privateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tatu-chaos-redis-"));
  let child: ChildProcess | undefined;
  let log = "";

  const kill = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((r) => c.once("exit", r));
    c.kill("SIGKILL");
    await gone;
  };
  const start = async () => {
    if (child) throw new Error("private redis already running");
    const c = spawn(
      BIN,
      [
        "--daemonize",
        "no",
        "--bind",
        "127.0.0.1",
        "--port",
        String(port),
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        dir,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child = c;
    const reap = () => c.kill("SIGKILL"); // never outlive the test process
    process.once("exit", reap);
    c.once("exit", () => process.removeListener("exit", reap));
    c.stdout!.on("data", (d) => (log = (log + d).slice(-8192)));
    c.stderr!.on("data", (d) => (log = (log + d).slice(-8192)));
    const deadline = Date.now() + 10_000;
    while (!(await ping(port))) {
      if (c.exitCode !== null || Date.now() > deadline) {
        await kill();
        throw new Error(`redis-server on ${port} did not start:\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    start,
    kill,
    async close() {
      await kill();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
