// Incidents as the launch sees them: the records in `<launch dir>/incidents.jsonl` (written by
// recordIncident from `tatu log incident`, `tatu rollback`, `tatu hypercare`) plus the
// mitigations in `mitigations.jsonl`. An incident's id is its line number (INC-1, INC-2…):
// both files are append-only, so ids never move. Sign-off refuses while a Sev-1/Sev-2 one is open.
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { CliExit, EXIT } from "../output/exit-codes.ts";
import { masked } from "../output/mask.ts";
import { recordIncident, type Incident } from "../steps/incidents.ts";
import { launchDir } from "./store.ts";

const IncidentLine = z.object({
  at: z.string(),
  severity: z.enum(["sev1", "sev2", "sev3"]),
  title: z.string(),
  operator: z.string().optional(),
  source: z.string().optional(),
});

const MitigationLine = z.object({
  at: z.string(),
  incident: z.string().optional(),
  text: z.string(),
  resolved: z.boolean(),
  operator: z.string(),
});
export type Mitigation = z.infer<typeof MitigationLine>;

export interface IncidentView {
  id: string;
  sev: number;
  title: string;
  at: string;
  source?: string;
  operator?: string;
  open: boolean;
  mitigations: Mitigation[];
}

const incidentsFile = (env: NodeJS.ProcessEnv) => path.join(launchDir(env), "incidents.jsonl");
const mitigationsFile = (env: NodeJS.ProcessEnv) => path.join(launchDir(env), "mitigations.jsonl");

function lines(file: string): string[] {
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n") : [];
}

/** Every incident in the launch dir with its mitigations; open until a mitigation resolves it. */
export function listIncidents(env: NodeJS.ProcessEnv = process.env): IncidentView[] {
  const mitigations = lines(mitigationsFile(env))
    .filter(Boolean)
    .flatMap((l) => {
      const parsed = MitigationLine.safeParse(JSON.parse(l));
      return parsed.success ? [parsed.data] : [];
    });
  const out: IncidentView[] = [];
  lines(incidentsFile(env)).forEach((l, index) => {
    if (!l.trim()) return;
    let parsed;
    try {
      parsed = IncidentLine.safeParse(JSON.parse(l));
    } catch {
      return;
    }
    if (!parsed.success) return; // not an incident record (no severity): ignore
    const id = `INC-${index + 1}`;
    const mine = mitigations.filter((m) => m.incident === id);
    out.push({
      id,
      sev: Number(parsed.data.severity.slice(3)),
      title: parsed.data.title,
      at: parsed.data.at,
      source: parsed.data.source,
      operator: parsed.data.operator,
      open: !mine.some((m) => m.resolved),
      mitigations: mine,
    });
  });
  return out;
}

/** Open Sev-1/Sev-2 incidents: what blocks the launch sign-off. */
export function openSevereIncidents(env: NodeJS.ProcessEnv = process.env): IncidentView[] {
  return listIncidents(env).filter((i) => i.open && i.sev <= 2);
}

/** Appends an incident (secrets masked) and returns it with its INC-n id. */
export function logIncident(
  input: { title: string; sev: 1 | 2 | 3; operator: string; source?: string },
  env: NodeJS.ProcessEnv = process.env,
): IncidentView {
  const before = lines(incidentsFile(env)).length;
  const incident: Incident = recordIncident(
    {
      severity: `sev${input.sev}`,
      title: input.title,
      operator: input.operator,
      source: input.source ?? "tatu log incident",
    },
    env,
  );
  // The id is the line just written (the last line with content).
  const all = listIncidents(env);
  return (
    all.find((i) => i.at === incident.at && i.title === masked(incident.title)) ??
    all[all.length - 1] ?? {
      id: `INC-${before}`,
      sev: input.sev,
      title: input.title,
      at: incident.at,
      open: true,
      mitigations: [],
    }
  );
}

/** Appends a mitigation note, optionally resolving an incident; refuses an unknown incident id. */
export function logMitigation(
  input: { incident?: string; text: string; resolved: boolean; operator: string },
  env: NodeJS.ProcessEnv = process.env,
): Mitigation {
  if (input.incident && !listIncidents(env).some((i) => i.id === input.incident))
    throw new CliExit(EXIT.usage, `no incident ${input.incident} (see \`tatu log incidents\`)`);
  if (input.resolved && !input.incident) throw new CliExit(EXIT.usage, "--resolve needs --incident <id>");
  const m: Mitigation = { at: new Date().toISOString(), ...input };
  fs.mkdirSync(launchDir(env), { recursive: true });
  fs.appendFileSync(mitigationsFile(env), masked(JSON.stringify(m)) + "\n");
  return m;
}
