// Whether processing keeps up with acknowledgement: the bench user's own WebSocket records
// when each `message.created` event arrives, and PostgreSQL says when each webhook was
// received and processed. From these: end-to-end throughput (first request sent → last
// message stored and published), webhook → WebSocket delivery latency per event, and the
// backlog's maximum age (the longest any accepted event waited to be processed).
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import type { AppContext } from "../service/context.ts";
import { signRealtimeToken } from "../service/realtime/token.ts";

const now = () => performance.timeOrigin + performance.now();

export interface Inbox {
  /** messageId → when its message.created event arrived (epoch ms). */
  arrivals: Map<string, number>;
  close(): void;
}

/** A signed-in session of the bench user with its WebSocket open (as the web app keeps it). */
export async function openInbox(ctx: AppContext, serverUrl: string, userId: string): Promise<Inbox> {
  const session = await ctx.db.session.create({
    data: {
      userId,
      tokenHash: randomBytes(32).toString("hex"),
      csrfToken: randomBytes(16).toString("hex"),
      expiresAt: new Date(Date.now() + 24 * 3600_000),
    },
  });
  const token = await signRealtimeToken(ctx.config.jwtSecret, userId, session.id);
  const ws = new WebSocket(`${serverUrl.replace(/^http/, "ws")}/ws?token=${encodeURIComponent(token)}`);
  const arrivals = new Map<string, number>();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("bench inbox: no 'ready' on the WebSocket within 10 s")), 10_000);
    ws.once("error", reject);
    ws.on("message", (raw) => {
      const at = now();
      const e = JSON.parse(String(raw)) as { type: string; messageId?: string };
      if (e.type === "message.created" && e.messageId) arrivals.set(e.messageId, at);
      else if (e.type === "ready") {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return { arrivals, close: () => ws.close() };
}

export interface FlowStats {
  /** Accepted (200) events of the run. */
  events: number;
  /** Acknowledgements per second over the run's own window (first send → last answer). */
  ackRps: number;
  /** First request sent → last of its messages published on the WebSocket, seconds. */
  e2eSec: number;
  e2eRps: number;
  /** e2eRps / ackRps. */
  ratio: number;
  /** Of `events`, how many were stored as a message and announced on the WebSocket. */
  published: number;
  delivery: { p50: number; p99: number; max: number };
  /** Longest wait of any of these events between being stored and being processed, seconds. */
  backlogMaxAgeSec: number;
  /** Paced runs: the rate asked for and the one sent. */
  rate?: { asked: number; sent: number };
}

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]! : Number.NaN;

/** The run's flow figures; waits (bounded) for the WebSocket to report the last messages. */
export async function flowStats(
  ctx: AppContext,
  inbox: Inbox,
  run: { source: string; eventIds: string[]; sentAt: number[]; ackRps: number; rate?: number },
): Promise<FlowStats> {
  const rows = await ctx.db.$queryRaw<{ eventId: string; messageId: string | null; age: number | null }[]>`
    SELECT w."eventId", m.id AS "messageId", extract(epoch FROM w."processedAt" - w."receivedAt")::float8 AS age
    FROM "WebhookEvent" w LEFT JOIN "Message" m ON m."externalId" = w."eventId"
    WHERE w.source = ${run.source} AND w."eventId" = ANY(${run.eventIds}::text[])`;
  const byEvent = new Map(rows.map((r) => [r.eventId, r]));
  const missing = () => rows.filter((r) => r.messageId && !inbox.arrivals.has(r.messageId)).length;
  for (let waited = 0; missing() && waited < 5_000; waited += 50) await new Promise((r) => setTimeout(r, 50));

  const latencies: number[] = [];
  let first = Number.POSITIVE_INFINITY,
    last = 0;
  run.eventIds.forEach((id, i) => {
    const sent = run.sentAt[i]!;
    if (sent) first = Math.min(first, sent);
    const messageId = byEvent.get(id)?.messageId;
    const at = messageId ? inbox.arrivals.get(messageId) : undefined;
    if (at === undefined || !sent) return;
    latencies.push(at - sent);
    last = Math.max(last, at);
  });
  latencies.sort((a, b) => a - b);
  const e2eSec = last > first ? (last - first) / 1000 : Number.NaN;
  const e2eRps = run.eventIds.length / e2eSec;
  const sentSpan = (Math.max(...run.sentAt) - first) / 1000;
  return {
    events: run.eventIds.length,
    ackRps: run.ackRps,
    e2eSec,
    e2eRps,
    ratio: e2eRps / run.ackRps,
    published: latencies.length,
    delivery: {
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      max: latencies.at(-1) ?? Number.NaN,
    },
    backlogMaxAgeSec: Math.max(0, ...rows.map((r) => r.age ?? Number.POSITIVE_INFINITY)),
    ...(run.rate ? { rate: { asked: run.rate, sent: sentSpan > 0 ? (run.eventIds.length - 1) / sentSpan : 0 } } : {}),
  };
}
