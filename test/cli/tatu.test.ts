// `npx tatu` works right after install: help and version.
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import pkg from "../../package.json" with { type: "json" };

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
    expect(res.exitCode).not.toBe(0);
    expect(res.stderr).toMatch(/unknown command|too many arguments/i);
  });
});
