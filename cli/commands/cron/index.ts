import type { Command } from "commander";
import { registerCronDisable } from "./disable.ts";
import { registerCronEnable } from "./enable.ts";
import { registerCronStatus } from "./status.ts";

export function registerCron(program: Command): void {
  const cron = program.command("cron").description("cron switches of the deployed app (admin API, bearer CRON_SECRET)");
  registerCronStatus(cron);
  registerCronDisable(cron);
  registerCronEnable(cron);
}
