import type { Command } from "commander";
import { registerCronToggle } from "./toggle.ts";
export const registerCronDisable = (cron: Command) => registerCronToggle(cron, false);
