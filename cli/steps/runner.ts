// Independent steps at once, with listr2 progress on a terminal; plain progress lines on
// stderr otherwise, and nothing extra with --json (the JSON document is the whole stdout).
import { Listr } from "listr2";
import type { ReportedStep } from "../output/print.ts";
import type { Step, StepContext } from "./types.ts";
import { runStep } from "../commands/invocation.ts";

export async function runInParallel(steps: Step[], ctx: StepContext): Promise<ReportedStep[]> {
  // Without a terminal: no spinner, just the context's progress lines and the final report.
  if (!ctx.mode.interactive) return Promise.all(steps.map((step) => runStep(step, { ...ctx, progress: (line) => ctx.progress(`${step.id}: ${line}`) })));
  const results = new Map<string, ReportedStep>();
  const renderer = "default";
  const list = new Listr(
    steps.map((step) => ({
      title: `${step.id} ${step.title}`,
      task: async (_: unknown, task: { output: string; title: string }) => {
        const r = await runStep(step, { ...ctx, progress: (line) => { task.output = line; } });
        results.set(step.id, r);
        task.title = `${step.id} — ${r.summary} (${(r.durationMs! / 1000).toFixed(1)} s)`;
        if (!r.ok) throw new Error(r.summary);
      },
    })),
    { concurrent: true, exitOnError: false, renderer, rendererOptions: { collapseErrors: true }, collectErrors: false } as never,
  );
  await list.run().catch(() => undefined);
  return steps.map((s) => results.get(s.id)!);
}
