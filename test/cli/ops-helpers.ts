// Runs the real `tatu` binary as a child process (what an operator or CI runs) with a
// controlled environment, and checks no configured secret leaks into its output.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { stripVTControlCharacters } from "node:util";
import { execa } from "execa";
import { expect } from "vitest";

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  json: any;
}

const root = path.resolve(import.meta.dirname, "../..");

/** A fresh launch dir per test file (incidents.jsonl lands here). */
export function tempLaunchDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "tatu-launch-"));
}

export const secret = (prefix = "") => `${prefix}${randomBytes(24).toString("base64url")}`;

/**
 * `node cli/bin.mjs …` with only the given environment (plus PATH/HOME), no TTY, CI unset.
 * Asserts that none of `secrets` appears in stdout or stderr.
 */
export async function tatu(
  args: string[],
  env: Record<string, string>,
  secrets: string[] = [],
  opts: { input?: string; timeout?: number } = {},
): Promise<CliRun> {
  const res = await execa("node", ["cli/bin.mjs", ...args], {
    cwd: root,
    reject: false,
    extendEnv: false,
    timeout: opts.timeout ?? 45_000,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? "/root", TATU_OPERATOR: "ci-test", ...env },
    ...(opts.input !== undefined ? { input: opts.input } : { stdin: "ignore" }),
  });
  for (const s of secrets) {
    expect(res.stdout, "a secret leaked to stdout").not.toContain(s);
    expect(res.stderr, "a secret leaked to stderr").not.toContain(s);
  }
  let json: any;
  try {
    json = JSON.parse(res.stdout);
  } catch {
    /* not --json */
  }
  return { exitCode: res.exitCode ?? -1, stdout: res.stdout, stderr: res.stderr, json };
}

/**
 * Runs the CLI in a pseudo-terminal (util-linux `script`), typing `keys` once the prompt
 * text shows up, so @inquirer prompts run exactly as for a person.
 */
export async function tatuInTerminal(
  args: string[],
  env: Record<string, string>,
  answers: { prompt: RegExp; keys: string }[],
  secrets: string[] = [],
  /** Sees the whole output so far on every chunk (e.g. to act on a code the CLI shows). */
  watch?: (output: string) => void,
): Promise<{ exitCode: number; output: string }> {
  // A new pseudo-terminal is 0 columns wide: give it a real size, or listr2 wraps every character.
  const command = `stty cols 160 rows 50 2>/dev/null; ${["node", "cli/bin.mjs", ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ")}`;
  const proc = execa("script", ["-qfec", command, "/dev/null"], {
    cwd: root,
    reject: false,
    extendEnv: false,
    timeout: 45_000,
    env: {
      PATH: process.env.PATH!,
      HOME: process.env.HOME ?? "/root",
      TERM: "dumb",
      TATU_OPERATOR: "tty-operator",
      ...env,
    },
  });
  let output = "";
  let seen = 0; // answered prompts must not match again
  const pending = [...answers];
  proc.stdout!.on("data", (chunk: Buffer) => {
    output += stripVTControlCharacters(chunk.toString("utf8"));
    watch?.(output);
    while (pending.length && pending[0]!.prompt.test(output.slice(seen))) {
      const next = pending.shift()!;
      seen = output.length;
      const last = pending.length === 0;
      setTimeout(() => {
        proc.stdin!.write(next.keys);
        if (last) setTimeout(() => proc.stdin!.end(), 200);
      }, 100);
    }
  });
  const res = await proc;
  for (const s of secrets) expect(output, "a secret leaked to the terminal").not.toContain(s);
  return { exitCode: res.exitCode ?? -1, output };
}
