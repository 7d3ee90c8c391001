// tatu hypercare [--every 15m] [--for 2h] [--once]: evaluates the rollback triggers on a
// schedule, re-runs the configured smokes every 30 minutes, and stops at the first
// ROLLBACK RECOMMENDED (exit 1) with the command to run.
import { CliExit, EXIT } from "../../output/exit-codes.ts";
import type { ReportedStep } from "../../output/print.ts";
import { configuredSmokes } from "../../steps/gate.ts";
import { recordIncident } from "../../steps/incidents.ts";
import { defaultThresholds, hypercareOnce, type Thresholds } from "../../steps/hypercare.ts";
import { exitCodeOf } from "../../steps/results.ts";
import { smokeSteps } from "../../steps/smoke.ts";
import { runInParallel } from "../../steps/runner.ts";
import type { CommandBody } from "../action.ts";

function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!m) throw new CliExit(EXIT.usage, `"${text}" is not a duration (e.g. 30s, 15m, 2h)`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"];
}

export const hypercare: CommandBody = async (run) => {
  const o = run.opts as {
    every: string;
    for: string;
    once?: boolean;
    smokeEvery: string;
    max5xx: number;
    maxSignatureFailures: number;
    maxWebhookFailures: number;
    maxRejectionRatio: number;
    maxSentryErrors: number;
  };
  const every = parseDuration(o.every),
    total = parseDuration(o.for),
    smokeEvery = parseDuration(o.smokeEvery);
  const t: Thresholds = {
    ...defaultThresholds,
    serverErrors15m: o.max5xx,
    signatureFailures15m: o.maxSignatureFailures,
    webhookFailures15m: o.maxWebhookFailures,
    rejectionRatio: o.maxRejectionRatio,
    sentryErrors1h: o.maxSentryErrors,
  };
  const ctx = run.stepContext(run.baseUrl);
  const started = Date.now();
  const steps: ReportedStep[] = [];
  let nextSmoke = started + smokeEvery;
  for (let round = 1; ; round++) {
    const at = Date.now();
    const { result, report } = await hypercareOnce(ctx, t);
    const step: ReportedStep = {
      id: "hypercare.once",
      title: `check ${round} (+${Math.round((at - started) / 60_000)} min)`,
      ...result,
      durationMs: Date.now() - at,
    };
    steps.push(step);
    if (!run.mode.json && !o.once)
      process.stdout.write(`${new Date(at).toISOString()} ${step.ok ? "ok" : "ALERT"} — ${step.summary}\n`);
    if (step.unreachable)
      return {
        command: run.name,
        exitCode: exitCodeOf(steps),
        steps,
        extra: { rollbackRecommended: false, warnings: report.warnings },
      };
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
      return {
        command: run.name,
        exitCode: exitCodeOf(steps),
        steps,
        extra: {
          rollbackRecommended: true,
          rollbackCommand: report.rollbackCommand,
          triggers: report.triggers,
          warnings: report.warnings,
        },
        notes: [
          `ROLLBACK RECOMMENDED: ${report.triggers.map((x) => x.message).join("; ")}`,
          `  run: ${report.rollbackCommand}`,
        ],
      };
    }
    if (o.once || Date.now() - started + every > total) break;
    await new Promise((r) => setTimeout(r, every));
    if (Date.now() >= nextSmoke) {
      nextSmoke += smokeEvery;
      const smokes = await runInParallel(
        configuredSmokes(run.env).map((n) => smokeSteps[n]!),
        ctx,
      );
      steps.push(...smokes);
      if (smokes.some((s) => !s.ok))
        return {
          command: run.name,
          exitCode: exitCodeOf(steps),
          steps,
          extra: { rollbackRecommended: false, smokeFailed: true },
        };
    }
  }
  return {
    command: run.name,
    exitCode: exitCodeOf(steps),
    steps,
    extra: {
      rollbackRecommended: false,
      warnings: (steps.at(-1)?.details as { warnings?: string[] } | undefined)?.warnings ?? [],
    },
  };
};
