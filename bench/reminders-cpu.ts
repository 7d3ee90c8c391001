// CPU time of the PostgreSQL backends serving one database, read from /proc (PostgreSQL on
// this machine, as in the benchmark's default setup): with the service's and the stand-in's
// own CPU it shows which process a reminder run keeps busy. Undefined when /proc cannot tell
// (PostgreSQL elsewhere, another OS).
import fs from "node:fs";
import type pg from "pg";

const TICK_MS = 10; // USER_HZ is 100 on Linux

function backendCpuMs(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) * TICK_MS; // utime, stime (fields 14, 15)
  } catch {
    return undefined;
  }
}

export type PgCpu = Map<number, number>;

/** CPU so far of every backend connected to `c`'s database. */
export async function pgCpu(c: pg.Client): Promise<PgCpu | undefined> {
  const { rows } = await c.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`,
  );
  const out: PgCpu = new Map();
  for (const { pid } of rows) {
    const ms = backendCpuMs(pid);
    if (ms === undefined) return undefined;
    out.set(pid, ms);
  }
  return out;
}

/** CPU the database's backends used between two readings (backends gone by `after` are missed). */
export function pgCpuSince(before: PgCpu | undefined, after: PgCpu | undefined): number | undefined {
  if (!before || !after) return undefined;
  let ms = 0;
  for (const [pid, t] of after) ms += t - (before.get(pid) ?? 0);
  return ms;
}
