import type { Command } from "commander";
import { registerProviderDisable } from "./disable.ts";
import { registerProviderEnable } from "./enable.ts";
import { registerProviderTwilio } from "./twilio.ts";
import { registerProviderStatus } from "./status.ts";

export function registerProvider(program: Command): void {
  const provider = program.command("provider").description("provider kill switches, their history and Twilio number assignments of the deployed app (admin API, bearer CRON_SECRET)");
  registerProviderStatus(provider);
  registerProviderDisable(provider);
  registerProviderEnable(provider);
  registerProviderTwilio(provider);
}
