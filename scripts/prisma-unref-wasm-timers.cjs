// Preloaded into Prisma CLI runs. The wasm schema engine (migrate deploy) arms a 10 s
// timer (its advisory-lock timeout) and never clears it, so the CLI would idle for 10 s
// after finishing. Unref only timers armed from wasm code: the CLI then exits when done.
const originalSetTimeout = global.setTimeout;
global.setTimeout = function setTimeoutUnrefWasm(fn, ms, ...args) {
  const timer = originalSetTimeout(fn, ms, ...args);
  if (typeof ms === "number" && ms >= 10_000 && (new Error().stack || "").includes("wasm://")) timer.unref?.();
  return timer;
};
