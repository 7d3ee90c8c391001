// tatu rollback: the runbook's quick actions in order, each confirmed (or --yes): pause the
// sync crons, disable the failing provider, roll Vercel production back to the previous
// deployment, apply a prepared rollback SQL, and record the incident for the launch log.
import { CliExit, EXIT } from "../../output/exit-codes.ts";
import type { ReportedStep } from "../../output/print.ts";
import { recordIncident } from "../../steps/incidents.ts";
import { syncCrons } from "../../clients/tatu-admin-api.ts";
import { exitCodeOf, pass } from "../../steps/results.ts";
import { applyRollbackSql, resolveRollbackSql, rollbackVercel } from "../../steps/rollback.ts";
import { VercelApi } from "../../clients/vercel-api.ts";
import { providerSwitchName, setSwitches } from "../../steps/switches.ts";
import type { StepResult } from "../../steps/types.ts";
import type { CommandBody } from "../action.ts";

export const rollback: CommandBody = async (run) => {
  const baseUrl = run.baseUrl;
  const ctx = run.stepContext(baseUrl);
  const o = run.opts as {
    provider?: string;
    sql?: string;
    skipVercel?: boolean;
    title: string;
    severity: "sev1" | "sev2" | "sev3";
  };
  // Validate everything before the first change (each throws a usage error).
  const providerSwitch = o.provider ? providerSwitchName(o.provider) : undefined;
  if (o.sql) resolveRollbackSql(o.sql);
  if (!o.skipVercel) new VercelApi(run.env); // VERCEL_TOKEN + VERCEL_PROJECT_ID present, before anything changes
  if (!run.mode.yes && !run.mode.interactive)
    throw new CliExit(
      EXIT.usage,
      "rollback changes production: run it in a terminal to confirm each action, or pass --yes.",
    );

  const actions: { id: string; title: string; run: () => Promise<StepResult> }[] = [
    {
      id: "cron.disable-sync",
      title: `Disable the sync crons (${syncCrons.join(", ")})`,
      run: () =>
        setSwitches(
          ctx,
          syncCrons.map((n) => `cron.${n}`),
          false,
          `rollback: ${o.title}`,
        ),
    },
    ...(providerSwitch
      ? [
          {
            id: "provider.disable",
            title: `Disable ${providerSwitch}`,
            run: () => setSwitches(ctx, [providerSwitch], false, `rollback: ${o.title}`),
          },
        ]
      : []),
    ...(o.skipVercel
      ? []
      : [
          {
            id: "rollback.vercel",
            title: "Roll back the Vercel production deployment to the previous one",
            run: () => rollbackVercel(ctx),
          },
        ]),
    ...(o.sql
      ? [{ id: "rollback.sql", title: `Apply ${o.sql} to DATABASE_URL`, run: () => applyRollbackSql(ctx, o.sql!) }]
      : []),
  ];
  const steps: ReportedStep[] = [];
  for (const a of actions) {
    if (!(await run.confirm(`${a.title}?`))) {
      steps.push({ id: a.id, title: a.title, ok: true, summary: "declined by the operator", skipped: "declined" });
      continue;
    }
    const started = Date.now();
    steps.push({ id: a.id, title: a.title, ...(await a.run()), durationMs: Date.now() - started });
  }
  const done = steps.filter((s) => s.ok && s.skipped === undefined).map((s) => `${s.id}: ${s.summary}`);
  const incident = recordIncident(
    {
      severity: o.severity,
      title: o.title,
      operator: run.operator,
      source: "tatu rollback",
      mitigations: done,
      details: { url: baseUrl, failed: steps.filter((s) => !s.ok).map((s) => `${s.id}: ${s.summary}`) },
    },
    run.env,
  );
  steps.push({
    id: "incident.record",
    title: "Record the incident in the launch log",
    ...pass(`${incident.severity} "${incident.title}" recorded at ${incident.at}`, incident),
  });
  return { command: run.name, exitCode: exitCodeOf(steps), steps };
};
