// tatu provider status [provider]: the provider kill switches and their last changes
// (exit 1 when one is disabled, like `tatu cron status`).
import { providerStatus as switchesOf, providerSwitchName, switchStatusOutcome } from "../../steps/switches.ts";
import type { CommandBody } from "../action.ts";

export const providerStatus: CommandBody = async (run, [name]) => {
  const switchName = name ? providerSwitchName(name) : undefined;
  const at = Date.now();
  const result = await switchesOf(run.stepContext(run.baseUrl), switchName);
  const step = {
    id: "provider.status",
    title: `Provider switches${switchName ? ` (${switchName})` : ""}`,
    ...result,
    durationMs: Date.now() - at,
  };
  return switchStatusOutcome(run.name, step, run.mode.json);
};
