// tatu webhooks test [facebook|instagram|twilio|stripe|all]
import type { Command } from "commander";
import { CliExit, EXIT } from "../../output/exit-codes.ts";
import { exitCodeOf } from "../../steps/results.ts";
import { webhookProviders, webhookSteps, type WebhookProvider } from "../../steps/webhooks.ts";
import { operation } from "../invocation.ts";
import { runInParallel } from "../../steps/runner.ts";

export function registerWebhooksTest(webhooks: Command): void {
  webhooks.command("test")
    .argument("[provider]", `${webhookProviders.join(" | ")} | all`, "all")
    .description("test the deployed webhook endpoints: Meta handshake (right token echoes the challenge, wrong 403), signed event accepted, tampered rejected; Twilio signed vs unsigned; Stripe signed vs stale. Secrets from FACEBOOK_APP_SECRET, FACEBOOK_WEBHOOK_VERIFY_TOKEN, TWILIO_AUTH_TOKEN, STRIPE_WEBHOOK_SECRET")
    .option("--env-file <file>", "read the secrets from this dotenv file")
    .action(operation("webhooks test", async (run, [which = "all"]) => {
      if (which !== "all" && !(webhookProviders as readonly string[]).includes(which)) throw new CliExit(EXIT.usage, `unknown webhook provider "${which}" (one of: ${webhookProviders.join(", ")}, all)`);
      const chosen = which === "all" ? [...webhookProviders] : [which as WebhookProvider];
      const steps = await runInParallel(chosen.map((p) => webhookSteps[p]), run.stepContext(run.baseUrl));
      return { command: "webhooks test", exitCode: exitCodeOf(steps), steps };
    }));
}
