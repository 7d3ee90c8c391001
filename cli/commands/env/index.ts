import type { Command } from "commander";
import { registerEnvCheck } from "./check.ts";

export function registerEnv(program: Command): void {
  registerEnvCheck(program.command("env").description("environment variables (from the shared env registry)"));
}
