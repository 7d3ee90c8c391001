// Types for scripts/build-service.mjs (imported by the built-server test and bench/start.ts).
export function inputHash(): string;
export function ensureServiceBuild(opts?: { force?: boolean; quiet?: boolean }): Promise<"fresh" | "built">;
