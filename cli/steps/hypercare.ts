// hypercare.once: one evaluation of the runbook's rollback triggers — 5xx spike, webhook
// delivery failures, auth breakage, Sentry error volume — from /api/admin/metrics, the
// Sentry API, BullMQ on REDIS_URL and the readiness/login of the deployed app.
// Webhooks trigger on what a stranger cannot produce: signed deliveries we failed to process,
// and the share of a provider's own deliveries (from addresses that delivered correctly signed
// webhooks) failing the signature check — a secret rotated on one side. Raw signature failures
// are anyone's to send (forgeries): a warning, never a rollback on their own.
import { AdminApi, type Metrics } from "../clients/tatu-admin-api.ts";
import { envValue } from "../environment.ts";
import { HttpSession, Unreachable } from "../clients/http.ts";
import { pass } from "./results.ts";
import { sentryConfigured, sentryErrorsLastHour } from "../clients/sentry-api.ts";
import type { Step, StepContext, StepResult } from "./types.ts";

export interface Thresholds {
  /** 5xx answers in the last 15 minutes (a window longer than the runbook's 10 sustained minutes). */
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
  failedJobs: number;
  /** Per provider: sync error share over the last hour (with at least 5 runs) that asks to disable it. */
  syncErrorRatio: number;
}
export const defaultThresholds: Thresholds = {
  serverErrors15m: 20,
  signatureFailures15m: 10,
  webhookFailures15m: 10,
  rejectionRatio: 0.5,
  rejectionRatioMinDeliveries: 10,
  sentryErrors1h: 100,
  failedJobs: 50,
  syncErrorRatio: 0.5,
};

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
  rollbackCommand?: string;
}

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
  if (w15.totals.serverErrors >= t.serverErrors15m)
    report.triggers.push({
      id: "5xx-spike",
      message: `${w15.totals.serverErrors} server errors (5xx) in the last 15 min (threshold ${t.serverErrors15m})`,
    });
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

export async function hypercareOnce(
  ctx: StepContext,
  t: Thresholds = defaultThresholds,
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
      const metrics = await new AdminApi(ctx.baseUrl, ctx.env, ctx.operator).metrics();
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
      if ((q.failed ?? 0) >= t.failedJobs)
        report.warnings.push(`${q.failed} failed jobs in the queue (threshold ${t.failedJobs})`);
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
      `no rollback trigger${report.warnings.length ? `; ${report.warnings.length} warning(s)` : ""}`,
      report,
    ),
    report,
  };
}

export const hypercareStep: Step = {
  id: "hypercare.once",
  title: "Hypercare check: rollback triggers",
  run: async (ctx) => (await hypercareOnce(ctx)).result,
};
