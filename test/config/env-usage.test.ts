// Every TATU_* variable the CLI and the service read is in the env registry (service/config/
// registry.ts or cli/environment.ts), so `tatu env check` and the README know it. The sources
// are scanned for TATU_ names; a name ending in `_` (TATU_SMOKE_* in a description) is a prefix
// standing for the concrete names the sources use. Code identifiers (`const TATU_PROPERTY = …`)
// and browser globals (`window.TATU_CONFIG`) are not variables.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cliEnvRegistry } from "../../cli/environment.ts";
import { envRegistry } from "../../service/config/registry.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const registered = new Set([...Object.keys(envRegistry), ...Object.keys(cliEnvRegistry)]);

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).flatMap((e) => {
    const file = path.join(e.parentPath, e.name);
    return e.isFile() && /\.(ts|tsx|mts|mjs)$/.test(e.name) && !file.includes("/generated/") ? [file] : [];
  });
}

/** The TATU_ variables the sources under `dirs` name that no registry lists, with the file naming each. */
function unregisteredTatuVariables(dirs: string[], known: ReadonlySet<string>): Map<string, string> {
  const texts = dirs.flatMap(sourceFiles).map((file) => ({ file, text: fs.readFileSync(file, "utf8") }));
  const identifiers = new Set(
    texts.flatMap(({ text }) =>
      [...text.matchAll(/\b(?:const|let|var|function|class|enum)\s+(TATU_[A-Z0-9_]+)\b/g)].map((m) => m[1]!),
    ),
  );
  const uses = new Map<string, string>();
  for (const { file, text } of texts)
    for (const m of text.matchAll(/(?<![\w.$])(window\.)?(TATU_[A-Z0-9_]+)/g))
      if (!m[1] && !identifiers.has(m[2]!) && !uses.has(m[2]!)) uses.set(m[2]!, path.relative(ROOT, file));
  const missing = new Map<string, string>();
  const concrete = [...uses.keys()].filter((n) => !n.endsWith("_"));
  for (const [name, file] of uses) {
    if (!name.endsWith("_")) {
      if (!known.has(name)) missing.set(name, file);
      continue;
    }
    // A prefix: every concrete name it stands for must be registered, and it must stand for one.
    const expanded = [...new Set([...concrete, ...known])].filter((n) => n.startsWith(name));
    if (!expanded.some((n) => known.has(n))) missing.set(`${name}*`, file);
  }
  return missing;
}

describe("TATU_* variables and the env registry", () => {
  it("every TATU_ variable cli/ and service/ read is registered", () => {
    const missing = unregisteredTatuVariables([path.join(ROOT, "cli"), path.join(ROOT, "service")], registered);
    expect(
      [...missing].map(([name, file]) => `${name} (read in ${file}) is not in cliEnvRegistry or envRegistry`),
    ).toEqual([]);
  });

  it("names an unregistered variable, and a prefix no registered variable has", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tatu-env-scan-"));
    try {
      fs.writeFileSync(
        path.join(dir, "reads.ts"),
        [
          'const a = env.TATU_SMOKE_EMAIL ?? process.env["TATU_NOT_IN_REGISTRY"];',
          "export const TATU_PROPERTY_NAME = 'x-tatu'; // a code constant, not a variable",
          "const tile = window.TATU_CONFIG?.tileUrl; // a browser global",
          "// read TATU_SMOKE_* and TATU_NOWHERE_* from this dotenv file",
        ].join("\n"),
      );
      expect([...unregisteredTatuVariables([dir], registered).keys()]).toEqual([
        "TATU_NOT_IN_REGISTRY",
        "TATU_NOWHERE_*",
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
