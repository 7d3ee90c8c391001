// tatu runbook list: every runbook in the runbooks folder with its item counts.
import { EXIT } from "../../output/exit-codes.ts";
import { listRunbookNames, loadRunbook, runbooksDir } from "../../runbook/parse.ts";
import type { CommandBody } from "../action.ts";

export const runbookList: CommandBody = async (run) => {
  const dir = runbooksDir(run.env);
  const books = listRunbookNames(dir).map((n) => {
    const b = loadRunbook(n, dir);
    const count = (k: string) => b.items.filter((i) => i.kind === k).length;
    return {
      name: n,
      title: b.title,
      items: b.items.length,
      automated: count("automated"),
      manual: count("manual"),
      gates: count("gate") + count("signoff"),
    };
  });
  if (run.mode.json)
    process.stdout.write(
      JSON.stringify({ command: run.name, ok: true, exitCode: 0, dir, runbooks: books }, null, 2) + "\n",
    );
  else
    for (const b of books)
      process.stdout.write(
        `${b.name.padEnd(22)} ${b.title} — ${b.items} items (${b.automated} automated, ${b.manual} manual, ${b.gates} gates)\n`,
      );
  return EXIT.ok;
};
