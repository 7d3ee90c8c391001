// tatu provider status [provider]: the provider kill switches and their last changes
// (exit 1 when one is disabled, like `tatu cron status`).
import type { Command } from "commander";
import { CliExit, EXIT } from "../../output/exit-codes.ts";
import { providerIds, type SwitchChange } from "../../clients/tatu-admin-api.ts";
import { exitCodeOf } from "../../steps/results.ts";
import { historyLine, providerStatus, providerSwitchName } from "../../steps/switches.ts";
import { operation } from "../invocation.ts";

export function registerProviderStatus(provider: Command): void {
  provider.command("status")
    .argument("[provider]", providerIds.join(" | "))
    .description("list the provider switches and their last changes (who, when, why; exit 1 when any is disabled)")
    .action(operation("provider status", async (run, [name]) => {
      let switchName: string | undefined;
      try {
        switchName = name ? providerSwitchName(name) : undefined;
      } catch (err) {
        throw new CliExit(EXIT.usage, (err as Error).message);
      }
      const at = Date.now();
      const result = await providerStatus(run.stepContext(run.baseUrl), switchName);
      const step = { id: "provider.status", title: `Provider switches${switchName ? ` (${switchName})` : ""}`, ...result, durationMs: Date.now() - at };
      const details = result.details as { switches?: { name: string; enabled: boolean; reason: string | null; updatedBy: string | null }[]; history?: SwitchChange[] } | undefined;
      const switches = details?.switches ?? [], history = details?.history ?? [];
      return {
        command: "provider status", exitCode: exitCodeOf([step]), steps: [step], extra: { history },
        notes: run.mode.json ? [] : [
          ...switches.map((s) => `  ${s.enabled ? "on " : "OFF"} ${s.name}${s.reason ? ` — ${s.reason}` : ""}${s.updatedBy ? ` (by ${s.updatedBy})` : ""}`),
          history.length ? "Recent changes (newest first):" : "No changes recorded.",
          ...history.map(historyLine),
        ],
      };
    }));
}
