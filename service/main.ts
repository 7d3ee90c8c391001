// `npm start`: HTTP API + WebSocket + web UI + built-in scheduler + in-process worker.
import { randomUUID } from "node:crypto";
import { ConfigError, loadConfig } from "./config/load.ts";

async function main() {
  // Configuration first: a misconfigured deploy fails in a moment, before the provider SDKs
  // (googleapis alone is large) are even loaded.
  const config = loadConfig();
  const [{ boot }, { startHttpServer }, { flushSentry, reportError }] = await Promise.all([
    import("./boot.ts"),
    import("./server.ts"),
    import("./observability/sentry.ts"),
  ]);
  const { ctx, close } = await boot({ config });
  const http = await startHttpServer(ctx);
  const stopWorker = ctx.config.inProcessWorker
    ? ctx.queue.startWorker(ctx, ctx.config.workerConcurrency)
    : async () => undefined;
  // IMAP IDLE lives with the worker: a long-running process on Redis (none on HTTP-only replicas).
  const push = ctx.config.inProcessWorker
    ? (await import("./inbox/push/idle-manager.ts")).startImapPush(ctx)
    : undefined;
  // The scheduler (croner) only where it runs: TATU_SCHEDULER=off replicas never load it.
  const scheduler = ctx.config.scheduler ? (await import("./jobs/scheduler.ts")).startScheduler(ctx) : undefined;
  ctx.log.info(
    {
      url: ctx.config.publicUrl,
      port: http.port,
      queue: ctx.queue.mode,
      inProcessWorker: ctx.config.inProcessWorker,
      mail: ctx.mailer.mode,
      scheduler: ctx.config.scheduler,
    },
    `Tatu is running on http://localhost:${http.port}`,
  );

  // A stray rejection must not take the whole service down: log it and report it.
  process.on("unhandledRejection", (err) => {
    const errorId = randomUUID();
    ctx.log.error({ err, errorId }, "unhandled promise rejection");
    reportError(err, { errorId });
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    ctx.log.info({ signal }, "shutting down");
    scheduler?.stop();
    await http.close();
    await push?.stop();
    await stopWorker();
    await close();
    await flushSentry();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

main().catch((err) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error(`Tatu failed to start: ${(err as Error).message}`);
  process.exit(1);
});
