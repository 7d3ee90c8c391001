import type { Command } from "commander";
import { registerProviderDisable } from "./disable.ts";
import { registerProviderEnable } from "./enable.ts";
import { registerProviderTwilio } from "./twilio.ts";

export function registerProvider(program: Command): void {
  const provider = program.command("provider").description("provider kill switches and Twilio number assignments of the deployed app (admin API, bearer CRON_SECRET)");
  registerProviderDisable(provider);
  registerProviderEnable(provider);
  registerProviderTwilio(provider);
}
