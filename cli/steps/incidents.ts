// Incidents for the launch log: one JSON line each in <TATU_LAUNCH_DIR or .tatu/launch>/incidents.jsonl.
// `tatu rollback` and `tatu hypercare` append here; the runbook engine reads the file.
import fs from "node:fs";
import path from "node:path";
import { masked } from "../output/mask.ts";

export interface Incident {
  at: string;
  severity: "sev1" | "sev2" | "sev3";
  title: string;
  operator: string;
  source: string;
  mitigations?: string[];
  details?: unknown;
}

export function launchDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.TATU_LAUNCH_DIR || path.join(".tatu", "launch"));
}

export function recordIncident(
  incident: Omit<Incident, "at"> & { at?: string },
  env: NodeJS.ProcessEnv = process.env,
): Incident {
  const full: Incident = { at: new Date().toISOString(), ...incident };
  const dir = launchDir(env);
  fs.mkdirSync(dir, { recursive: true });
  fs.appendFileSync(path.join(dir, "incidents.jsonl"), masked(JSON.stringify(full)) + "\n");
  return full;
}
