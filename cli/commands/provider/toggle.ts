// tatu provider disable|enable <provider>: one integration's kill switch.
import type { Command } from "commander";
import { CliExit, EXIT } from "../../output/exit-codes.ts";
import { providerIds } from "../../clients/tatu-admin-api.ts";
import { exitCodeOf } from "../../steps/results.ts";
import { providerSwitchName, setSwitches } from "../../steps/switches.ts";
import { operation } from "../invocation.ts";

export function registerProviderToggle(provider: Command, enabled: boolean): void {
  const verb = enabled ? "enable" : "disable";
  provider.command(verb)
    .argument("<provider>", providerIds.join(" | "))
    .option("--reason <text>", "why (recorded with the switch)")
    .description(enabled ? "turn a provider integration back on" : "DESTRUCTIVE: turn one provider integration off (connect, sync, send) without touching the rest; asks for confirmation unless --yes")
    .action(operation(`provider ${verb}`, async (run, [name]) => {
      let switchName: string;
      try {
        switchName = providerSwitchName(name!);
      } catch (err) {
        throw new CliExit(EXIT.usage, (err as Error).message);
      }
      const baseUrl = run.baseUrl;
      if (!enabled && !(await run.confirm(`Disable ${switchName} on ${baseUrl}?`))) throw new CliExit(EXIT.usage, "not confirmed: nothing changed");
      const result = await setSwitches(run.stepContext(baseUrl), [switchName], enabled, (run.opts.reason as string | undefined) ?? (enabled ? "re-enabled" : undefined));
      const step = { id: `provider.${verb}`, title: `${verb} ${switchName}`, ...result };
      return { command: `provider ${verb}`, exitCode: exitCodeOf([step]), steps: [step] };
    }));
}
