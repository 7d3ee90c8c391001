// A PRIVATE PostgreSQL cluster for one test file (initdb into a temp dir, trust auth, its own
// port and socket dir), so stopping it with `pg_ctl stop -m immediate` — a crash, as far as
// clients can tell — never touches the machine's shared server. Migrated with the production
// path (prisma migrate deploy). As root, the server binaries run as the `postgres` user.
import { execFile, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { migrateDeploy } from "../../../service/db/migrations.ts";
import { freePort } from "../../helpers/net.ts";
import type { PrivateServer } from "./processes.ts";

const run = promisify(execFile);

/** `url`: postgresql://postgres@127.0.0.1:<port>/tatu, migrated. */
export interface PrivatePostgres extends PrivateServer {
  /** `pg_ctl stop -m immediate`: every connection dropped at once, no checkpoint. */
  crash(): Promise<void>;
}

function binDir(): string {
  if (process.env.PG_BIN_DIR) return process.env.PG_BIN_DIR;
  const root = "/usr/lib/postgresql";
  const versions = fs.existsSync(root)
    ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, "bin", "initdb")))
    : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error("no PostgreSQL server binaries under /usr/lib/postgresql (set PG_BIN_DIR)");
  return path.join(root, newest, "bin");
}

export async function privatePostgres(opts: { database?: string } = {}): Promise<PrivatePostgres> {
  const bin = binDir();
  const port = await freePort();
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "tatu-chaos-pg-"));
  const data = path.join(base, "data");
  const logFile = path.join(base, "server.log");
  // initdb/postgres refuse to run as root: run them as the postgres user (owner of the dir).
  const asRoot = process.getuid?.() === 0;
  const ids = asRoot
    ? await run("id", ["-u", "postgres"]).then(async (u) => ({
        uid: Number(u.stdout),
        gid: Number((await run("id", ["-g", "postgres"])).stdout),
      }))
    : undefined;
  if (ids) {
    fs.chmodSync(base, 0o755);
    fs.chownSync(base, ids.uid, ids.gid);
  }
  const pg = (tool: string, args: string[]) =>
    run(path.join(bin, tool), args, { ...(ids ?? {}), cwd: base, env: { PATH: process.env.PATH, LC_ALL: "C" } });

  await pg("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"]);
  const start = async () => {
    await pg("pg_ctl", [
      "-D",
      data,
      "-l",
      logFile,
      "-w",
      "-t",
      "30",
      "-o",
      `-p ${port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off`,
      "start",
    ]);
  };
  await start();
  // pg_ctl daemonises the server: stop it if the test process ends without close().
  const reap = () => {
    try {
      execFileSync(path.join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "stop"], {
        ...(ids ?? {}),
        stdio: "ignore",
      });
    } catch {
      /* already stopped */
    }
  };
  process.once("exit", reap);
  const database = opts.database ?? "tatu";
  await run("psql", [
    "-h",
    "127.0.0.1",
    "-p",
    String(port),
    "-U",
    "postgres",
    "-d",
    "postgres",
    "-c",
    `CREATE DATABASE "${database}"`,
  ]);
  const url = `postgresql://postgres@127.0.0.1:${port}/${database}`;
  await migrateDeploy(url);

  return {
    port,
    url,
    start,
    async crash() {
      await pg("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
    },
    async close() {
      process.removeListener("exit", reap);
      await pg("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]).catch(() => undefined);
      fs.rmSync(base, { recursive: true, force: true });
    },
  };
}
