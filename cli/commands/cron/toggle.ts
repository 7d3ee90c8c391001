// tatu cron disable|enable [name|--all]: shared by both subcommands (disable.ts / enable.ts).
import type { Command } from "commander";
import { CliExit, EXIT } from "../../output/exit-codes.ts";
import { exitCodeOf } from "../../steps/results.ts";
import { cronSwitchNames, knownCronSwitches, setSwitches } from "../../steps/switches.ts";
import { Unreachable } from "../../clients/http.ts";
import { operation } from "../invocation.ts";

export function registerCronToggle(cron: Command, enabled: boolean): void {
  const verb = enabled ? "enable" : "disable";
  cron.command(verb)
    .argument("[name]", "sync-messages | sync-calendars | worker-sync | appointment-reminders (the app's list: `tatu cron status`)")
    .option("--all", `${verb} every cron`)
    .option("--reason <text>", "why (recorded with the switch)")
    .description(enabled ? "re-enable a cron (or --all)" : "DESTRUCTIVE: stop a cron from running (or --all) until re-enabled; asks for confirmation unless --yes")
    .action(operation(`cron ${verb}`, async (run, [name]) => {
      const baseUrl = run.baseUrl;
      if (!name && !run.opts.all) throw new CliExit(EXIT.usage, "name a cron or pass --all");
      let known: string[];
      try {
        known = await knownCronSwitches(run.stepContext(baseUrl));
      } catch (err) {
        throw new CliExit(err instanceof Unreachable ? EXIT.unreachable : EXIT.failed, (err as Error).message);
      }
      let names: string[];
      try {
        names = cronSwitchNames(name, Boolean(run.opts.all), known);
      } catch (err) {
        throw new CliExit(EXIT.usage, (err as Error).message);
      }
      if (!enabled && !(await run.confirm(`Disable ${names.join(", ")} on ${baseUrl}?`))) throw new CliExit(EXIT.usage, "not confirmed: nothing changed");
      const result = await setSwitches(run.stepContext(baseUrl), names, enabled, run.opts.reason as string | undefined);
      const step = { id: enabled ? "cron.enable" : "cron.disable", title: `${verb} ${names.join(", ")}`, ...result };
      return { command: `cron ${verb}`, exitCode: exitCodeOf([step]), steps: [step] };
    }));
}
