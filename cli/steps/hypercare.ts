// hypercare.once: one evaluation of the runbook's rollback triggers — 5xx spike, webhook
// delivery failures, auth breakage, Sentry error volume — from /api/admin/metrics, the
// Sentry API, BullMQ on REDIS_URL and the readiness/login of the deployed app.
// Webhooks trigger on what a stranger cannot produce: signed deliveries we failed to process,
// and the share of a provider's own deliveries (from addresses that delivered correctly signed
// webhooks) failing the signature check — a secret rotated on one side. Raw signature failures
// are anyone's to send (forgeries): a warning, never a rollback on their own.
// The 5xx trigger is the runbook's "sustained 5xx spike > 10 min": TATU_HYPERCARE_5XX_SUSTAINED_MINUTES
// consecutive minutes each above TATU_HYPERCARE_MAX_5XX_PER_MINUTE (the metrics' per-minute
// series); a short burst only warns. Sentry: the error volume, and the top issues first seen
// since the launch start. Queue depth, failures and retries warn above the registry's thresholds.
import { AdminApi, type Metrics } from "../clients/tatu-admin-api.ts";
import { envValue, registryNumber } from "../environment.ts";
import { HttpSession, Unreachable } from "../clients/http.ts";
import { pass } from "./results.ts";
import { sentryConfigured, sentryErrorsLastHour, sentryNewIssues, type SentryIssue } from "../clients/sentry-api.ts";
import { launchStartFromLog } from "./hypercare-schedule.ts";
import type { Step, StepContext, StepResult } from "./types.ts";

export interface Thresholds {
  /** A minute with more 5xx answers than this is elevated… */
  serverErrorsPerMinute: number;
  /** …and this many elevated minutes in a row are a sustained spike: a rollback trigger. */
  sustainedMinutes: number;
  /** 5xx answers in the last 15 minutes that earn a warning (a burst is not a trigger). */
  serverErrors15m: number;
  /** Bad signatures in 15 min from unknown senders that earn a warning (never a trigger: forgeable). */
  signatureFailures15m: number;
  /** Per provider: signed deliveries that failed processing in 15 min. */
  webhookFailures15m: number;
  /** Per provider: share of its known senders' deliveries failing the signature in 15 min… */
  rejectionRatio: number;
  /** …counted once there are at least this many such deliveries. */
  rejectionRatioMinDeliveries: number;
  sentryErrors1h: number;
  /** Queue: failed jobs, waiting jobs (depth) and retries in 15 min above which hypercare warns. */
  failedJobs: number;
  maxWaiting: number;
  maxRetried15m: number;
  /** Per provider: sync error share over the last hour (with at least 5 runs) that asks to disable it. */
  syncErrorRatio: number;
}
/** The thresholds with the env registry's TATU_HYPERCARE_* values (or their registry defaults). */
export function thresholdsFromEnv(env: NodeJS.ProcessEnv): Thresholds {
  return {
    serverErrorsPerMinute: registryNumber(env, "TATU_HYPERCARE_MAX_5XX_PER_MINUTE"),
    sustainedMinutes: Math.max(1, registryNumber(env, "TATU_HYPERCARE_5XX_SUSTAINED_MINUTES")),
    serverErrors15m: 20,
    signatureFailures15m: 10,
    webhookFailures15m: 10,
    rejectionRatio: 0.5,
    rejectionRatioMinDeliveries: 10,
    sentryErrors1h: registryNumber(env, "TATU_HYPERCARE_MAX_SENTRY_ERRORS"),
    failedJobs: registryNumber(env, "TATU_HYPERCARE_MAX_FAILED"),
    maxWaiting: registryNumber(env, "TATU_HYPERCARE_MAX_WAITING"),
    maxRetried15m: registryNumber(env, "TATU_HYPERCARE_MAX_RETRIED"),
    syncErrorRatio: 0.5,
  };
}
export const defaultThresholds: Thresholds = thresholdsFromEnv({});

export interface Trigger {
  id: string;
  message: string;
}
export interface HypercareReport {
  at: string;
  triggers: Trigger[];
  warnings: string[];
  suspectProvider?: string;
  readings: Record<string, unknown>;
  /** Sentry issues first seen since the launch start, most events first. */
  newIssues?: { since: string; issues: SentryIssue[] };
  rollbackCommand?: string;
}

type Minute = NonNullable<Metrics["perMinute"]>[number];

/** The longest run of consecutive minutes with more than `perMinute` 5xx answers. */
export function longestElevatedRun(series: Minute[], perMinute: number): Minute[] {
  let best: Minute[] = [],
    run: Minute[] = [];
  for (const m of series) {
    run = m.serverErrors > perMinute ? [...run, m] : [];
    if (run.length > best.length) best = run;
  }
  return best;
}

const hhmm = (iso: string) => iso.slice(11, 16);

async function queueCounts(env: NodeJS.ProcessEnv): Promise<Record<string, number> | undefined> {
  const url = envValue(env, "REDIS_URL");
  if (!url) return undefined;
  const prefix = `${envValue(env, "TATU_REDIS_PREFIX") ?? "tatu"}:bull`;
  // Loaded only here: BullMQ (and the service's queue module) would slow every CLI start.
  const [{ Queue }, { QUEUE_NAME }] = await Promise.all([import("bullmq"), import("../../service/jobs/queue.ts")]);
  const queue = new Queue(QUEUE_NAME, {
    connection: { url, maxRetriesPerRequest: 1, connectTimeout: 5000, lazyConnect: false, retryStrategy: () => null },
    prefix,
  });
  queue.on("error", () => undefined);
  try {
    const c = await Promise.race([
      queue.getJobCounts("waiting", "active", "delayed", "failed", "prioritized"),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error("Redis did not answer within 5 s")), 5000).unref(),
      ),
    ]);
    return {
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
      active: c.active ?? 0,
      delayed: c.delayed ?? 0,
      failed: c.failed ?? 0,
    };
  } finally {
    await queue.close().catch(() => undefined);
  }
}

function evaluateMetrics(m: Metrics, t: Thresholds, report: HypercareReport): void {
  const w15 = m.windows["15m"],
    h1 = m.windows["1h"];
  if (!m.perMinute)
    report.warnings.push(
      "the deployed app does not report 5xx per minute (an older version): the sustained 5xx spike trigger is not evaluated",
    );
  else {
    const run = longestElevatedRun(m.perMinute, t.serverErrorsPerMinute);
    const peak = run.reduce<Minute | undefined>((p, x) => (!p || x.serverErrors > p.serverErrors ? x : p), undefined);
    report.readings.serverErrorsPerMinute = {
      minutes: m.perMinute.length,
      max: Math.max(0, ...m.perMinute.map((x) => x.serverErrors)),
      longestElevatedRun: run.length,
    };
    const span = run.length
      ? `${hhmm(run[0]!.minute)}–${hhmm(run.at(-1)!.minute)} UTC, peak ${peak!.serverErrors} of ${peak!.requests} requests in a minute`
      : "";
    if (run.length >= t.sustainedMinutes)
      report.triggers.push({
        id: "5xx-sustained",
        message: `sustained 5xx spike: ${run.length} minutes in a row with more than ${t.serverErrorsPerMinute} server errors a minute (${span}; trigger at ${t.sustainedMinutes} minutes)`,
      });
    else if (run.length)
      report.warnings.push(
        `5xx above ${t.serverErrorsPerMinute}/min for ${run.length} minute(s) (${span}) — not sustained (trigger at ${t.sustainedMinutes} minutes in a row)`,
      );
  }
  if (w15.totals.serverErrors >= t.serverErrors15m)
    report.warnings.push(`${w15.totals.serverErrors} server errors (5xx) in the last 15 min`);
  if (w15.totals.jobsRetried > t.maxRetried15m)
    report.warnings.push(
      `${w15.totals.jobsRetried} job retries in the last 15 min (above ${t.maxRetried15m}, TATU_HYPERCARE_MAX_RETRIED)`,
    );
  for (const [provider, p] of Object.entries(w15.providers)) {
    if (p.webhooksFailedProcessing >= t.webhookFailures15m) {
      report.triggers.push({
        id: "webhook-processing-failures",
        message: `${provider}: ${p.webhooksFailedProcessing} signed webhook deliveries failed processing in the last 15 min (threshold ${t.webhookFailures15m})`,
      });
      report.suspectProvider ??= provider;
    }
    const own = p.webhooksAccepted + p.webhooksRejectedKnownSender;
    if (own >= t.rejectionRatioMinDeliveries && p.webhooksRejectedKnownSender / own >= t.rejectionRatio) {
      report.triggers.push({
        id: "webhook-rejection-ratio",
        message: `${provider}: ${p.webhooksRejectedKnownSender} of ${own} deliveries from its known senders failed the signature check in the last 15 min (threshold ${Math.round(t.rejectionRatio * 100)}% of at least ${t.rejectionRatioMinDeliveries}) — is its webhook secret still the deployed one?`,
      });
      report.suspectProvider ??= provider;
    }
    const unknown = p.webhooksRejectedSignature - p.webhooksRejectedKnownSender;
    if (unknown >= t.signatureFailures15m || p.webhooksRateLimited > 0)
      report.warnings.push(
        `${provider}: ${unknown} webhooks with a bad signature from unknown senders${p.webhooksRateLimited ? ` and ${p.webhooksRateLimited} refused (429) after too many` : ""} in the last 15 min — probably forgeries; not a rollback trigger`,
      );
  }
  for (const [provider, p] of Object.entries(h1.providers)) {
    const runs = p.syncRunsOk + p.syncRunsError;
    if (runs >= 5 && p.syncRunsError / runs > t.syncErrorRatio) {
      report.warnings.push(
        `${provider}: ${p.syncRunsError}/${runs} syncs failed in the last hour — consider \`tatu provider disable ${provider}\``,
      );
      report.suspectProvider ??= provider;
    }
    if (p.webhooksFailedProcessing > 0)
      report.warnings.push(
        `${provider}: ${p.webhooksFailedProcessing} webhook deliveries failed processing in the last hour`,
      );
  }
  const worstServer = Object.entries(w15.providers)
    .filter(([k]) => k !== "core")
    .sort((a, b) => b[1].serverErrors - a[1].serverErrors)[0];
  if (worstServer && worstServer[1].serverErrors > 0) report.suspectProvider ??= worstServer[0];
}

/** since: the launch start Sentry's new issues are counted from (default: the launch log's T-0, else 1 h ago). */
export async function hypercareOnce(
  ctx: StepContext,
  t: Thresholds = defaultThresholds,
  opts: { since?: Date } = {},
): Promise<{ result: StepResult; report: HypercareReport }> {
  const report: HypercareReport = { at: new Date().toISOString(), triggers: [], warnings: [], readings: {} };
  const http = new HttpSession(ctx.baseUrl);
  let unreachable = false;

  // Auth breakage: the service is not ready, or the smoke account cannot sign in.
  try {
    const ready = await http.get("/api/health/ready");
    report.readings.ready = ready.status === 200;
    if (ready.status !== 200)
      report.triggers.push({ id: "not-ready", message: `/api/health/ready answers ${ready.status}` });
    const email = envValue(ctx.env, "TATU_SMOKE_EMAIL"),
      password = envValue(ctx.env, "TATU_SMOKE_PASSWORD");
    if (email && password) {
      const login = await http.post("/api/auth/login", { email, password });
      report.readings.smokeLogin = login.status;
      if (login.status !== 200)
        report.triggers.push({
          id: "auth-breakage",
          message: `the smoke account cannot sign in (${login.status} ${login.body?.error?.code ?? ""})`.trim(),
        });
    } else report.warnings.push("TATU_SMOKE_EMAIL/TATU_SMOKE_PASSWORD unset: sign-in is not checked");
  } catch (err) {
    if (!(err instanceof Unreachable)) throw err;
    unreachable = true;
    report.triggers.push({ id: "unreachable", message: err.message });
  }

  if (!unreachable) {
    try {
      const metrics = await new AdminApi(ctx.baseUrl, ctx.env, ctx.operator).metrics(
        Math.max(30, t.sustainedMinutes * 2),
      );
      report.readings.metrics = {
        "15m": metrics.windows["15m"].totals,
        "1h": metrics.windows["1h"].totals,
        queue: metrics.queue,
      };
      evaluateMetrics(metrics, t, report);
    } catch (err) {
      report.warnings.push(`metrics unavailable: ${(err as Error).message}`);
    }
  }

  try {
    const q = await queueCounts(ctx.env);
    if (q) {
      report.readings.queue = q;
      if ((q.failed ?? 0) > t.failedJobs)
        report.warnings.push(`${q.failed} failed jobs in the queue (above ${t.failedJobs}, TATU_HYPERCARE_MAX_FAILED)`);
      if ((q.waiting ?? 0) > t.maxWaiting)
        report.warnings.push(
          `${q.waiting} jobs waiting in the queue (above ${t.maxWaiting}, TATU_HYPERCARE_MAX_WAITING) — is the worker keeping up?`,
        );
    }
  } catch (err) {
    report.warnings.push(`queue counts unavailable: ${(err as Error).message}`);
  }

  if (sentryConfigured(ctx.env)) {
    try {
      const errors = await sentryErrorsLastHour(ctx.env);
      report.readings.sentryErrors1h = errors;
      if (errors >= t.sentryErrors1h)
        report.triggers.push({
          id: "sentry-errors",
          message: `${errors} errors in Sentry in the last hour (threshold ${t.sentryErrors1h})`,
        });
    } catch (err) {
      report.warnings.push(`Sentry unavailable: ${(err as Error).message}`);
    }
    const since = opts.since ?? launchStartFromLog(ctx.env) ?? new Date(Date.now() - 3_600_000);
    try {
      report.newIssues = { since: since.toISOString(), issues: await sentryNewIssues(ctx.env, since) };
    } catch (err) {
      report.warnings.push(`Sentry new issues unavailable: ${(err as Error).message}`);
    }
  } else report.warnings.push("SENTRY_AUTH_TOKEN/SENTRY_ORG unset: Sentry error volume is not checked");

  // Not reaching the app is exit 3 ("could not look"), not a rollback verdict: it may be our network.
  if (unreachable)
    return {
      result: {
        ok: false,
        unreachable: true,
        summary: `cannot evaluate: ${report.triggers[0]!.message}`,
        details: report,
      },
      report,
    };
  if (report.triggers.length) {
    report.rollbackCommand = `tatu rollback --url ${ctx.baseUrl}${report.suspectProvider ? ` --provider ${report.suspectProvider}` : ""}`;
    const summary = `ROLLBACK RECOMMENDED: ${report.triggers.map((x) => x.message).join("; ")} — run: ${report.rollbackCommand}`;
    return { result: { ok: false, summary, details: report }, report };
  }
  return {
    result: pass(
      `no rollback trigger${newIssuesLine(report)}${report.warnings.length ? `; ${report.warnings.length} warning(s)` : ""}`,
      report,
    ),
    report,
  };
}

/** "; 2 new Sentry issues since 04:30 UTC (top: TATU-1 TypeError: x ×12)" */
function newIssuesLine(report: HypercareReport): string {
  if (!report.newIssues) return "";
  const { since, issues } = report.newIssues;
  const top = issues[0];
  return `; ${issues.length} new Sentry issue(s) since ${hhmm(since)} UTC${top ? ` (top: ${top.shortId ?? top.id} ${top.title} ×${top.count})` : ""}`;
}

/** The report's lines for people: the new Sentry issues since the launch start and the warnings. */
export function reportLines(report: HypercareReport): string[] {
  const lines: string[] = [];
  if (report.newIssues) {
    lines.push(`Sentry: ${report.newIssues.issues.length} new issue(s) since ${report.newIssues.since}`);
    for (const i of report.newIssues.issues)
      lines.push(
        `  ${i.shortId ?? i.id}  ${i.title}  ×${i.count}, first seen ${i.firstSeen}${i.permalink ? `  ${i.permalink}` : ""}`,
      );
  }
  for (const w of report.warnings) lines.push(`warning: ${w}`);
  return lines;
}

export const hypercareStep: Step = {
  id: "hypercare.once",
  title: "Hypercare check: rollback triggers",
  run: async (ctx) => (await hypercareOnce(ctx, thresholdsFromEnv(ctx.env))).result,
};
