import type { Command } from "commander";
import { registerCronToggle } from "./toggle.ts";
export const registerCronEnable = (cron: Command) => registerCronToggle(cron, true);
