// tatu hypercare [--since <iso>] [--every 15m] [--for 2h] [--once|--plan] [thresholds]
import { defaultThresholds } from "../../steps/hypercare.ts";
import { envFileOption } from "../options.ts";
import type { CommandSpec, OptionSpec } from "../spec.ts";

/** value undefined: the default comes from the env registry (named in the description). */
const threshold = (flags: string, description: string, value?: number): OptionSpec => ({
  flags,
  description,
  ...(value === undefined ? {} : { default: value }),
  parse: (v) => {
    if (!/^\d+(\.\d+)?$/.test(v)) throw new Error("expected a number");
    return Number(v);
  },
});

export const hypercareCommand: CommandSpec = {
  name: "hypercare",
  summary: "watch rollback triggers after launch; ROLLBACK RECOMMENDED → exit 1",
  description:
    "watch the launch on the seed's schedule, counted from the launch start (the launch log's T-0, or --since): first check at T+15m, then every 15 min up to and including T+2h, smokes re-run at +30, +60, +90 and +120 min. Each check: a sustained 5xx spike (per-minute 5xx from /api/admin/metrics above TATU_HYPERCARE_MAX_5XX_PER_MINUTE for TATU_HYPERCARE_5XX_SUSTAINED_MINUTES minutes in a row; a short burst only warns), Sentry error volume and the top new issues since the launch start, queue counts (BullMQ on REDIS_URL; TATU_HYPERCARE_MAX_WAITING/_FAILED/_RETRIED warn), sync ratios + webhook delivery failures (processing failures, a provider's own deliveries failing the signature; forged requests only warn), sign-in; prints ROLLBACK RECOMMENDED + the command and exits 1 when a rollback trigger fires",
  options: [
    {
      flags: "--since <iso>",
      description:
        "the launch start (T+0), e.g. 2026-12-07T14:00:00Z (default: the first T-0 item of the launch log, else now)",
    },
    { flags: "--first <duration>", description: "the first check, after the launch start", default: "15m" },
    { flags: "--every <duration>", description: "time between checks", default: "15m" },
    { flags: "--for <duration>", description: "the last check, after the launch start (included)", default: "2h" },
    { flags: "--once", description: "one check now, then exit" },
    { flags: "--plan", description: "print the schedule (checks and smoke re-runs, with their times) and exit" },
    {
      flags: "--smoke-every <duration>",
      description:
        "re-run the smokes at every multiple of this after the launch start (TATU_SMOKE_PROVIDERS; unset: every smoke)",
      default: "30m",
    },
    threshold(
      "--max-5xx-per-minute <n>",
      `a minute with more 5xx is elevated (default TATU_HYPERCARE_MAX_5XX_PER_MINUTE, else ${defaultThresholds.serverErrorsPerMinute})`,
    ),
    threshold(
      "--sustained-minutes <n>",
      `elevated minutes in a row that trigger a rollback (default TATU_HYPERCARE_5XX_SUSTAINED_MINUTES, else ${defaultThresholds.sustainedMinutes})`,
    ),
    threshold(
      "--max-5xx <n>",
      "server errors in 15 min that earn a warning (a burst; the trigger is the sustained per-minute rate)",
      defaultThresholds.serverErrors15m,
    ),
    threshold(
      "--max-signature-failures <n>",
      "bad webhook signatures from unknown senders in 15 min that earn a warning (forgeable: never a trigger)",
      defaultThresholds.signatureFailures15m,
    ),
    threshold(
      "--max-webhook-failures <n>",
      "signed webhook deliveries of one provider failing processing in 15 min that trigger a rollback",
      defaultThresholds.webhookFailures15m,
    ),
    threshold(
      "--max-rejection-ratio <share>",
      "share (0–1) of a provider's own deliveries failing the signature in 15 min (at least 10) that triggers a rollback",
      defaultThresholds.rejectionRatio,
    ),
    threshold(
      "--max-sentry-errors <n>",
      `Sentry errors in 1 h that trigger a rollback (default TATU_HYPERCARE_MAX_SENTRY_ERRORS, else ${defaultThresholds.sentryErrors1h})`,
    ),
    envFileOption("read CRON_SECRET, SENTRY_*, REDIS_URL, TATU_SMOKE_*, TATU_HYPERCARE_* from this dotenv file"),
  ],
  examples: [
    {
      what: "The runbook's two hours after cutover (T+0 from the launch log)",
      command: "tatu hypercare --url https://tatu.example.com --env-file .env.production",
    },
    {
      what: "The schedule for a launch that started at 14:00 UTC",
      command: "tatu hypercare --since 2026-12-07T14:00:00Z --plan --url https://tatu.example.com",
    },
    {
      what: "One check for CI, JSON out (exit 1 when a rollback is recommended)",
      command: "tatu hypercare --once --json --url https://tatu.example.com",
    },
  ],
  action: () => import("./action.ts").then((m) => m.hypercare),
};
