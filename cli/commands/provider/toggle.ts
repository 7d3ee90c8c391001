// tatu provider disable|enable <provider>: one integration's kill switch.
import { CliExit, EXIT } from "../../output/exit-codes.ts";
import { exitCodeOf } from "../../steps/results.ts";
import { providerSwitchName, setSwitches } from "../../steps/switches.ts";
import type { CommandBody } from "../action.ts";

const toggle =
  (enabled: boolean): CommandBody =>
  async (run, [name]) => {
    const verb = enabled ? "enable" : "disable";
    const switchName = providerSwitchName(name!);
    const baseUrl = run.baseUrl;
    if (!enabled && !(await run.confirm(`Disable ${switchName} on ${baseUrl}?`)))
      throw new CliExit(EXIT.usage, "not confirmed: nothing changed");
    const result = await setSwitches(
      run.stepContext(baseUrl),
      [switchName],
      enabled,
      (run.opts.reason as string | undefined) ?? (enabled ? "re-enabled" : undefined),
    );
    const step = { id: `provider.${verb}`, title: `${verb} ${switchName}`, ...result };
    return { command: run.name, exitCode: exitCodeOf([step]), steps: [step] };
  };

export const providerDisable = toggle(false);
export const providerEnable = toggle(true);
