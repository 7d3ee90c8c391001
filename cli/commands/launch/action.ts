// tatu launch: runbooks/launch.md, or with --rehearse the whole launch on this machine.
import type { CommandBody } from "../action.ts";
import { runRunbook } from "../runbook/run.ts";

export const launch: CommandBody = async (run) => {
  if (run.opts.rehearse) {
    const { rehearse } = await import("../../rehearse/index.ts");
    return rehearse(run);
  }
  return runRunbook(run, "launch");
};
