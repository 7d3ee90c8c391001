// Tables of the webhook benchmark: printed, written to bench/RESULTS-webhooks.md (overwritten
// each run) and summarised in one line of bench/RESULTS.md (replaced in place, else appended).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ENQUEUE_GATHER_MS, WEBHOOK_BATCH_MAX } from "../service/webhooks/jobs.ts";
import type { ModeResult, Row, settings as Settings, SourceResult, StageStats } from "./webhooks.ts";

export const TARGET_RATIO = 0.25;
/** End-to-end throughput ≥ this share of the same run's ack throughput (issue 20 item 1). */
export const FLOW_TARGET = 0.8;
/** p99 webhook → WebSocket delivery at the paced rate, ms. */
export const DELIVERY_TARGET_MS = 1000;
const LINK_MARK = "<!-- webhooks-bench (one line, written by bench/webhooks.ts) -->";

export interface Report {
  started: Date;
  seconds: number;
  loadAtStart: number;
  loadAtEnd: number;
  settings: typeof Settings;
  rows: Row[];
  modes: ModeResult[];
  problems: string[];
}

const fmtNum = (n: number) => (n >= 100 ? Math.round(n).toLocaleString("en-US") : n.toFixed(1));
const fmtMs = (n: number) => (n >= 10 ? n.toFixed(1) : n >= 1 ? n.toFixed(2) : n.toFixed(3));
const ratio = (v: number, b: number) => (b > 0 && Number.isFinite(v) ? v / b : NaN);
const fmtRatio = (x: number) => (Number.isFinite(x) ? `${x >= 0.1 ? x.toFixed(2) : x.toPrecision(2)}×` : "n/a");
// autocannon latencies have 1 ms resolution: 0 means "below 1 ms".
const fmtP = (ms: number, base: number) => (base === 0 ? (ms === 0 ? "—" : `>${ms}×`) : fmtRatio(ms / base));
const sourceName = (s: string) => (s === "facebook" ? "Meta" : "Twilio");

function isWebhookRow(r: Row): boolean {
  return Boolean(r.source);
}

/** Throughput ratio of a row to its baseline (the bare Express run right before its mode). */
const rpsRatio = (r: Row) => ratio(r.r.rps, (r.base ?? r).r.rps);

function loadTable(report: Report): { columns: string[]; rows: string[][] } {
  const columns = [
    "Target",
    "requests",
    "req/s",
    "× baseline req/s",
    "p50 ms",
    "p99 ms",
    "× baseline p99",
    "non-2xx",
    "errors",
    "server loop busy",
    `≥ ${TARGET_RATIO}×`,
  ];
  const rows = report.rows.map((row) => {
    const x = rpsRatio(row);
    const b = (row.base ?? row).r;
    return [
      row.name + (row.isBaseline ? " (baseline)" : ""),
      row.r.total.toLocaleString("en-US") + (row.r.stoppedByTimeBound ? ` (${report.settings.maxSec} s bound)` : ""),
      fmtNum(row.r.rps),
      fmtRatio(x),
      String(row.r.p50),
      String(row.r.p99),
      fmtP(row.r.p99, b.p99),
      String(row.r.non2xx),
      String(row.r.errors) + (row.r.timeouts ? ` (${row.r.timeouts} timeouts)` : ""),
      `${Math.round(row.elu * 100)} %`,
      isWebhookRow(row) ? (row.mode !== TARGET_MODE ? "context" : x >= TARGET_RATIO ? "✅" : "❌") : "",
    ];
  });
  return { columns, rows };
}

function countTable(report: Report): { columns: string[]; rows: string[][] } {
  const columns = [
    "Mode",
    "Source",
    "accepted (200)",
    "WebhookEvent rows (distinct)",
    "Message rows (distinct)",
    "item status",
    "processing caught up",
    "items/s processed",
    "after replay",
  ];
  const rows: string[][] = [];
  for (const m of report.modes) {
    if (m.skipped) {
      rows.push([m.mode, "—", "skipped", m.skipped, "", "", "", "", ""]);
      continue;
    }
    for (const s of m.sources) {
      const c = s.counts;
      const replay = !s.countsAfterReplay
        ? "not run"
        : JSON.stringify(s.countsAfterReplay) === JSON.stringify(c)
          ? "unchanged ✅"
          : "CHANGED ❌";
      rows.push([
        m.mode,
        sourceName(s.source),
        `${s.accepted.toLocaleString("en-US")}${s.unanswered ? ` (+${s.unanswered} unanswered)` : ""}`,
        c ? `${c.eventRows.toLocaleString("en-US")} (${c.eventDistinct.toLocaleString("en-US")})` : "—",
        c ? `${c.messageRows.toLocaleString("en-US")} (${c.messageDistinct.toLocaleString("en-US")})` : "—",
        c
          ? Object.entries(c.byStatus)
              .map(([k, n]) => `${n} ${k}`)
              .join(", ") || "—"
          : "—",
        s.settled ? `${s.catchUpSec.toFixed(1)} s after last ack` : "NOT finished",
        fmtNum(s.processedPerSec),
        replay,
      ]);
    }
  }
  return { columns, rows };
}

const fmtLatency = (ms: number) => (Number.isFinite(ms) ? Math.round(ms).toLocaleString("en-US") : "n/a");

/** Per mode and source: does processing keep up with acknowledgement? */
function flowTable(report: Report): { columns: string[]; rows: string[][] } {
  const s = report.settings;
  const columns = [
    "Mode",
    "Source",
    "events",
    "ack req/s",
    "end-to-end events/s",
    `ratio (≥ ${FLOW_TARGET})`,
    "backlog max age s",
    "delivery p50 / p99 ms",
    "published",
    `paced at ${s.pacedRate.toLocaleString("en-US")}/s: sent/s`,
    `delivery p50 / p99 ms (p99 ≤ ${DELIVERY_TARGET_MS})`,
    "backlog max age s",
  ];
  const rows: string[][] = [];
  for (const m of report.modes)
    for (const x of m.sources) {
      const f = x.flow;
      const p = x.paced;
      if (!f) continue;
      rows.push([
        m.mode,
        sourceName(x.source),
        f.events.toLocaleString("en-US"),
        fmtNum(f.ackRps),
        fmtNum(f.e2eRps),
        `${fmtRatio(f.ratio)} ${f.ratio >= FLOW_TARGET ? "✅" : "❌"}`,
        f.backlogMaxAgeSec.toFixed(2),
        `${fmtLatency(f.delivery.p50)} / ${fmtLatency(f.delivery.p99)}`,
        `${f.published.toLocaleString("en-US")}/${f.events.toLocaleString("en-US")}`,
        p?.rate ? fmtNum(p.rate.sent) : "—",
        p
          ? `${fmtLatency(p.delivery.p50)} / ${fmtLatency(p.delivery.p99)} ${p.delivery.p99 <= DELIVERY_TARGET_MS ? "✅" : "❌"}`
          : "—",
        p ? p.backlogMaxAgeSec.toFixed(2) : "—",
      ]);
    }
  return { columns, rows };
}

function flowLine(report: Report): string {
  const parts = report.modes.flatMap((m) =>
    m.sources
      .filter((x) => x.flow)
      .map(
        (x) =>
          `${m.mode} ${sourceName(x.source)} ${fmtRatio(x.flow!.ratio)}${x.paced ? ` / p99 ${fmtLatency(x.paced.delivery.p99)} ms` : ""}`,
      ),
  );
  return parts.length ? parts.join(", ") : "not measured";
}

const stageOrder = ["verify", "parse", "store", "floor", "enqueue", "process"];
const stageNames: Record<string, string> = {
  verify: "verify signature",
  parse: "parse",
  store: "store: storeItems (batched INSERT … ON CONFLICT DO NOTHING)",
  floor: "(floor: same INSERT through plain pg)",
  enqueue: `enqueue: enqueueProcessing (gathered for ${ENQUEUE_GATHER_MS} ms, one addBulk)`,
  process: "process: processWebhookEvent (after the ack)",
};
/** Stages on the acknowledgement path (the floor is a comparison, not a stage). */
const ackStages = ["verify", "parse", "store", "enqueue"];

function stageTable(report: Report): { columns: string[]; rows: string[][] } {
  const columns = ["Mode", "Source", "stage", "wall mean ms", "wall p99 ms", "CPU mean ms", "samples"];
  const rows: string[][] = [];
  for (const m of report.modes)
    for (const s of m.sources)
      for (const k of stageOrder) {
        const st: StageStats | undefined = s.stages[k];
        if (st)
          rows.push([
            m.mode,
            sourceName(s.source),
            stageNames[k]!,
            fmtMs(st.mean),
            fmtMs(st.p99),
            fmtMs(st.cpu),
            String(st.n),
          ]);
      }
  return { columns, rows };
}

function textTable({ columns, rows }: { columns: string[]; rows: string[][] }): string {
  const all = [columns, ...rows];
  const widths = columns.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i <= 1 ? (c ?? "").padEnd(widths[i]!) : (c ?? "").padStart(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(columns), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

function mdTable({ columns, rows }: { columns: string[]; rows: string[][] }, leftCols = 1): string {
  const line = (r: string[]) => `| ${r.join(" | ")} |`;
  return [
    line(columns),
    `|${columns.map((_, i) => (i < leftCols ? " --- " : " ---: ")).join("|")}|`,
    ...rows.map(line),
  ].join("\n");
}

/** Per webhook row: throughput, whether the server was CPU-bound, and the CPU the stages cost. */
function analysis(report: Report): string[] {
  const out: string[] = [];
  const health = report.rows.find((r) => r.name.startsWith("Tatu GET /api/health"));
  if (health)
    out.push(
      `The real middleware stack alone (GET /api/health, no webhook work) runs at ${fmtRatio(rpsRatio(health))} of the baseline.`,
    );
  for (const m of report.modes)
    for (const s of m.sources) {
      const cpu = (k: string) => s.stages[k]?.cpu;
      const ack = ackStages.filter((k) => cpu(k) !== undefined);
      const ackCpu = ack.reduce((a, k) => a + cpu(k)!, 0);
      out.push(
        `${m.mode} · ${sourceName(s.source)}: ${fmtRatio(rpsRatio(s.row))} of the baseline with the server loop ${Math.round(s.row.elu * 100)} % busy` +
          (ack.length
            ? `; the ack path's own stages cost ${fmtMs(ackCpu)} ms CPU per webhook (${ack.map((k) => `${k} ${fmtMs(cpu(k)!)}`).join(", ")}; the store through plain pg: ${fmtMs(cpu("floor") ?? NaN)})`
            : "") +
          (cpu("process") !== undefined
            ? `, and processing it costs another ${fmtMs(cpu("process")!)} ms CPU on the same thread`
            : m.mode === "api"
              ? ", its worker running elsewhere (the production topology)"
              : m.mode === "bullmq"
                ? ", while the in-process worker processes the backlog on the same thread"
                : "") +
          ".",
      );
    }
  return out;
}

function profileLines(report: Report): string[] {
  return report.rows
    .filter((r) => r.profile)
    .map(
      (r) =>
        `${r.name}: ${r.profile!.buckets.map((b) => `${b.name} ${b.pct.toFixed(0)} %`).join(", ")} (${r.profile!.file})`,
    );
}

export function printSummary(report: Report): void {
  console.log(`\n${textTable(loadTable(report))}\n`);
  const ft = flowTable(report);
  if (ft.rows.length) console.log(`${textTable(ft)}\n`);
  console.log(`${textTable(countTable(report))}\n`);
  const st = stageTable(report);
  if (st.rows.length) console.log(`${textTable(st)}\n`);
  for (const a of analysis(report)) console.log(`- ${a}`);
  const prof = profileLines(report);
  if (prof.length)
    console.log(
      `\nCPU self time of the server thread during the measured runs (top buckets):\n${prof.map((p) => `- ${p}`).join("\n")}`,
    );
  console.log("");
}

function markdown(report: Report): string {
  const cpus = os.cpus();
  const s = report.settings;
  const g = report.modes
    .filter((m) => m.global)
    .map(
      (m) =>
        `${m.mode}: ${m.global!.duplicateMessages} duplicate Message externalIds, ${m.global!.duplicateEvents} duplicate (source, eventId) pairs, ${m.global!.rejected} rejected webhooks`,
    );
  const replays = report.modes
    .filter((m) => m.replay)
    .map(
      (m) =>
        `${m.mode}: ${m.replay!.sent} replayed, ${m.replay!.ok} answered 200; WebhookEvent ${m.replay!.before.webhookEvents} → ${m.replay!.after.webhookEvents}, Message ${m.replay!.before.messages} → ${m.replay!.after.messages}`,
    );
  return `# Tatu webhook benchmark results

Generated by \`npm run bench:webhooks\` (\`bench/webhooks.ts\`) — overwritten on every run. Method and knobs: [bench/README.md](README.md#signed-webhook-benchmark).

- **Status:** ${report.problems.length ? "BROKEN — see problems below" : "OK (every answered request got a 2xx, every count exact)"}
- **Target:** processing keeps up with acknowledgement — end-to-end throughput (first request → last message stored and published on the WebSocket) ≥ ${FLOW_TARGET}× the ack throughput of the same run, p99 webhook → WebSocket delivery ≤ ${DELIVERY_TARGET_MS} ms at ${s.pacedRate.toLocaleString("en-US")} events/s — ${flowLine(report)}
- **Target:** webhook acknowledgement throughput ≥ ${TARGET_RATIO}× the bare Express 200 handler of the same run — ${targetLine(report)}
- **Date:** ${report.started.toISOString()} (run took ${Math.round(report.seconds)} s)
- **Node:** ${process.version} (${process.platform}/${process.arch}); **CPU:** ${cpus.length} × ${cpus[0]?.model.trim() ?? "unknown"}; load average (1 min) at start / end ${report.loadAtStart.toFixed(2)} / ${report.loadAtEnd.toFixed(2)}
- **Load:** autocannon in a worker thread, ${s.connections} connections, pipelining 1, 127.0.0.1 only; per mode and source ${s.warmup.toLocaleString("en-US")} warm-up + ${s.count.toLocaleString("en-US")} measured webhooks, each sent exactly once (bounded by count, ${s.maxSec} s at most); baseline (before each mode) and health ${s.baselineSec} s after 1 s warm-up; ~${s.perSender} messages per sender
- **Modes:** ${report.modes.map((m) => (m.skipped ? `${m.mode} (skipped: ${m.skipped})` : m.mode === "api" ? `api (the production topology: this process is the API host — Redis, stored in PostgreSQL before the ack, jobs enqueued after it (gathered for ${ENQUEUE_GATHER_MS} ms, one addBulk of jobs of up to ${WEBHOOK_BATCH_MAX} events, each processed set-based); the worker is \`npm run worker\` in a process of its own, concurrency ${s.workerConcurrency}, ${s.workerDuringLoad ? "processing while the webhooks arrive" : "started after the measured acks (BENCH_WEBHOOKS_WORKER_DURING_LOAD=0)"})` : m.mode === "bullmq" ? `bullmq (as \`npm start\`: like api, but the worker runs in the same process, concurrency ${s.workerConcurrency}${s.workerDuringLoad ? "" : "; paused while the acks were measured (BENCH_WEBHOOKS_WORKER_DURING_LOAD=0)"})` : "inline (no Redis, processed in the same process after the ack)")).join("; ")}

## Processing keeps up with acknowledgement

${mdTable(flowTable(report), 2)}

Per mode and source, the measured run (${s.count.toLocaleString("en-US")} webhooks as fast as they are acknowledged) and a paced run (${s.pacedCount.toLocaleString("en-US")} webhooks at ${s.pacedRate.toLocaleString("en-US")}/s). "end-to-end events/s": accepted events ÷ (first request sent → last of their \`message.created\` events received on the bench user's WebSocket, opened as the web app opens it). "delivery": per event, request sent → its \`message.created\` received. "backlog max age": the longest any of these events waited between being stored and being processed (\`processedAt − receivedAt\` in \`WebhookEvent\`). "published": events whose message was stored and announced. The measured run starts once the warm-up's events are processed.

## Acknowledgement throughput and latency

${mdTable(loadTable(report))}

| Target | What it is |
| --- | --- |
${report.rows.map((r) => `| ${r.name} | ${r.what} |`).join("\n")}

## Every accepted webhook exactly once

${mdTable(countTable(report), 2)}

${[...g, ...replays].map((x) => `- ${x}`).join("\n")}

"accepted" counts the webhooks answered 200 (warm-up + measured) plus the ${s.profile} per source fed through the stage breakdown below. Counted in PostgreSQL with plain SQL after processing settled: \`WebhookEvent\` rows for exactly those event ids, \`Message\` rows of the channel's connected account with those external ids, \`GROUP BY "externalId" HAVING count(*) > 1\` over all messages. The replay re-sends ${s.replay} already-accepted bodies (half per source, byte-identical, same signatures) and recounts.

## Where the time goes

${mdTable(stageTable(report), 3)}

${analysis(report)
  .map((a) => `- ${a}`)
  .join("\n")}

${
  profileLines(report).length
    ? `CPU self time of the server thread during each measured run (BENCH_WEBHOOKS_CPUPROF=1; top buckets by package or file):\n\n${profileLines(
        report,
      )
        .map((p) => `- ${p}`)
        .join("\n")}\n\n`
    : ""
}"server loop busy" is the event-loop utilisation of the process hosting Tatu (and, in BullMQ mode, its worker) during the measured run: near 100 % means the ack path is CPU-bound in Node, well below means it waits on PostgreSQL or Redis. Stages are timed in-process, one item after another, on fresh items, calling the same functions the route calls (\`handler.verify\`, \`handler.parse\`, \`storeItems\`, \`enqueueProcessing\` / \`processWebhookEvent\`). Under load these costs overlap across connections, so they explain the shape, not the exact figure. Latencies from autocannon have 1 ms resolution. On a 2-core machine the load generator, the server, PostgreSQL${report.modes.some((m) => m.mode !== "inline" && !m.skipped) ? ", Redis" : ""} and (inline) the processing all share the same two cores: run-to-run noise of 10–30 % is normal, compare ratios.
${report.problems.length ? `\n## Problems\n\n${report.problems.map((p) => `- ${p}`).join("\n")}\n` : ""}`;
}

/** The target applies to the production API host (api mode); the in-process topologies are
 *  reported for context (their ceiling is the processing itself sharing the thread). */
const TARGET_MODE = "api";

function targetLine(report: Report): string {
  const rows = report.rows.filter(isWebhookRow);
  const target = rows
    .filter((r) => r.mode === TARGET_MODE)
    .map((r) => `${sourceName(r.source!)} ${fmtRatio(rpsRatio(r))} ${rpsRatio(r) >= TARGET_RATIO ? "✅" : "❌"}`);
  const context = rows
    .filter((r) => r.mode !== TARGET_MODE)
    .map((r) => `${r.mode} ${sourceName(r.source!)} ${fmtRatio(rpsRatio(r))}`);
  if (!rows.length) return "no webhook row measured";
  return [
    target.length ? `api (the API host, the target) ${target.join(", ")}` : "api mode not run",
    context.length ? `context: ${context.join(", ")}` : "",
  ]
    .filter(Boolean)
    .join("; ");
}

/** A hand-written section (e.g. a before/after comparison across commits) between these
 *  markers survives the rewrite of RESULTS-webhooks.md: a run cannot measure another commit. */
const KEEP_START = "<!-- kept: written by hand, carried over by bench/webhooks.ts -->";
const KEEP_END = "<!-- end kept -->";

function keptSection(file: string): string {
  const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  const a = current.indexOf(KEEP_START),
    b = current.indexOf(KEEP_END);
  return a !== -1 && b > a ? `${current.slice(a, b + KEEP_END.length)}\n\n` : "";
}

export function writeResults(benchDir: string, report: Report): void {
  const results = path.join(benchDir, "RESULTS-webhooks.md");
  const md = markdown(report);
  const cut = md.indexOf("\n## ");
  const kept = keptSection(results);
  fs.writeFileSync(results, kept && cut !== -1 ? `${md.slice(0, cut + 1)}\n${kept}${md.slice(cut + 1)}` : md);
  const file = path.join(benchDir, "RESULTS.md");
  const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "# Tatu benchmark results\n";
  const line = `- ${report.problems.length ? "**BROKEN run** — " : ""}Signed webhooks under load (${report.started.toISOString().slice(0, 10)}): ack throughput vs bare Express ${targetLine(report)} (target ≥ ${TARGET_RATIO}×); end-to-end vs ack throughput / delivery p99 at ${report.settings.pacedRate}/s: ${flowLine(report)} (target ≥ ${FLOW_TARGET}× / ≤ ${DELIVERY_TARGET_MS} ms), counts ${report.problems.length ? "see problems" : "exact"} — details in [RESULTS-webhooks.md](RESULTS-webhooks.md) ${LINK_MARK}`;
  const lines = current.split("\n");
  const at = lines.findIndex((l) => l.includes(LINK_MARK));
  if (at !== -1) lines[at] = line;
  const next = at !== -1 ? lines.join("\n") : `${current.trimEnd()}\n\n${line}\n`;
  fs.writeFileSync(file, next);
}
