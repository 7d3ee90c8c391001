#!/usr/bin/env node
// Runs the Prisma CLI the way it works on offline machines: WebAssembly engines through
// the pg driver adapter (prisma.config.ts), no telemetry, no binary downloads.
// Usage: node scripts/prisma.mjs <prisma args...>   (e.g. `migrate deploy`, `generate`)
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const prismaEnv = {
  CHECKPOINT_DISABLE: "1",
  PRISMA_HIDE_UPDATE_MESSAGE: "1",
  PRISMA_SCHEMA_ENGINE_BINARY: "/bin/false",
  PRISMA_QUERY_ENGINE_LIBRARY: "/bin/false",
};
const cli = createRequire(import.meta.url).resolve("prisma/build/index.js");
const args = process.argv.slice(2);
const result = spawnSync(
  process.execPath,
  ["--require", path.join(root, "scripts/prisma-unref-wasm-timers.cjs"), cli, ...args],
  { cwd: root, stdio: "inherit", env: { ...process.env, ...prismaEnv } },
);
process.exit(result.status ?? 1);
