// Starting and stopping a peer server (Dovecot, Radicale) so that none is ever left behind,
// and waiting until it answers.
import { spawn, type ChildProcess } from "node:child_process";

export interface Running {
  child: ChildProcess;
  exited: Promise<void>;
  log: string[];
}

/**
 * `program args…` in the foreground under a tiny sh wrapper that kills it when its stdin
 * closes: stop() ends stdin, and if the test process dies the pipe closes too. The last 400
 * stderr lines are kept for error messages.
 */
export function spawnPeer(program: string, args: string[]): Running {
  const child = spawn(
    "/bin/sh",
    ["-c", '"$0" "$@" & p=$!; trap "" TERM; read _ ; kill $p 2>/dev/null; wait $p', program, ...args],
    {
      detached: true, // own process group: stopPeer() can sweep stragglers by group id
      stdio: ["pipe", "ignore", "pipe"],
    },
  );
  const log: string[] = [];
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => {
    log.push(...chunk.split("\n").filter(Boolean));
    if (log.length > 400) log.splice(0, log.length - 400);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return { child, exited, log };
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM to the whole process group (the wrapper ignores it): a master and its children
 *  stop together in a few ms, where a master alone may wait for its children. The wrapper
 *  then reaps it; SIGKILL sweeps anything of the group still there. */
export async function stopPeer(r: Running): Promise<void> {
  const pgid = r.child.pid!;
  try {
    process.kill(-pgid, "SIGTERM");
  } catch {
    /* already gone */
  }
  r.child.stdin!.end();
  await Promise.race([r.exited, new Promise((res) => setTimeout(res, 5000))]);
  for (let i = 0; i < 100 && groupAlive(pgid); i++) await new Promise((res) => setTimeout(res, 20));
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {
    /* group gone */
  }
  await r.exited;
}

/**
 * Polls `up()` until the peer answers (undefined), or stops it and says why it should be
 * retried: a `fatal` log line, an early exit, or no answer within 15 s (e.g. a port taken by
 * a parallel test between freePort() and bind()).
 */
export async function waitUntilUp(
  r: Running,
  opts: { fatal: RegExp; up: () => Promise<boolean>; pollMs: number },
): Promise<{ retry: string } | undefined> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const fatal = r.log.find((l) => opts.fatal.test(l));
    if (fatal || r.child.exitCode !== null || Date.now() > deadline) {
      await stopPeer(r);
      const why = fatal ?? (Date.now() > deadline ? "did not answer within 15 s" : "exited");
      return { retry: `${why}\n${r.log.slice(-20).join("\n")}` };
    }
    if (await opts.up()) return undefined;
    await new Promise((res) => setTimeout(res, opts.pollMs));
  }
}
