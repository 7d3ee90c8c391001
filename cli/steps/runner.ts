// Running steps for a command: one at a time (timed, a throw becomes a failed result), or
// independent ones at once, with listr2 progress on a terminal; plain progress lines on stderr
// otherwise, and nothing extra with --json (the JSON document is the whole stdout).
import { Listr } from "listr2";
import type { Outcome, ReportedStep } from "../output/print.ts";
import { exitCodeOf } from "./results.ts";
import type { Step, StepContext } from "./types.ts";

export async function runStep(step: Step, ctx: StepContext): Promise<ReportedStep> {
  const started = Date.now();
  let result;
  try {
    result = await step.run(ctx);
  } catch (err) {
    result = { ok: false, summary: `error: ${(err as Error).message.split("\n")[0]}` };
  }
  return { id: step.id, title: step.title, ...result, durationMs: Date.now() - started };
}

/** A command that is one step: its result is the whole outcome. */
export async function singleStep(command: string, step: Step, ctx: StepContext): Promise<Outcome> {
  const reported = await runStep(step, ctx);
  return { command, exitCode: exitCodeOf([reported]), steps: [reported] };
}

export async function runInParallel(steps: Step[], ctx: StepContext): Promise<ReportedStep[]> {
  // Without a terminal: no spinner, just the context's progress lines and the final report.
  if (!ctx.mode.interactive)
    return Promise.all(
      steps.map((step) => runStep(step, { ...ctx, progress: (line) => ctx.progress(`${step.id}: ${line}`) })),
    );
  const results = new Map<string, ReportedStep>();
  const renderer = "default";
  const list = new Listr(
    steps.map((step) => ({
      title: `${step.id} ${step.title}`,
      task: async (_: unknown, task: { output: string; title: string }) => {
        const r = await runStep(step, {
          ...ctx,
          progress: (line) => {
            task.output = line;
          },
        });
        results.set(step.id, r);
        task.title = `${step.id} — ${r.summary} (${(r.durationMs! / 1000).toFixed(1)} s)`;
        if (!r.ok) throw new Error(r.summary);
      },
    })),
    {
      concurrent: true,
      exitOnError: false,
      renderer,
      rendererOptions: { collapseErrors: true },
      collectErrors: false,
    } as never,
  );
  await list.run().catch(() => undefined);
  return steps.map((s) => results.get(s.id)!);
}
