// What the web build and the service build share: a hash of their input files, and "build only
// when the stamp in the output differs, one builder at a time" (a lock file; the others wait and
// then find the fresh build). Each build script keeps its own inputs and its own build step.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/** Every file under `dir`, skipping dot-entries and the folders named in `skip`. */
export function treeFiles(dir, skip = ["node_modules"]) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (skip.includes(e.name) || e.name.startsWith(".")) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...treeFiles(p, skip));
    else out.push(p);
  }
  return out;
}

/** sha256 over the files' paths (relative to `root`) and contents, in a stable order, plus `extra`. */
export function hashFiles(root, list, extra = []) {
  const h = createHash("sha256");
  for (const f of [...list].filter((f) => fs.existsSync(f)).sort())
    h.update(path.relative(root, f)).update("\0").update(fs.readFileSync(f)).update("\0");
  for (const x of extra) h.update(`${x}\0`);
  return h.digest("hex");
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `build` unless `isFresh(hash)`; writes `hash` to `stampFile` after a successful build.
 * Returns "fresh" or "built"; throws when the build fails.
 */
export async function ensureStampedBuild({
  hash,
  isFresh,
  stampFile,
  lockFile,
  staleLockMs,
  label,
  force,
  quiet,
  build,
}) {
  if (!force && isFresh(hash)) return "fresh";
  for (;;) {
    try {
      fs.closeSync(fs.openSync(lockFile, "wx"));
      break;
    } catch {
      const age = Date.now() - (fs.statSync(lockFile, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > staleLockMs) fs.rmSync(lockFile, { force: true }); // a builder that died
      await sleep(200);
      if (!force && isFresh(hash)) return "fresh";
    }
  }
  try {
    if (!force && isFresh(hash)) return "fresh";
    if (!quiet) console.log(`· building ${label}`);
    await build();
    fs.writeFileSync(stampFile, hash);
    return "built";
  } finally {
    fs.rmSync(lockFile, { force: true });
  }
}
