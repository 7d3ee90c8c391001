// Shared by the inbox benchmark modules: env knobs, timing, percentiles, tables, and the
// small pieces of database plumbing every measurement needs.
import { performance } from "node:perf_hooks";
import type pg from "pg";
import type { AppContext } from "../service/context.ts";

export { intEnv } from "./lib/run.ts";

/** A failed check means the bench (not the code's speed) is broken: exit 1, say what. */
export class BenchCheckError extends Error {}

export function check(cond: unknown, what: string): asserts cond {
  if (!cond) throw new BenchCheckError(what);
}

export const now = (): number => performance.now();

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = now();
  const value = await fn();
  return { ms: now() - t0, value };
}

/** Nearest-rank percentile of an unsorted sample (p in 0..100). */
export function percentile(sample: number[], p: number): number {
  if (!sample.length) return NaN;
  const sorted = [...sample].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const median = (sample: number[]): number => percentile(sample, 50);

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return "n/a";
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

export function fmtInt(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "n/a";
}

export function fmtRatio(r: number): string {
  return Number.isFinite(r) ? `${r.toFixed(2)}×` : "n/a";
}

export function textTable(columns: string[], rows: string[][]): string {
  const all = [columns, ...rows];
  const widths = columns.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(columns), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

export function markdownTable(columns: string[], rows: string[][]): string {
  const line = (r: string[]) => `| ${r.join(" | ")} |`;
  return [
    line(columns),
    `|${columns.map((_, i) => (i === 0 ? " --- " : " ---: ")).join("|")}|`,
    ...rows.map(line),
  ].join("\n");
}

/** What every measurement gets from the runner. */
export interface BenchEnv {
  ctx: AppContext;
  /** Direct pg pool on the scratch database (baselines, set-based seeding, EXPLAIN). */
  pool: pg.Pool;
  databaseUrl: string;
  /** Base URL of the real Tatu HTTP server. */
  tatuUrl: string;
  log(line: string): void;
}

/** One section of the report: its console table, its Markdown, and whether its target was met. */
export interface Section {
  title: string;
  columns: string[];
  rows: string[][];
  /** Markdown paragraphs printed under the table (method, verdict, diagnosis). */
  notes: string[];
  targetMet: boolean;
  summary: string;
}

/** Empties the inbox tables (scratch database only) so each run starts from the same state. */
export async function truncateInbox(pool: pg.Pool): Promise<void> {
  await pool.query(`TRUNCATE "Attachment", "Message", "Conversation", "ContactIdentity", "Contact", "SyncRun" CASCADE`);
  // A checkpoint now rather than in the middle of the next timed run.
  await pool.query("CHECKPOINT");
}

export async function createUser(ctx: AppContext, label: string): Promise<string> {
  const u = await ctx.db.user.create({
    data: {
      email: `bench-${label}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.test`,
      name: `Bench ${label}`,
      role: "artist",
      passwordHash: "!unusable",
      emailVerifiedAt: new Date(),
    },
  });
  return u.id;
}
