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
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, "dist");
const stampFile = path.join(dist, ".build-stamp");
const lockFile = path.join(root, ".dist-build.lock");
const ENTRIES = ["service/main.ts", "service/worker.ts", "service/vercel.ts"];
/** Bundled into the chunks (with their own dependencies); every other package stays external. */
const BUNDLED = ["zod", "jose"];
/** Node 20.19 is the oldest runtime the quick start supports (package.json engines). */
const TARGET = "node20.19";

function files(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === "node_modules" || e.name.startsWith(".")) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p));
    else out.push(p);
  }
  return out;
}

export function inputHash() {
  const h = createHash("sha256");
  const own = ["package.json", "package-lock.json", "tsconfig.json", "scripts/build-service.mjs"].map((f) =>
    path.join(root, f),
  );
  const list = [...files(path.join(root, "service")), ...own.filter((f) => fs.existsSync(f))].sort();
  for (const f of list) h.update(path.relative(root, f)).update("\0").update(fs.readFileSync(f)).update("\0");
  return h.digest("hex");
}

const fresh = (hash) =>
  ENTRIES.every((e) => fs.existsSync(path.join(dist, `${path.basename(e, ".ts")}.js`))) &&
  fs.existsSync(stampFile) &&
  fs.readFileSync(stampFile, "utf8") === hash;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

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
export async function ensureServiceBuild({ force = false, quiet = false } = {}) {
  const hash = inputHash();
  if (!force && fresh(hash)) return "fresh";
  // One builder at a time; the others wait and then find a fresh build.
  for (;;) {
    try {
      fs.closeSync(fs.openSync(lockFile, "wx"));
      break;
    } catch {
      const age = Date.now() - (fs.statSync(lockFile, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 120_000) fs.rmSync(lockFile, { force: true }); // a builder that died
      await sleep(200);
      if (!force && fresh(hash)) return "fresh";
    }
  }
  try {
    if (!force && fresh(hash)) return "fresh";
    if (!quiet) console.log("· building the service (dist/)");
    await build();
    fs.writeFileSync(stampFile, hash);
    return "built";
  } finally {
    fs.rmSync(lockFile, { force: true });
  }
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
