// Types for scripts/provision.mjs (imported by its test).
export interface Requirement {
  name: string;
  package?: string;
  files: string[];
  module?: { python: string; name: string };
}
export interface Probe {
  exists(file: string): boolean;
  hasModule(python: string, name: string): boolean;
}
export function requirements(env?: Record<string, string | undefined>): Requirement[];
export function unmet(reqs: Requirement[], probe: Probe): Requirement[];
export function packagesFor(missing: Requirement[]): string[];
export function missingLine(missing: Requirement[]): string;
export function provision(env?: Record<string, string | undefined>, probe?: Probe): boolean;
