// tatu hypercare: evaluates the rollback triggers on the seed's schedule counted from the launch
// start (first check T+15m, then every 15 min to T+2h included), re-runs the smokes at +30, +60,
// +90 and +120 min, and stops at the first ROLLBACK RECOMMENDED (exit 1) with the command to run.
import { CliExit, EXIT } from "../../output/exit-codes.ts";
import type { ReportedStep } from "../../output/print.ts";
import { envValue } from "../../environment.ts";
import { configuredSmokes } from "../../steps/gate.ts";
import { recordIncident } from "../../steps/incidents.ts";
import {
  hypercareOnce,
  reportLines,
  thresholdsFromEnv,
  type HypercareReport,
  type Thresholds,
} from "../../steps/hypercare.ts";
import { hypercareSchedule, launchStartFromLog, remainingSlots } from "../../steps/hypercare-schedule.ts";
import { exitCodeOf } from "../../steps/results.ts";
import { smokeNames, smokeSteps } from "../../steps/smoke.ts";
import { runInParallel } from "../../steps/runner.ts";
import type { CommandBody } from "../action.ts";

function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!m) throw new CliExit(EXIT.usage, `"${text}" is not a duration (e.g. 30s, 15m, 2h)`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"];
}

function parseSince(text: string): Date {
  const t = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(t))
    throw new CliExit(EXIT.usage, `--since "${text}" is not an ISO-8601 time (e.g. 2026-12-07T14:00:00Z)`);
  return new Date(t);
}

/** The smokes hypercare re-runs: TATU_SMOKE_PROVIDERS when set, else every smoke. */
function hypercareSmokes(env: NodeJS.ProcessEnv): string[] {
  return envValue(env, "TATU_SMOKE_PROVIDERS") ? configuredSmokes(env) : smokeNames;
}

const sleepUntil = (at: Date) => new Promise((r) => setTimeout(r, Math.max(0, at.getTime() - Date.now())));

export const hypercare: CommandBody = async (run) => {
  const o = run.opts as {
    since?: string;
    first: string;
    every: string;
    for: string;
    once?: boolean;
    plan?: boolean;
    smokeEvery: string;
    max5xxPerMinute?: number;
    sustainedMinutes?: number;
    max5xx: number;
    maxSignatureFailures: number;
    maxWebhookFailures: number;
    maxRejectionRatio: number;
    maxSentryErrors?: number;
  };
  const fromEnv = thresholdsFromEnv(run.env);
  const t: Thresholds = {
    ...fromEnv,
    serverErrorsPerMinute: o.max5xxPerMinute ?? fromEnv.serverErrorsPerMinute,
    sustainedMinutes: Math.max(1, o.sustainedMinutes ?? fromEnv.sustainedMinutes),
    serverErrors15m: o.max5xx,
    signatureFailures15m: o.maxSignatureFailures,
    webhookFailures15m: o.maxWebhookFailures,
    rejectionRatio: o.maxRejectionRatio,
    sentryErrors1h: o.maxSentryErrors ?? fromEnv.sentryErrors1h,
  };
  const fromLog = o.since ? undefined : launchStartFromLog(run.env);
  const since = o.since ? parseSince(o.since) : fromLog;
  const startSource = o.since ? "--since" : fromLog ? "launch log (first T-0 item)" : "now (no launch start known)";
  const start = since ?? new Date();
  const forMs = parseDuration(o.for),
    everyMs = parseDuration(o.every);
  const slots = remainingSlots(
    hypercareSchedule(start, {
      firstMs: parseDuration(o.first),
      everyMs,
      smokeEveryMs: parseDuration(o.smokeEvery),
      forMs,
    }),
    new Date(),
  );
  const smokes = hypercareSmokes(run.env);
  const launch = { launchStart: start.toISOString(), launchStartFrom: startSource };

  if (o.plan)
    return {
      command: run.name,
      exitCode: EXIT.ok,
      steps: [],
      extra: { ...launch, smokes, schedule: slots.map((s) => ({ ...s, at: s.at.toISOString() })) },
      notes: [
        `Launch start ${start.toISOString()} (${startSource}); smokes: ${smokes.join(", ")}`,
        ...slots.map((s) => `  ${s.at.toISOString()}  T+${s.minute}m  check${s.smoke ? " + smokes" : ""}`),
      ],
    };
  if (!o.once && (!slots.length || Date.now() > start.getTime() + forMs + everyMs))
    throw new CliExit(
      EXIT.usage,
      `hypercare is over: its last check was due at T+${forMs / 60_000}m after the launch start ${start.toISOString()} (${startSource}); use --once for one more check`,
    );

  const ctx = run.stepContext(run.baseUrl);
  const steps: ReportedStep[] = [];
  let last: HypercareReport | undefined;
  const finish = (extra: Record<string, unknown>, notes: string[] = []) => ({
    command: run.name,
    exitCode: exitCodeOf(steps),
    steps,
    extra: { ...launch, ...extra, newIssues: last?.newIssues, warnings: last?.warnings ?? [] },
    notes: [...notes, ...(last ? reportLines(last) : [])],
  });
  for (const slot of o.once ? [undefined] : slots) {
    if (slot) await sleepUntil(slot.at);
    const at = Date.now();
    const { result, report } = await hypercareOnce(ctx, t, { since: start });
    last = report;
    const step: ReportedStep = {
      id: "hypercare.once",
      title: slot ? `check at T+${slot.minute}m` : `check at T+${Math.round((at - start.getTime()) / 60_000)}m`,
      ...result,
      durationMs: Date.now() - at,
    };
    steps.push(step);
    if (!run.mode.json && !o.once)
      process.stdout.write(
        `${new Date(at).toISOString()} ${step.title} ${step.ok ? "ok" : "ALERT"} — ${step.summary}\n`,
      );
    if (step.unreachable) return finish({ rollbackRecommended: false });
    if (!step.ok) {
      // Into the launch log: sign-off then waits until someone records a mitigation.
      recordIncident(
        {
          severity: "sev2",
          title: `Rollback trigger: ${report.triggers.map((x) => x.id).join(", ")}`,
          operator: run.operator,
          source: "tatu hypercare",
          details: { triggers: report.triggers, rollbackCommand: report.rollbackCommand },
        },
        run.env,
      );
      return finish({ rollbackRecommended: true, rollbackCommand: report.rollbackCommand, triggers: report.triggers }, [
        `ROLLBACK RECOMMENDED: ${report.triggers.map((x) => x.message).join("; ")}`,
        `  run: ${report.rollbackCommand}`,
      ]);
    }
    if (slot?.smoke) {
      const results = await runInParallel(
        smokes.map((n) => smokeSteps[n]!),
        // Rounds repeat unattended: no one is asked to send a one-time code every 15 minutes.
        { ...ctx, unattended: true },
      );
      steps.push(...results);
      if (results.some((s) => !s.ok)) return finish({ rollbackRecommended: false, smokeFailed: true });
    }
  }
  return finish({ rollbackRecommended: false });
};
