// tatu meta check: the Meta done checklist (runbooks/meta-done.md), each result keyed by the
// runbook's item id — automated items run their step (what to register with Meta is printed
// in their lines), manual items are confirmed by the operator (a terminal), or by --yes with
// --reason (recorded), else they fail.
import { confirm, input } from "@inquirer/prompts";
import { CliExit, EXIT } from "../../output/exit-codes.ts";
import type { ReportedStep } from "../../output/print.ts";
import { findStep } from "../../steps/catalog.ts";
import { metaChecklist } from "../../steps/meta.ts";
import { exitCodeOf, fail, pass } from "../../steps/results.ts";
import type { CommandBody } from "../action.ts";

export const metaCheck: CommandBody = async (run) => {
  const reason = run.opts.reason as string | undefined;
  if (run.mode.yes && !reason?.trim())
    throw new CliExit(EXIT.usage, '--yes confirms the manual Meta items only with --reason "…" (recorded)');
  const ctx = run.stepContext(run.baseUrl);
  const checklist = metaChecklist();
  const automated = await Promise.all(
    checklist
      .filter((item) => item.step)
      .map(async (item): Promise<ReportedStep> => {
        const step = findStep(item.step!);
        const result = step ? await step.run(ctx) : fail(`the runbook names step ${item.step}, which does not exist`);
        return { id: item.id, title: item.text, ...result };
      }),
  );
  const steps: ReportedStep[] = [];
  for (const item of checklist) {
    if (item.step) {
      steps.push(automated.find((a) => a.id === item.id)!);
      continue;
    }
    const title = item.text.replace(/\.$/, "");
    const by = { operator: run.operator, at: new Date().toISOString() };
    if (run.mode.yes) {
      steps.push({
        id: item.id,
        title,
        ...pass(`confirmed with --yes by ${by.operator}: ${reason}`, { ...by, reason, via: "--yes" }),
      });
    } else if (run.mode.interactive) {
      const ok = await confirm({ message: `${title}?`, default: false });
      const note = ok ? await input({ message: "Note (optional):" }) : "";
      steps.push({
        id: item.id,
        title,
        ...(ok
          ? pass(`confirmed by ${by.operator}${note ? `: ${note}` : ""}`, { ...by, note })
          : fail(`not confirmed by ${by.operator}`, by)),
      });
    } else {
      steps.push({ id: item.id, title, ...fail('manual item: confirm in a terminal, or pass --yes --reason "…"') });
    }
  }
  return { command: run.name, exitCode: exitCodeOf(steps), steps };
};
