// Optional CPU profile of the server's thread during a measured webhook run
// (BENCH_WEBHOOKS_CPUPROF=1): V8's sampling profiler through node:inspector, written as a
// .cpuprofile (open it in Chrome DevTools) and summarised as self time per package / file, which
// answers "where does the time go" under load (Prisma? BullMQ? the HTTP stack? GC?).
import fs from "node:fs";
import { Session } from "node:inspector/promises";
import path from "node:path";
import pg from "pg";
import type { WebhookItem } from "../service/providers/kit/webhook.ts";

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  hitCount?: number;
}
interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileSummary {
  file: string;
  buckets: { name: string; pct: number }[];
}

/** Groups a frame: npm package, our own file, Node internals, or V8's pseudo-frames. */
function bucketOf(frame: CpuProfileNode["callFrame"]): string {
  const url = frame.url;
  if (!url) return frame.functionName.startsWith("(") ? frame.functionName : "(native / V8)";
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith("node:")) return `node:${url.slice(5).split("/")[0]}`;
  const own = /\/(service|bench)\/(.+)$/.exec(url);
  if (own) return `${own[1]}/${own[2]}`;
  return url;
}

export async function startProfile(): Promise<() => Promise<CpuProfile>> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 500 });
  await session.post("Profiler.start");
  return async () => {
    const { profile } = (await session.post("Profiler.stop")) as unknown as { profile: CpuProfile };
    session.disconnect();
    return profile;
  };
}

export function summarise(profile: CpuProfile, dir: string, name: string, top = 10): ProfileSummary {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.cpuprofile`);
  fs.writeFileSync(file, JSON.stringify(profile));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const weight = new Map<string, number>();
  let total = 0;
  // Sample-accurate: each sample's time delta goes to the frame it landed in.
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  samples.forEach((id, i) => {
    const node = byId.get(id);
    if (!node) return;
    const dt = deltas[i + 1] ?? deltas[i] ?? 0;
    const b = bucketOf(node.callFrame);
    weight.set(b, (weight.get(b) ?? 0) + dt);
    total += dt;
  });
  const buckets = [...weight.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([n, w]) => ({ name: n, pct: total ? (100 * w) / total : 0 }));
  return { file, buckets };
}

/** The floor of the store step: the same rows, one INSERT … ON CONFLICT DO NOTHING RETURNING id
 *  through plain `pg`, into a LIKE-copy of "WebhookEvent" (same columns, same unique index). */
export class StoreFloor {
  private readonly pool: pg.Pool;

  constructor(databaseUrl: string) {
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  }

  async init(): Promise<void> {
    await this.pool.query(`CREATE TABLE IF NOT EXISTS "BenchWebhookEventFloor" (LIKE "WebhookEvent" INCLUDING ALL)`);
  }

  async insert(source: string, items: WebhookItem[]): Promise<string[]> {
    const payloads = items.map((item) =>
      JSON.stringify({ ...item, message: item.message ? { ...item.message, attachments: [] } : undefined }),
    );
    const r = await this.pool.query(
      `INSERT INTO "BenchWebhookEventFloor" (id, source, "eventId", status, "signatureOk", payload)
       SELECT gen_random_uuid(), $1, e, 'received', true, p FROM unnest($2::text[], $3::jsonb[]) AS t(e, p)
       ON CONFLICT (source, "eventId") DO NOTHING RETURNING id`,
      [source, items.map((i) => i.eventId), payloads],
    );
    return r.rows.map((x: { id: string }) => x.id);
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
