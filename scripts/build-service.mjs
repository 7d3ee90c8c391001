#!/usr/bin/env node
// Builds the service into dist/ with esbuild (ESM, source maps) when it is missing or stale, so
// `npm start`, `npm run worker` and the Vercel function run plain JavaScript instead of
// transpiling ~250 TypeScript modules through tsx at every start. A hash of every input
// (service/ incl. the generated Prisma client, package.json, package-lock.json, tsconfig.json,
// this script) is kept in dist/.build-stamp: a fresh clone, a pull or an edit rebuilds, an
// unchanged tree starts at once.
// Used by `npm start`, `npm run worker`, `npm run build` (--force) and the built-server test.
//
// Layout: one flat folder (entries + shared chunks side by side), because service/paths.ts finds
// the repository root as the parent of the module's folder — true for service/*.ts and dist/*.js
// alike. Dynamic import() seams stay seams: each becomes its own chunk, loaded on first use.
// Packages stay in node_modules (resolved at run time, like under tsx) except the few small
// pure-JS ones in BUNDLED, whose hundreds of tiny ESM/CJS files cost more to resolve and link
// one by one than to parse as part of a chunk.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureStampedBuild, hashFiles, treeFiles } from "./stamped-build.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, "dist");
const stampFile = path.join(dist, ".build-stamp");
const lockFile = path.join(root, ".dist-build.lock");
const ENTRIES = ["service/main.ts", "service/worker.ts", "service/vercel.ts"];
/** Bundled into the chunks (with their own dependencies); every other package stays external. */
const BUNDLED = ["zod", "jose"];
/** Node 20.19 is the oldest runtime the quick start supports (package.json engines). */
const TARGET = "node20.19";

export function inputHash() {
  const own = [
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    "scripts/build-service.mjs",
    "scripts/stamped-build.mjs",
  ];
  return hashFiles(root, [...treeFiles(path.join(root, "service")), ...own.map((f) => path.join(root, f))]);
}

const fresh = (hash) =>
  ENTRIES.every((e) => fs.existsSync(path.join(dist, `${path.basename(e, ".ts")}.js`))) &&
  fs.existsSync(stampFile) &&
  fs.readFileSync(stampFile, "utf8") === hash;

async function build() {
  const { build: esbuild } = await import("esbuild");
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
  const deps = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
  const external = deps.filter((d) => !BUNDLED.includes(d));
  // Into a fresh folder, swapped in whole: a running `npm start` never sees half a build.
  const out = `${dist}.tmp-${process.pid}`;
  fs.rmSync(out, { recursive: true, force: true });
  await esbuild({
    absWorkingDir: root,
    entryPoints: ENTRIES,
    outdir: out,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: TARGET,
    sourcemap: "linked",
    sourcesContent: false, // maps point at service/*.ts, which ship alongside
    external: [...external, ...external.map((d) => `${d}/*`)],
    // Bundled CommonJS code calls require(), which ESM output lacks (zod and jose are ESM; this
    // keeps a CommonJS package added to BUNDLED working).
    banner: {
      js: 'import { createRequire as __tatuCreateRequire } from "node:module";\nconst require = __tatuCreateRequire(import.meta.url);',
    },
    logLevel: "warning",
  });
  const old = `${dist}.old-${process.pid}`;
  if (fs.existsSync(dist)) fs.renameSync(dist, old);
  fs.renameSync(out, dist);
  fs.rmSync(old, { recursive: true, force: true });
}

/** Returns "fresh" or "built"; throws when the build fails. */
export function ensureServiceBuild({ force = false, quiet = false } = {}) {
  return ensureStampedBuild({
    hash: inputHash(),
    isFresh: fresh,
    stampFile,
    lockFile,
    staleLockMs: 120_000,
    label: "the service (dist/)",
    force,
    quiet,
    build,
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  ensureServiceBuild({ force: process.argv.includes("--force") }).then(
    () => undefined,
    (err) => {
      console.error(`✗ service build failed: ${err.message}`);
      process.exit(1);
    },
  );
}
