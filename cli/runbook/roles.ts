// Roles (Release Commander, Backend, Frontend, QA owners, Observer) and the launch window,
// recorded once at the start of a run: from flags, or prompted on a terminal.
import { input } from "@inquirer/prompts";
import { CliExit, EXIT } from "../output/exit-codes.ts";
import type { OutputMode } from "../output/mode.ts";
import { Roles } from "./store.ts";

export const ROLE_FLAGS = [
  { key: "releaseCommander", flag: "--release-commander", label: "Release Commander" },
  { key: "backend", flag: "--backend", label: "Backend Owner" },
  { key: "frontend", flag: "--frontend", label: "Frontend Owner" },
  { key: "qa", flag: "--qa", label: "QA Owner" },
  { key: "observer", flag: "--observer", label: "Observer" },
] as const;

export interface RoleOptions {
  releaseCommander?: string;
  backend?: string;
  frontend?: string;
  qa?: string;
  observer?: string;
  window?: string;
}

/**
 * Roles and window for a new run. `needed`: the runbook records them (launch.roles), so a
 * non-interactive run without every flag is a usage error rather than a silent NO-GO.
 */
export async function collectRoles(
  opts: RoleOptions,
  mode: OutputMode,
  needed: boolean,
): Promise<{ roles?: Roles; window?: string }> {
  const given: Record<string, string | undefined> = Object.fromEntries(
    ROLE_FLAGS.map((r) => [r.key, opts[r.key]?.trim() || undefined]),
  );
  let window = opts.window?.trim() || undefined;
  const missing = ROLE_FLAGS.filter((r) => !given[r.key]);
  if (mode.interactive && (needed || missing.length < ROLE_FLAGS.length)) {
    for (const r of missing)
      given[r.key] = (
        await input({ message: `${r.label}`, validate: (v) => (v.trim() ? true : `the ${r.label} is required`) })
      ).trim();
    if (!window)
      window = (
        await input({
          message: "Launch window (e.g. 2026-12-01 14:00–16:00 UTC)",
          validate: (v) => (v.trim() ? true : "the window is required"),
        })
      ).trim();
  } else if (needed && (missing.length || !window)) {
    const flags = [...missing.map((r) => r.flag), ...(window ? [] : ["--window"])];
    throw new CliExit(
      EXIT.usage,
      `this runbook records the launch roles and window: pass ${flags.join(", ")} (or run it in a terminal to be asked).`,
    );
  }
  const recorded = Object.fromEntries(Object.entries(given).filter(([, v]) => v));
  return { roles: Object.keys(recorded).length ? Roles.parse(recorded) : undefined, window };
}
