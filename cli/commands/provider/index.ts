import type { Command } from "commander";
import { registerProviderDisable } from "./disable.ts";
import { registerProviderEnable } from "./enable.ts";
import { registerProviderStatus } from "./status.ts";

export function registerProvider(program: Command): void {
  const provider = program.command("provider").description("provider kill switches of the deployed app (admin API, bearer CRON_SECRET)");
  registerProviderStatus(provider);
  registerProviderDisable(provider);
  registerProviderEnable(provider);
}
