// tatu runbook run <name> (and `tatu launch`, which is this for runbooks/launch.md): the
// run options checked, then the engine runs the runbook and the summary is printed.
import { CliExit, EXIT } from "../../output/exit-codes.ts";
import { loadRunbook, runbooksDir } from "../../runbook/parse.ts";
import { inquirerPrompter } from "../../runbook/prompter.ts";
import { createReporter } from "../../runbook/reporter.ts";
import { executeRun } from "../../runbook/run.ts";
import { printSummary } from "../../runbook/summary.ts";
import { loadSteps } from "../../steps/catalog.ts";
import type { CommandBody } from "../action.ts";
import type { Invocation } from "../invocation.ts";

/** `--skip id=reason` and `--override gate=reason`, repeatable. */
function pairs(values: string[] | undefined, flag: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const v of values ?? []) {
    const i = v.indexOf("=");
    if (i <= 0 || !v.slice(i + 1).trim())
      throw new CliExit(EXIT.usage, `${flag} "${v}": expected ${flag} "<item-id>=<reason>" (a reason is required)`);
    out.set(v.slice(0, i).trim(), v.slice(i + 1).trim());
  }
  return out;
}

export async function runRunbook(run: Invocation, name: string): Promise<number> {
  const runbook = loadRunbook(name, runbooksDir(run.env));
  await loadSteps(run.env);
  const o = run.opts;
  const needsTarget = runbook.items.some((i) => i.kind === "automated" && i.step !== "launch.roles");
  const baseUrl = needsTarget ? run.baseUrl : (o.url ?? run.env.NEXTAUTH_URL ?? "");
  const overrideBy = typeof o.overrideBy === "string" ? o.overrideBy : undefined;
  const overrides = new Map(
    [...pairs(o.override as string[] | undefined, "--override")].map(([k, reason]) => {
      if (!overrideBy) throw new CliExit(EXIT.usage, "--override needs --override-by <Release Commander's name>");
      return [k, { by: overrideBy, reason }];
    }),
  );
  if (typeof o.reason === "string" && !o.reason.trim()) throw new CliExit(EXIT.usage, "--reason must not be empty");
  const summary = await executeRun({
    runbook,
    ctx: {
      ...run.stepContext(baseUrl),
      choices: typeof o.provider === "string" ? { provider: o.provider } : undefined,
    },
    mode: run.mode,
    prompter: inquirerPrompter,
    reporter: createReporter(run.mode),
    resume: o.resume as boolean | string | undefined,
    roles: o as never,
    reason: o.reason as string | undefined,
    skips: pairs(o.skip as string[] | undefined, "--skip"),
    overrides,
    approvals: new Set((o.approve as string[] | undefined) ?? []),
    env: run.env,
  });
  printSummary(run.mode, summary);
  return summary.exitCode;
}

export const runbookRun: CommandBody = (run, [name]) => runRunbook(run, name!);
