import type { Command } from "commander";
import { registerWebhooksTest } from "./test.ts";

export function registerWebhooks(program: Command): void {
  registerWebhooksTest(program.command("webhooks").description("webhook endpoints of the deployed app"));
}
