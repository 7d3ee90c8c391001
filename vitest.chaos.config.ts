// The chaos suite (`npm run chaos`): workers killed with SIGKILL, private Redis and PostgreSQL
// restarted under load, provider stand-ins misbehaving. Files run one at a time (each spawns
// processes and servers of its own, and timing matters on a 2-core machine); the whole suite
// is bounded to a few minutes.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/chaos/**/*.test.ts"],
    globalSetup: ["test/helpers/global-setup.ts"],
    pool: "forks",
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 150_000,
    hookTimeout: 120_000,
  },
});
