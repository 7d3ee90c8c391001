// cron.* and provider.*: the service's kill switches, flipped through the admin API with the
// operator recorded (X-Tatu-Operator).
import { z } from "zod";
import { CliExit, EXIT } from "../output/exit-codes.ts";
import { didYouMean } from "../output/suggest.ts";
import type { Outcome, ReportedStep } from "../output/print.ts";
import { AdminApi, providerIds, syncCrons, type SwitchChange, type SwitchState } from "../clients/tatu-admin-api.ts";
import { stepWithParams } from "./params.ts";
import { exitCodeOf, fail, guarded, pass } from "./results.ts";
import type { Step, StepChoice, StepContext, StepResult } from "./types.ts";

const admin = (ctx: StepContext) => new AdminApi(ctx.baseUrl, ctx.env, ctx.operator);
const line = (s: SwitchState) => `${s.name}=${s.enabled ? "on" : "off"}`;

/** How many past changes `tatu cron status` / `tatu provider status` show. */
export const HISTORY_SHOWN = 10;

/** One history line: when, which switch, before → after, who, why. */
export const historyLine = (c: SwitchChange) =>
  `  ${c.at} ${c.name} ${c.before.enabled ? "on" : "OFF"} → ${c.after.enabled ? "on" : "OFF"} by ${c.by}${c.reason ? ` — ${c.reason}` : ""}`;

/** `cron status` / `provider status`: the step, the history (in JSON), and for people one line per switch and the recent changes. */
export function switchStatusOutcome(command: string, step: ReportedStep, json: boolean): Outcome {
  const details = step.details as { switches?: SwitchState[]; history?: SwitchChange[] } | undefined;
  const switches = details?.switches ?? [],
    history = details?.history ?? [];
  return {
    command,
    exitCode: exitCodeOf([step]),
    steps: [step],
    extra: { history },
    notes: json
      ? []
      : [
          ...switches.map(
            (s) =>
              `  ${s.enabled ? "on " : "OFF"} ${s.name}${s.reason ? ` — ${s.reason}` : ""}${s.updatedBy ? ` (by ${s.updatedBy})` : ""}`,
          ),
          history.length ? "Recent changes (newest first):" : "No changes recorded.",
          ...history.map(historyLine),
        ],
  };
}

async function switchStatus(ctx: StepContext, kind: "cron" | "provider", name?: string): Promise<StepResult> {
  return guarded(async () => {
    const api = admin(ctx);
    const [all, history] = await Promise.all([api.switches(), api.switchHistory({ kind, name, limit: HISTORY_SHOWN })]);
    const switches = all.filter((s) => s.kind === kind && (!name || s.name === name));
    const off = switches.filter((s) => !s.enabled);
    const noun = kind === "cron" ? "cron" : "provider";
    const summary = off.length
      ? `${off.length} ${noun}(s) disabled: ${off.map((s) => `${s.name}${s.reason ? ` (${s.reason})` : ""}`).join(", ")}`
      : `all ${switches.length} ${noun}s active`;
    return off.length ? fail(summary, { switches, history }) : pass(summary, { switches, history });
  });
}

export const cronStatus = (ctx: StepContext) => switchStatus(ctx, "cron");
export const providerStatus = (ctx: StepContext, name?: string) => switchStatus(ctx, "provider", name);

export async function setSwitches(
  ctx: StepContext,
  names: string[],
  enabled: boolean,
  reason?: string,
): Promise<StepResult> {
  return guarded(async () => {
    const api = admin(ctx);
    const changed: SwitchState[] = [];
    for (const name of names) changed.push(await api.setSwitch(name, enabled, reason));
    return pass(`${changed.map(line).join(", ")} (by ${ctx.operator})`, { switches: changed });
  });
}

/** The cron switches the deployed app knows (its own list is the truth, not this CLI's version). */
export async function knownCronSwitches(ctx: StepContext): Promise<string[]> {
  return (await admin(ctx).switches()).filter((s) => s.kind === "cron").map((s) => s.name);
}

export function cronSwitchNames(name: string | undefined, all: boolean, known: string[]): string[] {
  if (all) return known;
  if (!name) throw new CliExit(EXIT.usage, "name a cron or pass --all");
  const full = `cron.${name.replace(/^cron\./, "")}`;
  const names = known.map((n) => n.slice(5));
  if (!known.includes(full))
    throw new CliExit(
      EXIT.usage,
      `unknown cron "${name}"${didYouMean(full.slice(5), names)} (one of: ${names.join(", ")})`,
    );
  return [full];
}

export function providerSwitchName(provider: string): string {
  const bare = provider.replace(/^provider\./, "");
  if (!(providerIds as readonly string[]).includes(bare))
    throw new CliExit(
      EXIT.usage,
      `unknown provider "${provider}"${didYouMean(bare, providerIds)} (one of: ${providerIds.join(", ")})`,
    );
  return `provider.${bare}`;
}

// cron.status (the switches and more) is in cron-status.ts.
export const cronDisableSyncStep: Step = {
  id: "cron.disable-sync",
  title: "Disable the sync crons (rollback quick action)",
  destructive: true,
  run: (ctx) =>
    setSwitches(
      ctx,
      syncCrons.map((n) => `cron.${n}`),
      false,
      "rollback: sync crons paused",
    ),
};
export const cronEnableAllStep: Step = {
  id: "cron.enable-all",
  title: "Re-enable every cron",
  destructive: true,
  run: async (ctx) => guarded(async () => setSwitches(ctx, await knownCronSwitches(ctx), true, "re-enabled")),
};

/** provider.disable / provider.enable: the provider is a person's choice (`--provider`, or asked by the runbook run). */
const providerChoice = (enabled: boolean): StepChoice => ({
  key: "provider",
  flag: "--provider <id>",
  question: `which provider integration to ${enabled ? "enable" : "disable"}`,
  options: providerIds,
});

const providerParams = z.object({
  provider: z
    .string({ error: `no provider chosen: pass --provider <id> (one of: ${providerIds.join(", ")})` })
    .transform((p) => p.replace(/^provider\./, ""))
    .pipe(
      z.enum(providerIds, {
        error: (issue) => `unknown provider "${String(issue.input)}" (one of: ${providerIds.join(", ")})`,
      }),
    ),
});

function providerStep(id: string, enabled: boolean): Step {
  return stepWithParams({
    id,
    title: `${enabled ? "Enable" : "Disable"} one provider integration (--provider, or asked)`,
    destructive: true,
    choice: providerChoice(enabled),
    params: providerParams,
    readParams: (ctx) => ({ provider: ctx.choices?.provider }),
    run: (ctx, { provider }) =>
      setSwitches(ctx, [`provider.${provider}`], enabled, enabled ? "re-enabled" : "disabled by the release commander"),
  });
}
export const providerDisableStep = providerStep("provider.disable", false);
export const providerEnableStep = providerStep("provider.enable", true);
