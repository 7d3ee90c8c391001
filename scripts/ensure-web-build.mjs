#!/usr/bin/env node
// Builds the web app into web/dist when it is missing or stale: a hash of every input (web/
// sources, config, and the service modules the app shares) is stored in web/dist/.build-stamp,
// so a fresh clone, a pull or an edit rebuilds, and an unchanged tree starts at once.
// Used by `npm start`, `npm test` and the browser tests (several callers at once take a lock).
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const web = path.join(root, "web");
const dist = path.join(web, "dist");
const stampFile = path.join(dist, ".build-stamp");
const lockFile = path.join(web, ".build.lock");
// Service modules the SPA imports (zod schemas and the style list); keep in sync with web/src.
const SHARED = [
  "service/auth/schemas.ts",
  "service/booking/schemas.ts",
  "service/notifications/schemas.ts",
  "service/artists/styles.ts",
  "package-lock.json",
];

function files(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === "dist" || e.name === "node_modules" || e.name.startsWith(".")) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p));
    else out.push(p);
  }
  return out;
}

export function inputHash() {
  const h = createHash("sha256");
  const list = [...files(web), ...SHARED.map((f) => path.join(root, f)).filter((f) => fs.existsSync(f))].sort();
  for (const f of list) h.update(path.relative(root, f)).update("\0").update(fs.readFileSync(f)).update("\0");
  // A build-time setting changes the output too.
  for (const k of Object.keys(process.env)
    .filter((k) => k.startsWith("VITE_"))
    .sort())
    h.update(`${k}=${process.env[k]}\0`);
  return h.digest("hex");
}

const fresh = (hash) =>
  fs.existsSync(path.join(dist, "index.html")) &&
  fs.existsSync(stampFile) &&
  fs.readFileSync(stampFile, "utf8") === hash;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Returns "fresh" or "built"; throws when the build fails. */
export async function ensureWebBuild({ force = false, quiet = false } = {}) {
  const hash = inputHash();
  if (!force && fresh(hash)) return "fresh";
  // One builder at a time; the others wait and then find a fresh build.
  for (let waited = 0; ; waited += 200) {
    try {
      fs.closeSync(fs.openSync(lockFile, "wx"));
      break;
    } catch {
      const age = Date.now() - (fs.statSync(lockFile, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 180_000) fs.rmSync(lockFile, { force: true }); // a builder that died
      await sleep(200);
      if (!force && fresh(hash)) return "fresh";
    }
  }
  try {
    if (!force && fresh(hash)) return "fresh";
    if (!quiet) console.log("· building the web app (web/dist)");
    const r = spawnSync(
      process.execPath,
      [
        path.join(root, "node_modules/vite/bin/vite.js"),
        "build",
        "--config",
        path.join(web, "vite.config.ts"),
        "--logLevel",
        quiet ? "warn" : "info",
      ],
      { cwd: root, stdio: "inherit", env: { ...process.env, NODE_ENV: "production" } },
    ); // never React's dev build (vitest sets NODE_ENV=test)
    if (r.status !== 0) throw new Error(`vite build failed (exit ${r.status})`);
    fs.writeFileSync(stampFile, hash);
    return "built";
  } finally {
    fs.rmSync(lockFile, { force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  ensureWebBuild({ force: process.argv.includes("--force") }).then(
    (r) => {
      if (r === "fresh") console.log("· web app is up to date (web/dist)");
    },
    (err) => {
      console.error(`✗ ${err.message}`);
      process.exit(1);
    },
  );
}
