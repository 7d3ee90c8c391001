// Steps the runbook engine provides itself (they read the run, not a service).
import type { Step } from "../steps/types.ts";
import type { RunStepContext } from "./engine.ts";
import { ROLE_FLAGS } from "./roles.ts";

export const launchRolesStep: Step = {
  id: "launch.roles",
  title: "Roles and launch window recorded",
  async run(ctx) {
    const run = (ctx as RunStepContext).run;
    const missing = ROLE_FLAGS.filter((r) => !run?.roles?.[r.key]).map((r) => r.flag);
    if (missing.length)
      return { ok: false, summary: `roles not recorded: pass ${missing.join(", ")} (or answer the prompts)` };
    if (!run!.window) return { ok: false, summary: 'launch window not recorded: pass --window "…"' };
    const r = run!.roles!;
    return {
      ok: true,
      summary: `RC ${r.releaseCommander}, backend ${r.backend}, frontend ${r.frontend}, QA ${r.qa}, observer ${r.observer}; window ${run!.window}`,
      details: { roles: r, window: run!.window },
    };
  },
};
