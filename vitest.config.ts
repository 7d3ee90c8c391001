import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["**/node_modules/**", "test/chaos/**"], // the chaos suite: npm run chaos
    globalSetup: ["test/helpers/global-setup.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: keep parallel files modest so timing-sensitive flows stay stable.
    maxWorkers: 2,
  },
});
