// tatu meta check: the Meta done checklist — automated items run, manual items confirmed by
// the operator (a terminal), or by --yes with --reason (recorded), else they fail.
import { confirm, input } from "@inquirer/prompts";
import { CliExit, EXIT } from "../../output/exit-codes.ts";
import type { ReportedStep } from "../../output/print.ts";
import { exitCodeOf, fail, pass } from "../../steps/results.ts";
import { metaAutomated, metaManualItems } from "../../steps/meta.ts";
import type { CommandBody } from "../action.ts";

export const metaCheck: CommandBody = async (run) => {
  const reason = run.opts.reason as string | undefined;
  if (run.mode.yes && !reason?.trim())
    throw new CliExit(EXIT.usage, '--yes confirms the manual Meta items only with --reason "…" (recorded)');
  const ctx = run.stepContext(run.baseUrl);
  const steps: ReportedStep[] = (await metaAutomated(ctx)).map((a) => ({ id: a.id, title: a.title, ...a.result }));
  for (const item of metaManualItems) {
    const by = { operator: run.operator, at: new Date().toISOString() };
    if (run.mode.yes) {
      steps.push({
        ...item,
        ...pass(`confirmed with --yes by ${by.operator}: ${reason}`, { ...by, reason, via: "--yes" }),
      });
    } else if (run.mode.interactive) {
      const ok = await confirm({ message: `${item.title}?`, default: false });
      const note = ok ? await input({ message: "Note (optional):" }) : "";
      steps.push({
        ...item,
        ...(ok
          ? pass(`confirmed by ${by.operator}${note ? `: ${note}` : ""}`, { ...by, note })
          : fail(`not confirmed by ${by.operator}`, by)),
      });
    } else {
      steps.push({ ...item, ...fail('manual item: confirm in a terminal, or pass --yes --reason "…"') });
    }
  }
  return { command: run.name, exitCode: exitCodeOf(steps), steps };
};
