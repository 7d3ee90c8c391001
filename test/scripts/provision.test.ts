// scripts/provision.mjs decides from which files exist: every file the tests exec is checked,
// not one per package family, and only the missing packages are installed.
import { describe, expect, it } from "vitest";
import { missingLine, packagesFor, requirements, unmet, type Probe } from "../../scripts/provision.mjs";

const ALL = [
  "/usr/bin/chromium",
  "/usr/sbin/dovecot",
  "/usr/lib/dovecot/imap",
  "/usr/lib/dovecot/imap-login",
  "/usr/lib/dovecot/lmtp",
  "/usr/lib/dovecot/submission",
  "/usr/lib/dovecot/submission-login",
  "/usr/bin/radicale",
  "/usr/bin/openssl",
];
const probe = (files: string[], modules = ["/usr/bin/python3 radicale"]): Probe => ({
  exists: (f) => files.includes(f),
  hasModule: (python, name) => modules.includes(`${python} ${name}`),
});
const plan = (p: Probe, env: Record<string, string> = {}) => {
  const missing = unmet(requirements(env), p);
  return { install: packagesFor(missing), line: missing.length ? missingLine(missing) : null };
};

describe("provisioning plan", () => {
  it("has nothing to do when every file is there", () => {
    expect(plan(probe(ALL))).toEqual({ install: [], line: null });
  });

  it("installs dovecot-submissiond when only the submission service is missing (dovecot-imapd alone is not enough)", () => {
    const { install, line } = plan(probe(ALL.filter((f) => !f.includes("submission"))));
    expect(install).toEqual(["dovecot-submissiond"]);
    expect(line).toBe(
      "✗ Missing: Dovecot submission (/usr/lib/dovecot/submission, /usr/lib/dovecot/submission-login): apt-get install -y dovecot-submissiond",
    );
  });

  it("installs exactly the missing packages of a bare machine", () => {
    expect(plan(probe([], [])).install).toEqual([
      "chromium",
      "dovecot-core",
      "dovecot-imapd",
      "dovecot-lmtpd",
      "dovecot-submissiond",
      "radicale",
      "openssl",
    ]);
  });

  it("needs Debian python3's radicale module as well as /usr/bin/radicale", () => {
    expect(plan(probe(ALL, [])).install).toEqual(["radicale"]);
  });

  it("only checks a caller's own build (CHROMIUM_PATH, DOVECOT_PATH, RADICALE_PYTHON), never installs over it", () => {
    const env = {
      CHROMIUM_PATH: "/opt/chrome",
      DOVECOT_PATH: "/opt/dovecot/sbin/dovecot",
      RADICALE_PYTHON: "/opt/py/bin/python3",
    };
    const openssl = "/usr/bin/openssl"; // not one of the overridable three: always the Debian one
    expect(
      plan(probe(["/opt/chrome", "/opt/dovecot/sbin/dovecot", openssl], ["/opt/py/bin/python3 radicale"]), env),
    ).toEqual({
      install: [],
      line: null,
    });
    const { install, line } = plan(probe(["/opt/chrome", openssl], []), env);
    expect(install).toEqual([]);
    expect(line).toBe(
      '✗ Missing: Dovecot (/opt/dovecot/sbin/dovecot); Radicale (/opt/py/bin/python3 -c "import radicale"): install it, or fix CHROMIUM_PATH / DOVECOT_PATH / RADICALE_PYTHON',
    );
  });
});
