// tatu cron disable|enable [name|--all]: one action for both verbs.
import { CliExit, EXIT } from "../../output/exit-codes.ts";
import { exitCodeOf } from "../../steps/results.ts";
import { cronSwitchNames, knownCronSwitches, setSwitches } from "../../steps/switches.ts";
import type { CommandBody } from "../action.ts";

const toggle =
  (enabled: boolean): CommandBody =>
  async (run, [name]) => {
    const verb = enabled ? "enable" : "disable";
    const baseUrl = run.baseUrl;
    if (!name && !run.opts.all) throw new CliExit(EXIT.usage, "name a cron or pass --all");
    // The app's own list is the truth (unreachable → exit 3).
    const names = cronSwitchNames(name, Boolean(run.opts.all), await knownCronSwitches(run.stepContext(baseUrl)));
    if (!enabled && !(await run.confirm(`Disable ${names.join(", ")} on ${baseUrl}?`)))
      throw new CliExit(EXIT.usage, "not confirmed: nothing changed");
    const result = await setSwitches(run.stepContext(baseUrl), names, enabled, run.opts.reason as string | undefined);
    const step = { id: `cron.${verb}`, title: `${verb} ${names.join(", ")}`, ...result };
    return { command: run.name, exitCode: exitCodeOf([step]), steps: [step] };
  };

export const cronDisable = toggle(false);
export const cronEnable = toggle(true);
