#!/usr/bin/env node
// The programs the tests exec, file by file, and the Debian package each file comes from:
// Chromium (browser tests), Dovecot with its IMAP, LMTP and submission services (standins/peers/
// dovecot.ts), Radicale (standins/peers/radicale.ts) and OpenSSL (test certificates for the
// dns.ssl step and the rehearsal's TLS front). Whatever is missing is installed with
// apt-get; what still is missing stops the run with one line naming it. Used by `npm test`
// (scripts/test.mjs); `node scripts/provision.mjs` runs it alone.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * What the tests need. A path set in the environment (CHROMIUM_PATH, DOVECOT_PATH,
 * RADICALE_PYTHON) is the caller's own build: it is checked, never installed.
 */
export function requirements(env = process.env) {
  const chromium = env.CHROMIUM_PATH
    ? [{ name: "Chromium", files: [env.CHROMIUM_PATH] }]
    : [{ name: "Chromium", package: "chromium", files: ["/usr/bin/chromium"] }];
  // dovecot runs its services from /usr/lib/dovecot, one package per protocol the peer enables.
  const dovecot = env.DOVECOT_PATH
    ? [{ name: "Dovecot", files: [env.DOVECOT_PATH] }]
    : [
        { name: "Dovecot", package: "dovecot-core", files: ["/usr/sbin/dovecot"] },
        {
          name: "Dovecot IMAP",
          package: "dovecot-imapd",
          files: ["/usr/lib/dovecot/imap", "/usr/lib/dovecot/imap-login"],
        },
        { name: "Dovecot LMTP", package: "dovecot-lmtpd", files: ["/usr/lib/dovecot/lmtp"] },
        {
          name: "Dovecot submission",
          package: "dovecot-submissiond",
          files: ["/usr/lib/dovecot/submission", "/usr/lib/dovecot/submission-login"],
        },
      ];
  // Radicale runs as a module of Debian's python3 (python3 on PATH may be another one).
  const radicale = env.RADICALE_PYTHON
    ? [{ name: "Radicale", files: [], module: { python: env.RADICALE_PYTHON, name: "radicale" } }]
    : [
        {
          name: "Radicale",
          package: "radicale",
          files: ["/usr/bin/radicale"],
          module: { python: "/usr/bin/python3", name: "radicale" },
        },
      ];
  const openssl = [{ name: "OpenSSL", package: "openssl", files: ["/usr/bin/openssl"] }];
  return [...chromium, ...dovecot, ...radicale, ...openssl];
}

/** The requirements not met, given probes for a file and for a python module. */
export function unmet(reqs, probe) {
  return reqs.filter(
    (r) => !r.files.every((f) => probe.exists(f)) || (r.module && !probe.hasModule(r.module.python, r.module.name)),
  );
}

/** The packages that provide the unmet requirements (none for a caller's own build). */
export function packagesFor(missing) {
  return [...new Set(missing.flatMap((r) => (r.package ? [r.package] : [])))];
}

/** One line naming what is missing and how to get it. */
export function missingLine(missing) {
  const what = missing.map(
    (r) =>
      `${r.name} (${[...r.files, ...(r.module ? [`${r.module.python} -c "import ${r.module.name}"`] : [])].join(", ")})`,
  );
  const packages = packagesFor(missing);
  const fix = packages.length ? `apt-get install -y ${packages.join(" ")}` : "install it";
  const own = missing.some((r) => !r.package) ? ", or fix CHROMIUM_PATH / DOVECOT_PATH / RADICALE_PYTHON" : "";
  return `✗ Missing: ${what.join("; ")}: ${fix}${own}`;
}

function run(cmd, args) {
  try {
    execFileSync(cmd, args, { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const system = {
  exists: (f) => fs.existsSync(f),
  hasModule: (python, name) => run(python, ["-c", `import ${name}`]),
};

/** apt-get install, with one `apt-get update` retry when the package lists are stale. */
function aptInstall(packages) {
  process.env.DEBIAN_FRONTEND ??= "noninteractive";
  const apt = (args) => run("apt-get", ["-y", "-q", ...args]);
  return apt(["install", ...packages]) || (apt(["update"]) && apt(["install", ...packages]));
}

/** Installs what is missing; false (after printing the one line) when something still is. */
export function provision(env = process.env, probe = system) {
  const reqs = requirements(env);
  let missing = unmet(reqs, probe);
  const packages = packagesFor(missing);
  if (packages.length) {
    console.log(`· installing Debian's ${packages.join(", ")} (missing: ${missing.map((r) => r.name).join(", ")})`);
    aptInstall(packages);
    missing = unmet(reqs, probe);
  }
  if (!missing.length) return true;
  console.error(missingLine(missing));
  return false;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exit(provision() ? 0 : 1);
}
