// tatu hypercare [--every 15m] [--for 2h] [--once] [thresholds]
import { defaultThresholds } from "../../steps/hypercare.ts";
import { envFileOption } from "../options.ts";
import type { CommandSpec, OptionSpec } from "../spec.ts";

const threshold = (flags: string, description: string, value: number): OptionSpec => ({
  flags,
  description,
  default: value,
  parse: (v) => {
    if (!/^\d+(\.\d+)?$/.test(v)) throw new Error("expected a number");
    return Number(v);
  },
});

export const hypercareCommand: CommandSpec = {
  name: "hypercare",
  summary: "watch rollback triggers after launch; ROLLBACK RECOMMENDED → exit 1",
  description:
    "watch the launch: Sentry error volume, queue counts (BullMQ on REDIS_URL), sync ratios + webhook delivery failures (/api/admin/metrics: processing failures, a provider's own deliveries failing the signature; forged requests only warn), sign-in; smokes every 30 min; prints ROLLBACK RECOMMENDED + the command and exits 1 when a rollback trigger fires",
  options: [
    { flags: "--every <duration>", description: "time between checks", default: "15m" },
    { flags: "--for <duration>", description: "how long to watch", default: "2h" },
    { flags: "--once", description: "one check, then exit" },
    {
      flags: "--smoke-every <duration>",
      description: "re-run the configured smokes (TATU_SMOKE_PROVIDERS) this often",
      default: "30m",
    },
    threshold("--max-5xx <n>", "server errors in 15 min that trigger a rollback", defaultThresholds.serverErrors15m),
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
      "Sentry errors in 1 h that trigger a rollback",
      defaultThresholds.sentryErrors1h,
    ),
    envFileOption("read CRON_SECRET, SENTRY_*, REDIS_URL, TATU_SMOKE_* from this dotenv file"),
  ],
  examples: [
    {
      what: "The runbook's two hours after cutover",
      command: "tatu hypercare --every 15m --for 2h --url https://tatu.example.com --env-file .env.production",
    },
    {
      what: "One check for CI, JSON out (exit 1 when a rollback is recommended)",
      command: "tatu hypercare --once --json --url https://tatu.example.com",
    },
  ],
  action: () => import("./action.ts").then((m) => m.hypercare),
};
