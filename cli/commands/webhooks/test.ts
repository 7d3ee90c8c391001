// tatu webhooks test [facebook|instagram|twilio|stripe|all]: the chosen endpoints in parallel.
import { CliExit, EXIT } from "../../output/exit-codes.ts";
import { exitCodeOf } from "../../steps/results.ts";
import { runInParallel } from "../../steps/runner.ts";
import { webhookProviders, webhookSteps, type WebhookProvider } from "../../steps/webhooks.ts";
import type { CommandBody } from "../action.ts";

export const webhooksTest: CommandBody = async (run, [which = "all"]) => {
  if (which !== "all" && !(webhookProviders as readonly string[]).includes(which))
    throw new CliExit(EXIT.usage, `unknown webhook provider "${which}" (one of: ${webhookProviders.join(", ")}, all)`);
  const chosen = which === "all" ? [...webhookProviders] : [which as WebhookProvider];
  const steps = await runInParallel(
    chosen.map((p) => webhookSteps[p]!),
    run.stepContext(run.baseUrl),
  );
  return { command: run.name, exitCode: exitCodeOf(steps), steps };
};
