// Runbook commands: runbook list|show|run, launch (incl. --resume and --rehearse), log incident,
// log mitigation, log incidents. The engine lives in cli/runbook/, the rehearsal in cli/rehearse/.
import { Command, Option } from "commander";
import { CliExit, EXIT } from "../output/exit-codes.ts";
import { detectMode } from "../output/mode.ts";
import { printError } from "../output/print.ts";
import { listIncidents, logIncident, logMitigation } from "../runbook/incidents.ts";
import { LaunchLog } from "../runbook/log.ts";
import { listRunbookNames, loadRunbook, RunbookError, runbooksDir } from "../runbook/parse.ts";
import { inquirerPrompter } from "../runbook/prompter.ts";
import { createReporter } from "../runbook/reporter.ts";
import { executeRun } from "../runbook/run.ts";
import { findStep, loadSteps } from "../runbook/steps.ts";
import { currentRunId } from "../runbook/store.ts";
import { printSummary } from "../runbook/summary.ts";
import { CommandRun, type GlobalOptions } from "./invocation.ts";

type Opts = GlobalOptions & Record<string, unknown>;

/** Like operation(): a CliExit becomes its exit code (JSON error with --json), then exit. */
function action(name: string, body: (run: CommandRun, args: string[]) => Promise<number>) {
  return async function (this: Command, ...all: unknown[]): Promise<void> {
    const command = all.at(-1) as Command;
    const args = all.slice(0, -2).flat().filter((a): a is string => typeof a === "string");
    const opts = command.optsWithGlobals() as Opts;
    let run: CommandRun | undefined;
    let code: number;
    try {
      run = new CommandRun(name, opts);
      code = await body(run, args);
    } catch (err) {
      const mode = run?.mode ?? detectMode(opts);
      if (err instanceof CliExit) code = err.code;
      else if (err instanceof RunbookError) code = EXIT.usage;
      else if ((err as Error)?.name === "ExitPromptError") { code = EXIT.usage; (err as Error).message = "cancelled at the prompt (the run is saved: continue with --resume)"; }
      else code = EXIT.failed;
      printError(mode, name, code, (err as Error).message);
    }
    process.exit(code);
  };
}

/** `--skip id=reason` and `--override gate=reason`, repeatable. */
function pairs(values: string[] | undefined, flag: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const v of values ?? []) {
    const i = v.indexOf("=");
    if (i <= 0 || !v.slice(i + 1).trim()) throw new CliExit(EXIT.usage, `${flag} "${v}": expected ${flag} "<item-id>=<reason>" (a reason is required)`);
    out.set(v.slice(0, i).trim(), v.slice(i + 1).trim());
  }
  return out;
}

function runOptions(cmd: Command): Command {
  return cmd
    .option("--resume [run-id]", "continue the newest unfinished run (or the given one); finished items are not repeated")
    .option("--release-commander <name>", "Release Commander (recorded at the start; the only one who can override a gate)")
    .option("--backend <name>", "Backend Owner")
    .option("--frontend <name>", "Frontend Owner")
    .option("--qa <name>", "QA Owner")
    .option("--observer <name>", "Observer")
    .option("--window <text>", "launch window, e.g. \"2026-12-01 14:00-16:00 UTC\"")
    .option("--reason <text>", "with --yes: confirms manual items non-interactively; the reason is logged")
    .option("--skip <item=reason...>", "skip an item; the reason is required and logged (repeatable)")
    .option("--override <gate=reason...>", "override a blocked Go/No-Go gate (needs --override-by = the Release Commander)")
    .option("--override-by <name>", "the Release Commander's name, for --override")
    .option("--env-file <file>", "read variables from a dotenv file over the environment");
}

async function runRunbook(run: CommandRun, name: string): Promise<number> {
  const runbook = loadRunbook(name, runbooksDir(run.env));
  await loadSteps(run.env);
  const o = run.opts;
  const needsTarget = runbook.items.some((i) => i.kind === "automated" && i.step !== "launch.roles");
  const baseUrl = needsTarget ? run.baseUrl : (o.url ?? run.env.NEXTAUTH_URL ?? "");
  const overrideBy = typeof o.overrideBy === "string" ? o.overrideBy : undefined;
  const overrides = new Map([...pairs(o.override as string[] | undefined, "--override")].map(([k, reason]) => {
    if (!overrideBy) throw new CliExit(EXIT.usage, "--override needs --override-by <Release Commander's name>");
    return [k, { by: overrideBy, reason }];
  }));
  if (typeof o.reason === "string" && !o.reason.trim()) throw new CliExit(EXIT.usage, "--reason must not be empty");
  const summary = await executeRun({
    runbook, ctx: run.stepContext(baseUrl), mode: run.mode, prompter: inquirerPrompter, reporter: createReporter(run.mode),
    resume: o.resume as boolean | string | undefined, roles: o as never, reason: o.reason as string | undefined,
    skips: pairs(o.skip as string[] | undefined, "--skip"), overrides, env: run.env,
  });
  printSummary(run.mode, summary);
  return summary.exitCode;
}

export function registerRunbookCommands(program: Command): void {
  const runbook = program.command("runbook").description("list, show and run the launch runbooks (runbooks/*.md)");

  runbook.command("list").description("the runbooks and their item counts").action(action("runbook list", async (run) => {
    await loadSteps(run.env);
    const dir = runbooksDir(run.env);
    const books = listRunbookNames(dir).map((n) => {
      const b = loadRunbook(n, dir);
      const count = (k: string) => b.items.filter((i) => i.kind === k).length;
      return { name: n, title: b.title, items: b.items.length, automated: count("automated"), manual: count("manual"), gates: count("gate") + count("signoff") };
    });
    if (run.mode.json) process.stdout.write(JSON.stringify({ command: "runbook list", ok: true, exitCode: 0, dir, runbooks: books }, null, 2) + "\n");
    else for (const b of books) process.stdout.write(`${b.name.padEnd(22)} ${b.title} — ${b.items} items (${b.automated} automated, ${b.manual} manual, ${b.gates} gates)\n`);
    return EXIT.ok;
  }));

  runbook.command("show").argument("<name>", "runbook name (see `tatu runbook list`)").description("the items of a runbook: id, kind, bound step (and whether it is registered)")
    .action(action("runbook show", async (run, [name]) => {
      await loadSteps(run.env);
      const b = loadRunbook(name!, runbooksDir(run.env));
      const items = b.items.map((i) => ({ ...i, stepRegistered: i.step ? Boolean(findStep(i.step)) : undefined }));
      if (run.mode.json) {
        process.stdout.write(JSON.stringify({ command: "runbook show", ok: true, exitCode: 0, name: b.name, title: b.title, file: b.file, items }, null, 2) + "\n");
        return EXIT.ok;
      }
      process.stdout.write(`${b.title} (${b.file})\n`);
      let section = "";
      for (const i of items) {
        if (i.section !== section) process.stdout.write(`\n${(section = i.section)}\n`);
        const kind = i.kind === "automated" ? `step ${i.step}${i.stepRegistered ? "" : " (no step registered)"}` : i.kind;
        process.stdout.write(`  ${i.id.padEnd(26)} [${kind}${i.required ? "" : ", optional"}] ${i.text}\n`);
      }
      return EXIT.ok;
    }));

  runOptions(runbook.command("run").argument("<name>", "runbook name").description("run a runbook: automated items execute, manual ones are confirmed; resumable with --resume. Items bound to steps that change production (migrate deploy, switches, Vercel rollback) ask first, or take --yes"))
    .action(action("runbook run", (run, [name]) => runRunbook(run, name!)));

  runOptions(program.command("launch").description("run the launch runbook (runbooks/launch.md): T-24h → T-2h → T-30m Go/No-Go #1 → T-0 Go/No-Go #2 → hypercare → sign-off. Changes production (migrate deploy): those items ask first, or take --yes"))
    .option("--rehearse", "rehearse the whole launch locally: embedded DB, worker, provider stand-ins, seeded test accounts — no credentials, no network")
    .action(action("launch", async (run) => {
      if (run.opts.rehearse) {
        const { rehearse } = await import("../rehearse/index.ts");
        return rehearse(run);
      }
      return runRunbook(run, "launch");
    }));

  const log = program.command("log").description("write incidents and mitigations into the launch log");
  log.command("incident").argument("<title>", "what is happening, in one line").description("record an incident (Sev-1/Sev-2 block sign-off until resolved)")
    .addOption(new Option("--sev <n>", "severity: 1 (critical) … 3 (minor)").default("2"))
    .action(action("log incident", async (run, [title]) => {
      const sev = Number(run.opts.sev);
      if (![1, 2, 3].includes(sev)) throw new CliExit(EXIT.usage, `--sev must be 1, 2 or 3 (got "${String(run.opts.sev)}")`);
      if (!title?.trim()) throw new CliExit(EXIT.usage, "the incident needs a title");
      const incident = logIncident({ title: title.trim(), sev: sev as 1 | 2 | 3, operator: run.operator }, run.env);
      const runId = currentRunId(run.env);
      if (runId) new LaunchLog(runId, run.env).append({ type: "incident", id: incident.id, sev, title: incident.title, operator: run.operator });
      if (run.mode.json) process.stdout.write(JSON.stringify({ command: "log incident", ok: true, exitCode: 0, incident, run: runId ?? null }, null, 2) + "\n");
      else process.stdout.write(`${incident.id} (Sev-${sev}) recorded${runId ? ` in the launch log of ${runId}` : ""}. Resolve with: tatu log mitigation "…" --incident ${incident.id} --resolve\n`);
      return EXIT.ok;
    }));

  log.command("mitigation").argument("<text>", "what was done").description("record a mitigation; --resolve closes the incident")
    .option("--incident <id>", "the incident it mitigates (INC-n, see `tatu log incidents`)")
    .option("--resolve", "the incident is resolved (no longer blocks sign-off)")
    .action(action("log mitigation", async (run, [text]) => {
      if (!text?.trim()) throw new CliExit(EXIT.usage, "the mitigation needs a text");
      let m;
      try {
        m = logMitigation({ incident: run.opts.incident as string | undefined, text: text.trim(), resolved: Boolean(run.opts.resolve), operator: run.operator }, run.env);
      } catch (err) {
        throw new CliExit(EXIT.usage, (err as Error).message);
      }
      const runId = currentRunId(run.env);
      if (runId) new LaunchLog(runId, run.env).append({ type: "mitigation", incident: m.incident, text: m.text, resolved: m.resolved, operator: run.operator });
      if (run.mode.json) process.stdout.write(JSON.stringify({ command: "log mitigation", ok: true, exitCode: 0, mitigation: m, run: runId ?? null }, null, 2) + "\n");
      else process.stdout.write(`Mitigation recorded${m.incident ? ` for ${m.incident}${m.resolved ? " (resolved)" : ""}` : ""}.\n`);
      return EXIT.ok;
    }));

  log.command("incidents").description("incidents with their status (open Sev-1/Sev-2 block sign-off)").action(action("log incidents", async (run) => {
    const incidents = listIncidents(run.env);
    if (run.mode.json) process.stdout.write(JSON.stringify({ command: "log incidents", ok: true, exitCode: 0, incidents }, null, 2) + "\n");
    else if (!incidents.length) process.stdout.write("No incidents recorded.\n");
    else for (const i of incidents) process.stdout.write(`${i.id}  Sev-${i.sev}  ${i.open ? "OPEN    " : "resolved"}  ${i.at}  ${i.title}\n`);
    return EXIT.ok;
  }));
}
