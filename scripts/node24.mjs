#!/usr/bin/env node
// Node 24 LTS — the production target — for machines whose default `node` is another line
// (e.g. 20.19+, still supported for the quick start): CI runs the suite on both, and
// `npm run bench:start` compares them. The npm registry ships real Node binaries as packages
// (node-<platform>-<arch>), so this needs nothing but the registry npm already uses. Installed
// once into a tools folder outside the repository (TATU_TOOLS_DIR, default ~/.cache/tatu-tools).
//   node scripts/node24.mjs          installs it when missing, prints the binary's path
//   node scripts/node24.mjs --find   prints the path when installed (exit 1 otherwise), never installs
// TATU_NODE24=/path/to/node overrides both (a Node 24 installed some other way).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const MAJOR = 24;
const pkg = `node-${process.platform}-${process.arch}`;
const toolsDir = () => process.env.TATU_TOOLS_DIR || path.join(os.homedir(), ".cache", "tatu-tools");
const prefix = () => path.join(toolsDir(), `node${MAJOR}`);
const binary = () =>
  path.join(prefix(), "node_modules", pkg, "bin", process.platform === "win32" ? "node.exe" : "node");

function versionOf(bin) {
  try {
    return execFileSync(bin, ["--version"], { encoding: "utf8", timeout: 10_000 }).trim();
  } catch {
    return undefined;
  }
}

/** The Node 24 binary when one is installed (or named by TATU_NODE24), else undefined. */
export function findNode24() {
  const bin = process.env.TATU_NODE24 || binary();
  const v = fs.existsSync(bin) ? versionOf(bin) : undefined;
  return v?.startsWith(`v${MAJOR}.`) ? { path: bin, version: v } : undefined;
}

/** Finds or installs (`npm install --prefix <tools>/node24 node-<platform>-<arch>@24`). */
export function ensureNode24() {
  const found = findNode24();
  if (found) return found;
  if (process.env.TATU_NODE24) throw new Error(`TATU_NODE24=${process.env.TATU_NODE24} is not a Node ${MAJOR} binary`);
  fs.mkdirSync(prefix(), { recursive: true });
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  execFileSync(npm, ["install", "--prefix", prefix(), "--no-save", "--no-audit", "--no-fund", `${pkg}@${MAJOR}`], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  const installed = findNode24();
  if (!installed) throw new Error(`${pkg}@${MAJOR} installed into ${prefix()}, but ${binary()} does not run`);
  return installed;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const found = process.argv.includes("--find") ? findNode24() : ensureNode24();
    if (!found) process.exit(1);
    console.log(found.path);
  } catch (err) {
    console.error(`✗ Node ${MAJOR}: ${err.message}`);
    process.exit(1);
  }
}
