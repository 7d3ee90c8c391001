import type { Command } from "commander";
import { registerProviderDisable } from "./disable.ts";
import { registerProviderEnable } from "./enable.ts";

export function registerProvider(program: Command): void {
  const provider = program.command("provider").description("provider kill switches of the deployed app (admin API, bearer CRON_SECRET)");
  registerProviderDisable(provider);
  registerProviderEnable(provider);
}
