// tatu runbook show <name>: a runbook's items, each with its kind and the step it runs.
import { EXIT } from "../../output/exit-codes.ts";
import { loadRunbook, runbooksDir } from "../../runbook/parse.ts";
import { findStep, loadSteps } from "../../steps/catalog.ts";
import type { CommandBody } from "../action.ts";

export const runbookShow: CommandBody = async (run, [name]) => {
  await loadSteps(run.env);
  const b = loadRunbook(name!, runbooksDir(run.env));
  const items = b.items.map((i) => ({ ...i, stepRegistered: i.step ? Boolean(findStep(i.step)) : undefined }));
  if (run.mode.json) {
    process.stdout.write(
      JSON.stringify(
        { command: run.name, ok: true, exitCode: 0, name: b.name, title: b.title, file: b.file, items },
        null,
        2,
      ) + "\n",
    );
    return EXIT.ok;
  }
  process.stdout.write(`${b.title} (${b.file})\n`);
  let section = "";
  for (const i of items) {
    if (i.section !== section) process.stdout.write(`\n${(section = i.section)}\n`);
    const kind = i.kind === "automated" ? `step ${i.step}${i.stepRegistered ? "" : " (no step registered)"}` : i.kind;
    process.stdout.write(`  ${i.id.padEnd(26)} [${kind}${i.required ? "" : ", optional"}] ${i.text}\n`);
  }
  return EXIT.ok;
};
