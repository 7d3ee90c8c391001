// The README's env table is generated from the registry; it must not drift.
import fs from "node:fs";
import { expect, it } from "vitest";
import { renderReadme } from "../../scripts/env-docs.ts";

it("README.md documents every env var of the registry (run `npm run docs:env` after changing it)", () => {
  const readme = fs.readFileSync("README.md", "utf8");
  expect(renderReadme(readme)).toBe(readme);
});
