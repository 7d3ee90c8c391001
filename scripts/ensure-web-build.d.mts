// Types for scripts/ensure-web-build.mjs (imported by the browser tests).
export function inputHash(): string;
export function ensureWebBuild(opts?: { force?: boolean; quiet?: boolean }): Promise<"fresh" | "built">;
