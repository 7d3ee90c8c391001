import type { Command } from "commander";
import { registerMetaCheck } from "./check.ts";

export function registerMeta(program: Command): void {
  registerMetaCheck(program.command("meta").description("Meta (Facebook/Instagram) launch readiness"));
}
