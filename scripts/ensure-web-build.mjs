#!/usr/bin/env node
// Builds the web app into web/dist when it is missing or stale: a hash of every input (web/
// sources, config, and the service modules the app shares) is stored in web/dist/.build-stamp,
// so a fresh clone, a pull or an edit rebuilds, and an unchanged tree starts at once.
// Used by `npm start`, `npm test` and the browser tests (several callers at once take a lock).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureStampedBuild, hashFiles, treeFiles } from "./stamped-build.mjs";

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

export function inputHash() {
  // A build-time setting changes the output too.
  const settings = Object.keys(process.env)
    .filter((k) => k.startsWith("VITE_"))
    .sort()
    .map((k) => `${k}=${process.env[k]}`);
  return hashFiles(
    root,
    [...treeFiles(web, ["dist", "node_modules"]), ...SHARED.map((f) => path.join(root, f))],
    settings,
  );
}

const fresh = (hash) =>
  fs.existsSync(path.join(dist, "index.html")) &&
  fs.existsSync(stampFile) &&
  fs.readFileSync(stampFile, "utf8") === hash;

/** Returns "fresh" or "built"; throws when the build fails. */
export function ensureWebBuild({ force = false, quiet = false } = {}) {
  return ensureStampedBuild({
    hash: inputHash(),
    isFresh: fresh,
    stampFile,
    lockFile,
    staleLockMs: 180_000,
    label: "the web app (web/dist)",
    force,
    quiet,
    build: () => {
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
    },
  });
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
