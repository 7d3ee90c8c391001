// Progress while a runbook runs: listr2 spinners on a terminal, plain lines otherwise, and
// nothing with --json (the summary document is the only output then).
import { Chalk } from "chalk";
import { Listr } from "listr2";
import type { OutputMode } from "../output/mode.ts";
import type { Step, StepResult } from "../steps/types.ts";
import type { RunbookItem } from "./parse.ts";
import type { ItemRecord } from "./store.ts";

export interface Reporter {
  section(title: string): void;
  running(item: RunbookItem, step: Step, run: () => Promise<StepResult>): Promise<StepResult>;
  item(item: RunbookItem, rec: ItemRecord): void;
  line(text: string): void;
}

const MARK: Record<string, (c: InstanceType<typeof Chalk>) => string> = {
  passed: (c) => c.green("✔"),
  confirmed: (c) => c.green("☑"),
  go: (c) => c.green("GO"),
  skipped: (c) => c.yellow("⏭"),
  overridden: (c) => c.yellow("GO (override)"),
  failed: (c) => c.red("✖"),
  missing: (c) => c.red("✖ missing"),
  blocked: (c) => c.red("NO-GO"),
};

/** The progress reporter for an output mode: spinners on a TTY, plain lines otherwise, silent with --json. */
export function createReporter(mode: OutputMode, out: NodeJS.WriteStream = process.stdout): Reporter {
  const c = new Chalk({ level: mode.color ? 1 : 0 });
  const spinners = !mode.json && Boolean(out.isTTY);
  let lastSection = "";
  const write = (s: string) => {
    if (!mode.json) out.write(s + "\n");
  };
  return {
    section(title) {
      if (title !== lastSection) write(`\n${c.bold(title)}`);
      lastSection = title;
    },
    async running(item, step, run) {
      this.section(item.section);
      if (!spinners) return run();
      let result!: StepResult;
      // listr2 shows the spinner while the step runs; the final line is printed by item().
      await new Listr(
        [
          {
            title: `${item.id} (${step.id})`,
            task: async (_ctx, task) => {
              result = await run();
              task.title = `${item.id} (${step.id}) — ${result.summary}`;
              if (!result.ok) throw new Error(result.summary);
            },
          },
        ],
        {
          exitOnError: false,
          rendererOptions: { clearOutput: true, collapseErrors: true },
          renderer: "default",
          collectErrors: false,
        },
      )
        .run()
        .catch(() => undefined);
      return result;
    },
    item(item, rec) {
      this.section(item.section);
      const mark = (MARK[rec.outcome] ?? ((x) => x.dim(rec.outcome)))(c);
      write(`  ${mark} ${c.bold(item.id)}${item.step ? c.dim(` (${item.step})`) : ""} — ${rec.summary}`);
    },
    line(text) {
      write(text);
    },
  };
}
