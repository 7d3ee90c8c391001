// The Meta done checklist (runbooks/meta-done.md): its automated items run as the steps of
// meta-items.ts (one per item, keyed by the item id), the others are confirmed by an operator.
import { loadRunbook, type RunbookItem } from "../runbook/parse.ts";
import { metaItemSteps } from "./meta-items.ts";
import type { Step, StepContext, StepResult } from "./types.ts";

export { metaEnv } from "./meta-items.ts";

export const META_RUNBOOK = "meta-done";

/** The checklist's items, in order (runbooks/meta-done.md, or TATU_RUNBOOKS_DIR's). */
export function metaChecklist(): RunbookItem[] {
  return loadRunbook(META_RUNBOOK).items;
}

/** The items a person confirms (no `step:` marker). */
export const metaManualItems = () =>
  metaChecklist()
    .filter((i) => !i.step)
    .map((i) => ({ id: i.id, title: i.text }));

/** Every meta.* item step (configuration as Meta sees it), keyed by its runbook item id. */
export async function metaAutomated(ctx: StepContext): Promise<{ id: string; title: string; result: StepResult }[]> {
  return Promise.all(metaItemSteps.map(async (s) => ({ id: s.id, title: s.title, result: await s.run(ctx) })));
}

export const metaCheckStep: Step = {
  id: "meta.check",
  title: "Meta done checklist (configuration items: credentials, redirect URIs, callbacks, fields, scopes, accounts)",
  run: async (ctx) => {
    const all = await metaAutomated(ctx);
    const bad = all.filter((a) => !a.result.ok);
    const summary = bad.length
      ? bad.map((a) => `${a.id}: ${a.result.summary}`).join("; ")
      : `${all.length} automated Meta items pass`;
    return { ok: !bad.length, unreachable: all.some((a) => a.result.unreachable), summary, details: all };
  },
};
