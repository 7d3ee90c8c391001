// `npx tatu` works right after install: help and version.
import type { Command, CommanderError } from "commander";
import { execa } from "execa";
import { describe, expect, it, vi } from "vitest";
import { buildProgram } from "../../cli/program.ts";
import pkg from "../../package.json" with { type: "json" };
import { BIN } from "./runbook-helpers.ts";

// Each spawn of the CLI can take many seconds on a loaded machine.
vi.setConfig({ testTimeout: 90_000 });

describe("tatu CLI", () => {
  it("prints its version", async () => {
    const res = await execa("npx", ["tatu", "--version"]);
    expect(res.stdout.trim()).toBe(pkg.version);
  });

  it("prints help with the global flags", async () => {
    const res = await execa("npx", ["tatu", "--help"]);
    expect(res.stdout).toMatch(/^Usage: tatu/);
    for (const flag of ["--json", "--url <base>", "--yes", "--version"]) expect(res.stdout).toContain(flag);
  });

  it("fails with a clear message and exit code on an unknown command", async () => {
    const res = await execa("npx", ["tatu", "lunch"], { reject: false });
    expect(res.exitCode).toBe(2);
    expect(res.stderr).toContain("error: unknown command 'lunch'\n(Did you mean launch?)");
  });

  it("exit 2 with commander's message and a suggestion at every level; bare `tatu` is help (exit 0)", async () => {
    const run = (...args: string[]) => execa("node", [BIN, ...args], { reject: false, env: { CI: "true" } });
    const [bare, smok, chek, bogus, gmial, provider] = await Promise.all([
      run(),
      run("smok"),
      run("env", "chek"),
      run("launch", "--bogus"),
      run("smoke", "gmial"),
      run("runbook", "run", "rollback", "--provider", "facebok"),
    ]);
    expect(bare.exitCode).toBe(0);
    expect(bare.stdout).toMatch(/^Usage: tatu/);
    expect([smok.exitCode, smok.stderr]).toEqual([
      2,
      expect.stringContaining("unknown command 'smok'\n(Did you mean smoke?)"),
    ]);
    expect([chek.exitCode, chek.stderr]).toEqual([
      2,
      expect.stringContaining("unknown command 'chek'\n(Did you mean check?)"),
    ]);
    expect([bogus.exitCode, bogus.stderr]).toEqual([2, expect.stringContaining("unknown option '--bogus'")]);
    // CI parses stdout: with --json a usage error is still one JSON document there.
    const json = await run("--json", "lunch");
    expect(json.exitCode).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      exitCode: 2,
      error: expect.stringContaining("unknown command 'lunch'"),
    });
    expect([gmial.exitCode, gmial.stderr]).toEqual([
      2,
      expect.stringContaining("unknown smoke 'gmial' (Did you mean gmail?)"),
    ]);
    expect([provider.exitCode, provider.stderr]).toEqual([
      2,
      expect.stringContaining('unknown provider "facebok" (Did you mean facebook?)'),
    ]);
  });

  describe("every command of the tree (in-process, nothing runs)", () => {
    /** Parses argv with commander's errors thrown instead of exiting; returns the error code and what it printed. */
    async function parse(args: string[]): Promise<{ code?: string; out: string }> {
      const out: string[] = [];
      const quiet = (cmd: Command) => {
        cmd.exitOverride().configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => out.push(s) });
        for (const sub of cmd.commands) quiet(sub);
      };
      const program = buildProgram();
      quiet(program);
      try {
        await program.parseAsync(["node", "tatu", ...args]);
        return { out: out.join("") };
      } catch (err) {
        return { code: (err as CommanderError).code, out: out.join("") };
      }
    }
    const tree: { path: string[]; subcommands: string[] }[] = [];
    const walk = (cmd: Command, path: string[]) => {
      tree.push({ path, subcommands: cmd.commands.map((c) => c.name()) });
      for (const sub of cmd.commands) walk(sub, [...path, sub.name()]);
    };
    walk(buildProgram(), []);
    /** The typo a person makes: two different neighbouring letters after the first swapped ("check" → "cehck", "assign" → "asisgn"). */
    const typo = (name: string) => {
      const i = [...name].findIndex((c, j) => j > 0 && j + 1 < name.length && c !== name[j + 1]);
      return `${name.slice(0, i)}${name[i + 1]}${name[i]}${name.slice(i + 2)}`;
    };

    it.each(tree.filter((t) => t.subcommands.length).map((t) => [t.path.join(" ") || "tatu", t] as const))(
      "%s: a misspelt subcommand is an unknown command with a suggestion",
      async (_name, { path, subcommands }) => {
        for (const sub of subcommands) {
          const res = await parse([...path, typo(sub)]);
          expect(res.code).toBe("commander.unknownCommand");
          expect(res.out).toContain(`error: unknown command '${typo(sub)}'`);
          expect(res.out).toMatch(new RegExp(`\\(Did you mean (one of )?[^)]*\\b${sub}\\b`));
        }
      },
    );

    it.each(tree.filter((t) => t.path.length).map((t) => [t.path.join(" "), t] as const))(
      "%s: an unknown option is commander's unknown option",
      async (_name, { path }) => {
        const res = await parse([...path, "--bogus-flag"]);
        expect(res.code).toBe("commander.unknownOption");
        expect(res.out).toContain("error: unknown option '--bogus-flag'");
      },
    );
  });
});
