// The hypercare numbers (GET /api/admin/metrics, `tatu hypercare`, the ops page): per provider
// and per window, from rows every replica writes to Postgres and the rejection counters
// (Redis or Postgres, webhooks/rejections.ts), plus the live queue counts, plus a per-minute
// series of requests and 5xx (http/request-counts.ts) for the "sustained 5xx spike" trigger.
import type { AppContext } from "../context.ts";
import { providerIds } from "../providers/catalog.ts";
import { rejectionCounts, type CountedReason } from "../webhooks/rejections.ts";
import { providerOfSource } from "../providers/catalog.ts";
import { perMinuteSeries } from "../http/request-counts.ts";

export const windows = { "15m": 15, "1h": 60, "24h": 1440 } as const;
export type WindowName = keyof typeof windows;

export interface ProviderMetrics {
  webhooksAccepted: number;
  /** Every bad or missing signature (anyone can send these: shown, not a rollback trigger). */
  webhooksRejectedSignature: number;
  /** The part of those from addresses that delivered a correctly signed webhook of the same
   *  source in the last 24 h: the provider itself failing verification (a rotated secret). */
  webhooksRejectedKnownSender: number;
  webhooksRejectedOther: number;
  /** Answered 429 without any check: the address had too many rejected deliveries. */
  webhooksRateLimited: number;
  webhooksFailedProcessing: number;
  syncRunsOk: number;
  syncRunsError: number;
  jobsRetried: number;
  serverErrors: number;
}

const empty = (): ProviderMetrics => ({
  webhooksAccepted: 0,
  webhooksRejectedSignature: 0,
  webhooksRejectedKnownSender: 0,
  webhooksRejectedOther: 0,
  webhooksRateLimited: 0,
  webhooksFailedProcessing: 0,
  syncRunsOk: 0,
  syncRunsError: 0,
  jobsRetried: 0,
  serverErrors: 0,
});

type Row = { key: string | null; w15: number; w60: number; w1440: number };
const counts = (filter: string) =>
  `count(*) FILTER (WHERE ${filter} AND t >= now() - interval '15 minutes')::int AS w15,
   count(*) FILTER (WHERE ${filter} AND t >= now() - interval '60 minutes')::int AS w60,
   count(*) FILTER (WHERE ${filter})::int AS w1440`;

/** `minutes`: length of the per-minute series (requests and 5xx per minute, oldest first). */
export async function collectMetrics(ctx: AppContext, opts: { minutes?: number } = {}) {
  const since = "now() - interval '24 hours'";
  const q = (sql: string) => ctx.db.$queryRawUnsafe<Row[]>(sql);
  const minutes = opts.minutes ?? 30;
  const [perMinute, rejections, accepted, failed, syncOk, syncErr, retried, errors] = await Promise.all([
    perMinuteSeries(ctx, minutes),
    rejectionCounts(ctx),
    // Rows with status "rejected" are from before the counters (no longer written).
    q(
      `SELECT source AS key, ${counts("status <> 'rejected'")} FROM (SELECT source, status, "receivedAt" AS t FROM "WebhookEvent" WHERE "receivedAt" >= ${since}) x GROUP BY source`,
    ),
    q(
      `SELECT source AS key, ${counts("status = 'failed'")} FROM (SELECT source, status, "receivedAt" AS t FROM "WebhookEvent" WHERE "receivedAt" >= ${since}) x GROUP BY source`,
    ),
    q(
      `SELECT a.provider AS key, ${counts("s.status = 'ok'")} FROM (SELECT "accountId", status, "startedAt" AS t FROM "SyncRun" WHERE "startedAt" >= ${since}) s JOIN "ConnectedAccount" a ON a.id = s."accountId" GROUP BY a.provider`,
    ),
    q(
      `SELECT a.provider AS key, ${counts("s.status = 'error'")} FROM (SELECT "accountId", status, "startedAt" AS t FROM "SyncRun" WHERE "startedAt" >= ${since}) s JOIN "ConnectedAccount" a ON a.id = s."accountId" GROUP BY a.provider`,
    ),
    q(
      `SELECT provider AS key, ${counts("attempt > 1")} FROM (SELECT provider, attempt, "startedAt" AS t FROM "JobRun" WHERE kind = 'job' AND "startedAt" >= ${since}) x GROUP BY provider`,
    ),
    q(
      `SELECT provider AS key, ${counts("true")} FROM (SELECT provider, at AS t FROM "ServerErrorEvent" WHERE at >= ${since}) x GROUP BY provider`,
    ),
  ]);

  const result = Object.fromEntries(
    Object.keys(windows).map((w) => [w, { providers: {} as Record<string, ProviderMetrics>, totals: empty() }]),
  ) as Record<WindowName, { providers: Record<string, ProviderMetrics>; totals: ProviderMetrics }>;
  for (const w of Object.keys(windows) as WindowName[])
    for (const p of [...providerIds, "core"]) result[w].providers[p] = empty();

  const add = (rows: Row[], field: keyof ProviderMetrics, keyOf: (k: string | null) => string = (k) => k ?? "core") => {
    for (const row of rows) {
      const key = keyOf(row.key);
      for (const [w, value] of [
        ["15m", row.w15],
        ["1h", row.w60],
        ["24h", row.w1440],
      ] as const) {
        const bucket = (result[w].providers[key] ??= empty());
        bucket[field] += value;
        result[w].totals[field] += value;
      }
    }
  };
  const bySource = (k: string | null) => providerOfSource(k ?? "core");
  add(accepted, "webhooksAccepted", bySource);
  const field: Record<CountedReason, (keyof ProviderMetrics)[]> = {
    signature_unknown: ["webhooksRejectedSignature"],
    signature_known: ["webhooksRejectedSignature", "webhooksRejectedKnownSender"],
    rate_limited: ["webhooksRateLimited"],
    malformed: ["webhooksRejectedOther"],
    content_type: ["webhooksRejectedOther"],
    too_large: ["webhooksRejectedOther"],
    unreadable: ["webhooksRejectedOther"],
  };
  for (const [source, reasons] of rejections)
    for (const [reason, w] of reasons)
      for (const f of field[reason] ?? ["webhooksRejectedOther"]) add([{ key: source, ...w }], f, bySource);
  add(failed, "webhooksFailedProcessing", bySource);
  add(syncOk, "syncRunsOk");
  add(syncErr, "syncRunsError");
  add(retried, "jobsRetried");
  add(errors, "serverErrors");

  let queue: Record<string, unknown>;
  try {
    queue = { mode: ctx.queue.mode, ...(await ctx.queue.counts()) };
  } catch (err) {
    queue = { mode: ctx.queue.mode, error: `queue unavailable: ${(err as Error).message}` };
  }
  return { generatedAt: new Date().toISOString(), windows: result, perMinute, queue };
}
